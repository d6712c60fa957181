"""Transposed convolution ("deconvolution"), the up-sampling layer of decoders, in two views.

1. As an ordinary convolution: insert ``stride - 1`` zeros between the input cells, pad each
   side with ``d(f-1) - p`` zeros (plus ``output_padding`` at the bottom and right), then slide
   the kernel rotated by 180 degrees with stride 1. ``conv_transpose_trace`` returns that
   convolution's ``ConvTrace``, so the 2-D stepper shows it cell by cell.
2. As a scatter: every input cell stamps a copy of the kernel, scaled by its value, into the
   output at ``stride`` spacing; overlapping stamps add up, then ``p`` rows and columns are
   cropped from each border. ``TransposeTrace.stamps`` holds those copies.

Both equal ``torch.nn.functional.conv_transpose2d``.
"""

from dataclasses import dataclass

import torch

from cvcore import _validate
from cvcore.conv.trace import ConvTrace, conv_trace
from cvcore.errors import InvalidParameter

__all__ = ["TransposeTrace", "transpose_output_size", "conv_transpose_trace", "reference_output"]


def transpose_output_size(n: int, f: int, p: int = 0, s: int = 1, d: int = 1, output_padding: int = 0) -> int:
    """Output length along one axis: ``(n - 1)s - 2p + d(f - 1) + output_padding + 1``.

    >>> transpose_output_size(2, 3, p=1, s=2)     # 2x2 -> 3x3
    3
    >>> transpose_output_size(4, 4, p=1, s=2)     # the usual "double the size" layer
    8
    """
    for name, value, minimum in (("n", n, 1), ("f", f, 1), ("s", s, 1), ("d", d, 1), ("p", p, 0),
                                 ("output_padding", output_padding, 0)):
        _validate.pair(value, name, minimum=minimum)
    if output_padding >= max(s, d):
        raise InvalidParameter(
            f"output_padding must be smaller than the stride or the dilation (here {max(s, d)}), got {output_padding}"
        )
    size = (n - 1) * s - 2 * p + d * (f - 1) + output_padding + 1
    if size < 1:
        raise InvalidParameter(
            f"no output: (n-1)s - 2p + d(f-1) + output_padding + 1 = ({n}-1)·{s} - 2·{p} + {d}·({f}-1) + "
            f"{output_padding} + 1 = {size}; expected at least 1 (use less padding)"
        )
    return size


@dataclass(frozen=True)
class TransposeTrace(ConvTrace):
    """A ``ConvTrace`` of the equivalent ordinary convolution, plus the scatter view.

    Attributes:
        source: Tensor[H, W], the input as given; ``input`` is the zero-stuffed, padded grid.
        source_mask: bool Tensor like ``input``: True where a cell of ``source`` sits.
        stamps: Tensor[H*W, H', W'], each input cell's scaled kernel as it lands in the output.
        up_stride, up_padding, output_padding: the transposed layer's own settings (h, w).
    """

    source: torch.Tensor = None
    source_mask: torch.Tensor = None
    stamps: torch.Tensor = None
    up_stride: tuple[int, int] = (1, 1)
    up_padding: tuple[int, int] = (0, 0)
    output_padding: tuple[int, int] = (0, 0)


def _place(x: torch.Tensor, stride, edge, extra) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-stuff ``x`` and pad (or crop, for negative ``edge``) it; returns (grid, mask of x's cells)."""
    h, w = x.shape
    (sh, sw), (eh, ew), (xh, xw) = stride, edge, extra
    up = torch.zeros((h - 1) * sh + 1, (w - 1) * sw + 1, dtype=x.dtype, device=x.device)
    mask = torch.zeros(up.shape, dtype=torch.bool, device=x.device)
    up[::sh, ::sw], mask[::sh, ::sw] = x, True
    pads = (ew, ew + xw, eh, eh + xh)  # F.pad order: left, right, top, bottom; negative crops
    grid = torch.nn.functional.pad(up, pads)
    return grid, torch.nn.functional.pad(mask, pads)


def conv_transpose_trace(image, kernel, *, stride=1, padding=0, output_padding=0, dilation=1) -> TransposeTrace:
    """Transposed 2-D convolution, traced both as zero insertion + convolution and as a scatter.

    Args:
        image (Tensor[H, W]), kernel (Tensor[kh, kw]): any sizes.
        stride, padding, output_padding, dilation: ints or (h, w) pairs; ``output_padding``
            must be smaller than the stride or the dilation, as in PyTorch.

    Returns:
        TransposeTrace whose ``output`` is Tensor[H', W'] with
        ``H' = (H-1)s - 2p + d(kh-1) + output_padding + 1``.

    >>> conv_transpose_trace(torch.tensor([[1., 2.], [3., 4.]]), torch.ones(2, 2), stride=2).output
    tensor([[1., 1., 2., 2.],
            [1., 1., 2., 2.],
            [3., 3., 4., 4.],
            [3., 3., 4., 4.]], dtype=torch.float64)
    """
    x = _validate.matrix(image, "image")
    k = _validate.matrix(kernel, "kernel").to(x.device)
    s = _validate.pair(stride, "stride", minimum=1)
    p = _validate.pair(padding, "padding", minimum=0)
    op = _validate.pair(output_padding, "output_padding", minimum=0)
    d = _validate.pair(dilation, "dilation", minimum=1)
    out = [transpose_output_size(x.shape[a], k.shape[a], p[a], s[a], d[a], op[a]) for a in (0, 1)]
    edge = tuple(d[a] * (k.shape[a] - 1) - p[a] for a in (0, 1))
    grid, mask = _place(x, s, edge, op)
    inner = conv_trace(grid, k, dilation=d, flip=True)  # an ordinary convolution with the rotated kernel
    assert list(inner.output.shape) == out  # the two size formulas agree by construction
    stamps = _stamps(x, k, s, p, d, out)
    return TransposeTrace(**{f: getattr(inner, f) for f in ConvTrace.__dataclass_fields__}, source=x,
                          source_mask=mask, stamps=stamps, up_stride=s, up_padding=p, output_padding=op)


def _stamps(x, k, s, p, d, out) -> torch.Tensor:
    h, w = x.shape
    kh, kw = k.shape
    full_h = max((h - 1) * s[0] + d[0] * (kh - 1) + 1, p[0] + out[0])
    full_w = max((w - 1) * s[1] + d[1] * (kw - 1) + 1, p[1] + out[1])
    stamps = torch.zeros(h * w, full_h, full_w, dtype=torch.float64, device=x.device)  # [H*W, full_h, full_w]
    taps_r = torch.arange(kh, device=x.device) * d[0]
    taps_c = torch.arange(kw, device=x.device) * d[1]
    for i in range(h):
        for j in range(w):
            rows, cols = i * s[0] + taps_r, j * s[1] + taps_c
            stamps[i * w + j][rows[:, None], cols[None, :]] = x[i, j] * k
    return stamps[:, p[0]:p[0] + out[0], p[1]:p[1] + out[1]]


def reference_output(trace: TransposeTrace) -> torch.Tensor:
    """The same output from PyTorch's ``F.conv_transpose2d``, for the labs' "Check".

    >>> t = conv_transpose_trace(torch.tensor([[1., 2.], [3., 4.]]), torch.ones(3, 3), stride=2, padding=1)
    >>> bool(torch.allclose(reference_output(t), t.output))
    True
    """
    return torch.nn.functional.conv_transpose2d(trace.source[None, None], trace.kernel[None, None], stride=trace.up_stride,
                                                padding=trace.up_padding, output_padding=trace.output_padding,
                                                dilation=trace.dilation)[0, 0]
