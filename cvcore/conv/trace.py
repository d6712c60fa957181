"""2-D convolution as the course teaches it: one window at a time, every product written out.

``conv_trace`` computes the whole output in one vectorised pass and keeps every window's
products, so a page can step through the cells in order and a test can compare the result
with ``torch.nn.functional.conv2d``.
"""

import math
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from cvcore import _validate
from cvcore.conv._windows import sliding_windows
from cvcore.errors import InvalidParameter
from cvcore.teach import words

__all__ = [
    "PADDING_MODES",
    "ConvStep",
    "ConvTrace",
    "output_size",
    "same_padding",
    "resolve_padding",
    "conv_trace",
    "apply_kernel",
    "reference_output",
    "format_number",
]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def output_size(n: int, f: int, p: int | tuple[int, int] = 0, s: int = 1, d: int = 1) -> int:
    """Output length along one axis: ``floor((n + 2p - d(f-1) - 1) / s) + 1``.

    ``p`` may be a (before, after) pair for asymmetric padding; then ``2p`` is their sum.

    Raises:
        InvalidParameter: a size is out of range, or the dilated kernel does not fit.

    >>> output_size(6, 3)            # the course's 6x6 image and 3x3 filter
    4
    >>> output_size(7, 3, 0, 2)      # the 7x7 stride-2 example
    3
    >>> output_size(6, 3, 1)         # "same" padding p = (f-1)/2
    6
    """
    for name, value, minimum in (("n", n, 1), ("f", f, 1), ("s", s, 1), ("d", d, 1)):
        _validate.pair(value, name, minimum=minimum)
    before, after = _validate.pair(p, "p", minimum=0) if isinstance(p, (tuple, list)) else (p, p)
    _validate.pair((before, after), "p", minimum=0)
    padded, span = n + before + after, d * (f - 1) + 1
    if padded < span:
        raise InvalidParameter(
            f"the kernel does not fit: it spans d(f-1)+1 = {span} cells (f={f}, d={d}) but the padded input "
            f"is n+2p = {padded}; expected n+2p >= {span}, so there is no output"
        )
    return (padded - span) // s + 1


def same_padding(f: int, d: int = 1) -> tuple[int, int]:
    """(before, after) padding that keeps the size at stride 1: ``d(f-1)`` split, extra after.

    >>> same_padding(3), same_padding(4), same_padding(3, d=2)
    ((1, 1), (1, 2), (2, 2))
    """
    total = d * (f - 1)
    return total // 2, total - total // 2


def resolve_padding(padding, kernel_shape: tuple[int, int], stride, dilation) -> tuple[int, int, int, int]:
    """``padding`` ("valid", "same", an int or an (h, w) pair) as (top, bottom, left, right)."""
    sh, sw = _validate.pair(stride, "stride", minimum=1)
    dh, dw = _validate.pair(dilation, "dilation", minimum=1)
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        if (sh, sw) != (1, 1):
            raise InvalidParameter(
                f"'same' padding keeps the size only at stride 1, got stride {sh if sh == sw else (sh, sw)}; "
                "choose a padding number instead"
            )
        top, bottom = same_padding(kernel_shape[0], dh)
        left, right = same_padding(kernel_shape[1], dw)
        return top, bottom, left, right
    if isinstance(padding, str):
        raise InvalidParameter(f"padding must be 'valid', 'same' or a number, got {padding!r}")
    ph, pw = _validate.pair(padding, "padding", minimum=0)
    return ph, ph, pw, pw


