"""Max and average pooling, stepped through window by window like ``cvcore.conv``.

Pooling has no parameters to learn and works on each channel separately, so the channel
count never changes: ``n_H x n_W x n_C -> floor((n_H - f)/s + 1) x floor((n_W - f)/s + 1) x n_C``.
"""

from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from cvcore import _validate
from cvcore.conv import format_number, output_size
from cvcore.conv._windows import sliding_windows
from cvcore.errors import InvalidParameter

__all__ = ["POOL_KINDS", "PoolStep", "PoolTrace", "pool_trace", "pool_image", "reference_output"]

POOL_KINDS = ("max", "avg")


@dataclass(frozen=True)
class PoolStep:
    """One output cell of one channel. ``window`` is Tensor[f_h, f_w] of the (padded) input.

    ``winner`` is the (row, col) inside the window that max pooling kept (None for average).
    """

    index: int
    channel: int
    row: int
    col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    window: torch.Tensor
    value: float
    kind: str
    winner: tuple[int, int] | None

    def expression(self) -> str:
        """``max(1, 3, 2, 9) = 9`` or ``(1 + 3 + 2 + 9) / 4 = 3.75``, row by row."""
        values = [format_number(v) for v in self.window.flatten().tolist()]
        if self.kind == "max":
            return f"max({', '.join(values)}) = {format_number(self.value)}"
        return f"({' + '.join(values)}) / {len(values)} = {format_number(self.value)}"


@dataclass(frozen=True)
class PoolTrace:
    """Everything ``pool_trace`` computed.

    Attributes:
        input: Tensor[C, H, W] (a 2-D input is kept as C = 1; ``output`` keeps the input's rank).
        padded: Tensor[C, H + 2p, W + 2p] (-inf padding for max, 0 for average).
        output: Tensor[H', W'] or Tensor[C, H', W'], like the input.
    """

    input: torch.Tensor
    padded: torch.Tensor
    output: torch.Tensor
    windows: torch.Tensor
    row_index: torch.Tensor
    col_index: torch.Tensor
    kind: str
    size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]

    @property
    def channels(self) -> int:
        return self.input.shape[0]

    @property
    def out_hw(self) -> tuple[int, int]:
        return self.row_index.shape[0], self.col_index.shape[0]

    @cached_property
    def steps(self) -> tuple[PoolStep, ...]:
        """One step per output cell, channel by channel, each channel in row-major order."""
        h, w = self.out_hw
        return tuple(self.step(i) for i in range(self.channels * h * w))

    def step(self, index: int) -> PoolStep:
        h, w = self.out_hw
        total = self.channels * h * w
        if not 0 <= index < total:
            raise InvalidParameter(f"step must be between 0 and {total - 1}, got {index}")
        channel, rest = divmod(index, h * w)
        row, col = divmod(rest, w)
        window = self.windows[channel, row, col]
        winner = None
        if self.kind == "max":
            flat = int(torch.argmax(window))
            winner = divmod(flat, window.shape[1])
        out = self.output if self.output.ndim == 3 else self.output[None]
        return PoolStep(
            index=index,
            channel=channel,
            row=row,
            col=col,
            rows=tuple(int(r) for r in self.row_index[row]),
            cols=tuple(int(c) for c in self.col_index[col]),
            window=window,
            value=float(out[channel, row, col]),
            kind=self.kind,
            winner=winner,
        )


def pool_trace(x, *, kind: str = "max", size=2, stride=None, padding=0) -> PoolTrace:
    """Pool a 2-D grid or a C-channel volume, keeping every window.

    Args:
        x (Tensor[H, W] or Tensor[C, H, W]): the input.
        kind: "max" or "avg".
        size, stride: an int or an (h, w) pair; ``stride`` defaults to ``size``.
        padding: an int or pair, at most half the window (as in PyTorch); max pooling pads
            with -inf, average pooling with zeros that count in the mean.

    >>> pool_trace(torch.tensor([[1., 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]]), size=2).output
    tensor([[9., 2.],
            [6., 3.]], dtype=torch.float64)
    """
    if kind not in POOL_KINDS:
        raise InvalidParameter(f"kind must be one of {list(POOL_KINDS)}, got {kind!r}")
    t = torch.as_tensor(x, dtype=torch.float64) if not isinstance(x, torch.Tensor) else x.to(torch.float64)
    if t.ndim == 2:
        volume = _validate.matrix(t, "input")[None]
    elif t.ndim == 3 and t.numel() > 0 and bool(torch.isfinite(t).all()):
        volume = t
    else:
        raise InvalidParameter(f"input must be a finite Tensor[H, W] or Tensor[C, H, W], got shape {tuple(t.shape)}")
    fh, fw = _validate.pair(size, "size", minimum=1)
    sh, sw = _validate.pair(stride if stride is not None else (fh, fw), "stride", minimum=1)
    ph, pw = _validate.pair(padding, "padding", minimum=0)
    if ph > fh // 2 or pw > fw // 2:
        raise InvalidParameter(f"padding must be at most half the window ({fh // 2}, {fw // 2}), got ({ph}, {pw})")
    out_h = output_size(volume.shape[1], fh, ph, sh)
    out_w = output_size(volume.shape[2], fw, pw, sw)
    fill = float("-inf") if kind == "max" else 0.0
    padded = F.pad(volume, (pw, pw, ph, ph), value=fill) if (ph or pw) else volume
    windows, row_index, col_index = sliding_windows(padded, (out_h, out_w), (fh, fw), (sh, sw))  # [C, H', W', fh, fw]
    pooled = windows.amax(dim=(3, 4)) if kind == "max" else windows.mean(dim=(3, 4))
    return PoolTrace(
        input=volume,
        padded=padded,
        output=pooled if t.ndim == 3 else pooled[0],
        windows=windows,
        row_index=row_index,
        col_index=col_index,
        kind=kind,
        size=(fh, fw),
        stride=(sh, sw),
        padding=(ph, pw),
    )


def pool_image(feature_map: torch.Tensor, *, kind: str = "max", size=2, stride=None) -> torch.Tensor:
    """Pool a real feature map Tensor[C, H, W] with PyTorch (no per-step record).

    >>> pool_image(torch.ones(4, 8, 8), size=2).shape
    torch.Size([4, 4, 4])
    """
    if kind not in POOL_KINDS:
        raise InvalidParameter(f"kind must be one of {list(POOL_KINDS)}, got {kind!r}")
    if not isinstance(feature_map, torch.Tensor) or feature_map.ndim != 3:
        raise InvalidParameter(f"feature_map must be a Tensor[C, H, W], got {getattr(feature_map, 'shape', type(feature_map))}")
    fh, fw = _validate.pair(size, "size", minimum=1)
    sh, sw = _validate.pair(stride if stride is not None else (fh, fw), "stride", minimum=1)
    output_size(feature_map.shape[1], fh, 0, sh)
    output_size(feature_map.shape[2], fw, 0, sw)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    return pool(feature_map[None].float(), (fh, fw), (sh, sw))[0]


def reference_output(trace: PoolTrace) -> torch.Tensor:
    """The same output from PyTorch's ``max_pool2d``/``avg_pool2d``, for the labs' "Check".

    >>> t = pool_trace(torch.arange(16.).reshape(4, 4), kind="avg", size=2)
    >>> bool((reference_output(t) == t.output).all())
    True
    """
    pool = F.max_pool2d if trace.kind == "max" else F.avg_pool2d
    out = pool(trace.input[None], trace.size, trace.stride, trace.padding)[0]
    return out if trace.output.ndim == 3 else out[0]