def format_number(value: float) -> str:
    """Whole numbers without decimals, others with up to 4 significant digits.

    Infinities (max pooling pads with -inf) and NaN are written out rather than rounded.

    >>> format_number(-5.0), format_number(3.75), format_number(1 / 9), format_number(float("-inf"))
    ('-5', '3.75', '0.1111', '-inf')
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value - round(value)) < 1e-9:
        return str(int(round(value)))
    return f"{value:.4g}"


@dataclass(frozen=True)
class ConvStep:
    """One output cell: where the window sits on the padded input and what it multiplies.

    ``window``, ``weights`` and ``products`` are Tensor[kh, kw]; ``rows``/``cols`` are the
    padded-input indices the (possibly dilated) window covers.
    """

    index: int
    row: int
    col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    window: torch.Tensor
    weights: torch.Tensor
    products: torch.Tensor
    value: float

    def expression(self) -> str:
        """The sum written out as the course does, column by column: ``3×1 + 1×1 + ... = -5``."""
        terms = []
        for j in range(self.window.shape[1]):
            for i in range(self.window.shape[0]):
                w = format_number(self.weights[i, j])
                terms.append(f"{format_number(self.window[i, j])}×{w if not w.startswith('-') else f'({w})'}")
        return " + ".join(terms) + f" = {format_number(self.value)}"


@dataclass(frozen=True)
class ConvTrace:
    """Everything ``conv_trace`` computed.

    Attributes:
        input: Tensor[H, W], the image as given.
        padded: Tensor[H + top + bottom, W + left + right].
        kernel: Tensor[kh, kw] as given; ``weights`` is what was applied (flipped if ``flip``).
        output: Tensor[H', W'].
        windows: Tensor[H', W', kh, kw], the padded-input values under the kernel for every cell.
        products: Tensor[H', W', kh, kw], window times weights for every output cell.
        padding: (top, bottom, left, right); stride and dilation as (h, w) pairs.
    """

    input: torch.Tensor
    padded: torch.Tensor
    kernel: torch.Tensor
    weights: torch.Tensor
    output: torch.Tensor
    windows: torch.Tensor
    products: torch.Tensor
    row_index: torch.Tensor
    col_index: torch.Tensor
    padding: tuple[int, int, int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding_mode: str
    flip: bool

    @cached_property
    def steps(self) -> tuple[ConvStep, ...]:
        """One step per output cell, in row-major order."""
        return tuple(self.step(i) for i in range(self.output.numel()))

    @cached_property
    def _indices(self) -> tuple[list, list, list]:
        return self.row_index.tolist(), self.col_index.tolist(), self.output.flatten().tolist()

    def step(self, index: int) -> ConvStep:
        """The step for output cell ``index`` (row-major)."""
        n_out = self.output.numel()
        if not 0 <= index < n_out:
            raise InvalidParameter(f"step must be between 0 and {n_out - 1}, got {index}")
        row, col = divmod(index, self.output.shape[1])
        rows, cols, values = self._indices
        return ConvStep(
            index=index,
            row=row,
            col=col,
            rows=tuple(rows[row]),
            cols=tuple(cols[col]),
            window=self.windows[row, col],
            weights=self.weights,
            products=self.products[row, col],
            value=values[index],
        )


def _pad(x: torch.Tensor, pads: tuple[int, int, int, int], mode: str) -> torch.Tensor:
    top, bottom, left, right = pads
    if not any(pads):
        return x
    if mode == "zeros":
        return F.pad(x, (left, right, top, bottom), mode="constant", value=0.0)
    h, w = x.shape
    if mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
        raise InvalidParameter(
            f"reflect padding must be smaller than the input: got padding {max(pads)} for {words.article(h)} {h}x{w} input; "
            f"expected padding <= {min(h, w) - 1}"
        )
    if mode == "circular" and (max(top, bottom) > h or max(left, right) > w):
        raise InvalidParameter(
            f"circular padding can wrap at most once: got padding {max(pads)} for {words.article(h)} {h}x{w} input; "
            f"expected padding <= {min(h, w)}"
        )
    return F.pad(x[None, None], (left, right, top, bottom), mode=mode)[0, 0]


def conv_trace(
    image,
    kernel,
    *,
    stride=1,
    padding=0,
    dilation=1,
    padding_mode: str = "zeros",
    flip: bool = False,
) -> ConvTrace:
    """Cross-correlate (or, with ``flip``, convolve) a 2-D image with a kernel, keeping every step.

    Args:
        image (Tensor[H, W] or nested lists): the input grid.
        kernel (Tensor[kh, kw] or nested lists): the filter; any size, square or not.
        stride, dilation: an int or an (h, w) pair, each >= 1.
        padding: "valid", "same" (stride 1 only), an int or an (h, w) pair, each >= 0.
        padding_mode: one of ``PADDING_MODES``.
        flip: rotate the kernel by 180 degrees first (true convolution).

    Returns:
        ConvTrace with ``output`` Tensor[H', W'] (float64) and ``steps`` in row-major order.

    >>> impulse = torch.zeros(5, 5); impulse[2, 2] = 1
    >>> conv_trace(impulse, torch.ones(3, 3)).output
    tensor([[1., 1., 1.],
            [1., 1., 1.],
            [1., 1., 1.]], dtype=torch.float64)
    """
    x = _validate.matrix(image, "image")
    k = _validate.matrix(kernel, "kernel").to(x.device)
    if padding_mode not in PADDING_MODES:
        raise InvalidParameter(f"padding_mode must be one of {list(PADDING_MODES)}, got {padding_mode!r}")
    sh, sw = _validate.pair(stride, "stride", minimum=1)
    dh, dw = _validate.pair(dilation, "dilation", minimum=1)
    kh, kw = k.shape
    pads = resolve_padding(padding, (kh, kw), (sh, sw), (dh, dw))
    out_h = output_size(x.shape[0], kh, (pads[0], pads[1]), sh, dh)
    out_w = output_size(x.shape[1], kw, (pads[2], pads[3]), sw, dw)
    padded = _pad(x, pads, padding_mode)
    weights = torch.flip(k, dims=(0, 1)) if flip else k
    # windows [H', W', kh, kw]; row_index [H', kh], col_index [W', kw]: the padded-input cells each window covers
    windows, row_index, col_index = sliding_windows(padded, (out_h, out_w), (kh, kw), (sh, sw), (dh, dw))
    products = windows * weights  # [H', W', kh, kw]
    return ConvTrace(
        input=x,
        padded=padded,
        kernel=k,
        weights=weights,
        output=products.sum(dim=(2, 3)),
        windows=windows,
        products=products,
        row_index=row_index,
        col_index=col_index,
        padding=pads,
        stride=(sh, sw),
        dilation=(dh, dw),
        padding_mode=padding_mode,
        flip=bool(flip),
    )


def apply_kernel(
    image: torch.Tensor,
    kernel,
    *,
    stride=1,
    padding="same",
    dilation=1,
    padding_mode: str = "zeros",
    flip: bool = False,
) -> torch.Tensor:
    """Apply one 2-D kernel to every channel of a real image (no per-step record).

    Args:
        image (Tensor[C, H, W]): e.g. from ``cvcore.images.to_tensor``.

    Returns:
        Tensor[C, H', W'] (float32), each channel filtered independently.

    >>> apply_kernel(torch.ones(3, 8, 8), torch.ones(3, 3), padding=0).shape
    torch.Size([3, 6, 6])
    """
    if not isinstance(image, torch.Tensor) or image.ndim != 3:
        raise InvalidParameter(f"image must be a Tensor[C, H, W], got {getattr(image, 'shape', type(image))}")
    k = _validate.matrix(kernel, "kernel").to(image.device, torch.float32)  # a kernel typed in joins the image's device
    if padding_mode not in PADDING_MODES:
        raise InvalidParameter(f"padding_mode must be one of {list(PADDING_MODES)}, got {padding_mode!r}")
    sh, sw = _validate.pair(stride, "stride", minimum=1)
    dh, dw = _validate.pair(dilation, "dilation", minimum=1)
    top, bottom, left, right = resolve_padding(padding, tuple(k.shape), (sh, sw), (dh, dw))
    output_size(image.shape[1], k.shape[0], (top, bottom), sh, dh)
    output_size(image.shape[2], k.shape[1], (left, right), sw, dw)
    x = image.to(torch.float32)[:, None]  # [C, 1, H, W]: channels as a batch
    if top or bottom or left or right:
        if padding_mode == "reflect" and max(top, bottom, left, right) >= min(image.shape[1:]):
            raise InvalidParameter(f"reflect padding must be smaller than the image, got {max(top, bottom, left, right)}")
        mode = "constant" if padding_mode == "zeros" else padding_mode
        x = F.pad(x, (left, right, top, bottom), mode=mode)
    weights = torch.flip(k, dims=(0, 1)) if flip else k
    return F.conv2d(x, weights[None, None], stride=(sh, sw), dilation=(dh, dw))[:, 0]


def reference_output(trace: ConvTrace) -> torch.Tensor:
    """The same output computed by PyTorch's own ``F.pad`` + ``F.conv2d``, for the labs' "Check".

    >>> t = conv_trace(torch.arange(16.).reshape(4, 4), torch.ones(2, 2), stride=2)
    >>> bool((reference_output(t) == t.output).all())
    True
    """
    top, bottom, left, right = trace.padding
    x = trace.input[None, None]
    if any(trace.padding):
        mode = "constant" if trace.padding_mode == "zeros" else trace.padding_mode
        x = F.pad(x, (left, right, top, bottom), mode=mode)
    return F.conv2d(x, trace.weights[None, None], stride=trace.stride, dilation=trace.dilation)[0, 0]
