"""Convolution over volumes: C-channel inputs, C-channel filters, several filters, groups.

One output number of filter k is the sum, over the channels the filter sees, of each
channel's window times that channel's slice of the filter, plus the filter's bias, then
(optionally) ReLU. With ``groups`` = g the channels are split into g groups and each filter
sees only its group's channels: g = 1 is a standard layer, g = C with one filter per channel
is a depthwise layer, and 1x1 filters give pointwise (channel-mixing) layers.
"""

from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from cvcore import _validate
from cvcore.conv._windows import sliding_windows
from cvcore.conv.trace import format_number, output_size
from cvcore.errors import InvalidParameter

__all__ = ["VolumeStep", "VolumeTrace", "volume_conv_trace", "layer_parameters", "reference_output", "apply_filters",
           "filter_bank"]

_MAX_ELEMENTS = 20_000_000


def layer_parameters(f: int, n_c: int, n_filters: int, *, groups: int = 1, bias: bool = True, f_w: int | None = None) -> int:
    """Learnable numbers in a layer: ``(f x f x n_c / groups + 1) x n_filters`` (the course's formula).

    >>> layer_parameters(5, 1, 6)     # 6 filters of 5x5x1
    156
    >>> layer_parameters(3, 3, 10)    # 10 filters of 3x3x3
    280
    """
    if n_c % groups:
        raise InvalidParameter(f"groups must divide the channel count: got groups={groups} for n_C={n_c}")
    return (f * (f_w or f) * (n_c // groups) + (1 if bias else 0)) * n_filters


@dataclass(frozen=True)
class VolumeStep:
    """One output number: filter ``k`` at (row, col).

    ``windows`` and ``weights`` are Tensor[C_g, kh, kw] (the channels this filter sees),
    ``channel_sums`` Tensor[C_g]; ``z`` is their sum plus ``bias``; ``value`` is after ReLU.
    """

    index: int
    filter: int
    row: int
    col: int
    channels: tuple[int, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    windows: torch.Tensor
    weights: torch.Tensor
    channel_sums: torch.Tensor
    bias: float
    z: float
    value: float
    relu: bool

    def channel_expression(self, i: int) -> str:
        """Channel ``channels[i]``'s window times its kernel slice, row by row: ``3×1 + 0×0 + ... = 7``."""
        w, k = self.windows[i].flatten().tolist(), self.weights[i].flatten().tolist()
        terms = [f"{format_number(a)}×{format_number(b) if b >= 0 else f'({format_number(b)})'}" for a, b in zip(w, k, strict=True)]
        return " + ".join(terms) + f" = {format_number(self.channel_sums[i])}"

    def total_expression(self) -> str:
        """``7 + (-2) + 4 + bias 1 = 10`` then ``ReLU(10) = 10``."""
        parts = [format_number(v) if v >= 0 else f"({format_number(v)})" for v in self.channel_sums.tolist()]
        text = " + ".join(parts) + f" + bias {format_number(self.bias)} = {format_number(self.z)}"
        return text + (f";  ReLU({format_number(self.z)}) = {format_number(self.value)}" if self.relu else "")


@dataclass(frozen=True)
class VolumeTrace:
    """Everything ``volume_conv_trace`` computed.

    Attributes:
        input: Tensor[C, H, W]; padded: Tensor[C, H+2p, W+2p] (zeros).
        kernels: Tensor[K, C/groups, kh, kw]; bias: Tensor[K].
        pre_activation: Tensor[K, H', W'] (before ReLU); output: Tensor[K, H', W'].
    """

    input: torch.Tensor
    padded: torch.Tensor
    kernels: torch.Tensor
    bias: torch.Tensor
    pre_activation: torch.Tensor
    output: torch.Tensor
    windows: torch.Tensor  # [C, H', W', kh, kw]
    row_index: torch.Tensor
    col_index: torch.Tensor
    stride: tuple[int, int]
    padding: tuple[int, int]
    groups: int
    relu: bool

    @property
    def parameters(self) -> int:
        k, cg, kh, kw = self.kernels.shape
        return k * (cg * kh * kw + 1)

    @property
    def multiplications(self) -> int:
        k, cg, kh, kw = self.kernels.shape
        return self.output[0].numel() * k * cg * kh * kw

    @cached_property
    def _lists(self):
        return self.row_index.tolist(), self.col_index.tolist()

    def step(self, index: int) -> VolumeStep:
        """Output number ``index``, counted filter by filter, each in row-major order."""
        k_total, out_h, out_w = self.output.shape
        if not 0 <= index < self.output.numel():
            raise InvalidParameter(f"step must be between 0 and {self.output.numel() - 1}, got {index}")
        k, rest = divmod(index, out_h * out_w)
        row, col = divmod(rest, out_w)
        per_group = self.kernels.shape[1]
        group = k // (k_total // self.groups)
        channels = tuple(range(group * per_group, (group + 1) * per_group))
        windows = self.windows[channels[0]:channels[-1] + 1, row, col]  # [C_g, kh, kw]
        sums = (windows * self.kernels[k]).sum(dim=(1, 2))  # [C_g]
        rows, cols = self._lists
        return VolumeStep(
            index=index, filter=k, row=row, col=col, channels=channels, rows=tuple(rows[row]), cols=tuple(cols[col]),
            windows=windows, weights=self.kernels[k], channel_sums=sums, bias=float(self.bias[k]),
            z=float(self.pre_activation[k, row, col]), value=float(self.output[k, row, col]), relu=self.relu,
        )


def volume_conv_trace(x, kernels, bias=None, *, stride=1, padding=0, groups: int = 1, relu: bool = False) -> VolumeTrace:
    """Convolve a volume with a bank of filters, keeping every window.

    Args:
        x (Tensor[C, H, W]): the input volume.
        kernels (Tensor[K, C/groups, kh, kw]): K filters, PyTorch's weight layout.
        bias (Tensor[K] or None): one number per filter (zeros if None).
        stride, padding: ints or (h, w) pairs; padding is with zeros.
        groups: split channels and filters into this many groups (must divide C and K).
        relu: apply ReLU after adding the bias.

    >>> t = volume_conv_trace(torch.ones(3, 4, 4), torch.ones(2, 3, 3, 3), torch.tensor([1., -30.]), relu=True)
    >>> t.pre_activation[:, 0, 0].tolist(), t.output[:, 0, 0].tolist()
    ([28.0, -3.0], [28.0, 0.0])
    """
    x = torch.as_tensor(x, dtype=torch.float64)
    w = torch.as_tensor(kernels, dtype=torch.float64, device=x.device)
    if x.ndim != 3 or x.numel() == 0 or not bool(torch.isfinite(x).all()):
        raise InvalidParameter(f"input must be a finite Tensor[C, H, W], got shape {tuple(x.shape)}")
    if w.ndim != 4 or w.numel() == 0 or not bool(torch.isfinite(w).all()):
        raise InvalidParameter(f"kernels must be a finite Tensor[K, C/groups, kh, kw], got shape {tuple(w.shape)}")
    _validate.pair(groups, "groups", minimum=1)
    c, k = x.shape[0], w.shape[0]
    if c % groups or k % groups:
        raise InvalidParameter(f"groups must divide the input channels ({c}) and the filters ({k}), got groups={groups}")
    if w.shape[1] != c // groups:
        raise InvalidParameter(f"each filter must have n_C / groups = {c // groups} channels, got {w.shape[1]}")
    b = (torch.zeros(k, dtype=torch.float64, device=x.device) if bias is None
         else torch.as_tensor(bias, dtype=torch.float64, device=x.device).flatten())
    if b.numel() != k:
        raise InvalidParameter(f"bias must have one number per filter ({k}), got {b.numel()}")
    sh, sw = _validate.pair(stride, "stride", minimum=1)
    ph, pw = _validate.pair(padding, "padding", minimum=0)
    kh, kw = w.shape[2:]
    out_h, out_w = output_size(x.shape[1], kh, ph, sh), output_size(x.shape[2], kw, pw, sw)
    if c * out_h * out_w * kh * kw > _MAX_ELEMENTS:
        raise InvalidParameter(f"this layer is too big to trace step by step ({c}x{out_h}x{out_w} windows of {kh}x{kw}); "
                               "use a smaller input")
    padded = F.pad(x, (pw, pw, ph, ph)) if (ph or pw) else x
    windows, row_index, col_index = sliding_windows(padded, (out_h, out_w), (kh, kw), (sh, sw))  # [C, H', W', kh, kw]
    grouped = windows.reshape(groups, c // groups, out_h, out_w, kh, kw)
    filters = w.reshape(groups, k // groups, c // groups, kh, kw)
    pre = torch.einsum("gchwij,gkcij->gkhw", grouped, filters).reshape(k, out_h, out_w) + b[:, None, None]
    return VolumeTrace(
        input=x, padded=padded, kernels=w, bias=b, pre_activation=pre, output=pre.clamp(min=0) if relu else pre,
        windows=windows, row_index=row_index, col_index=col_index, stride=(sh, sw), padding=(ph, pw), groups=groups,
        relu=relu,
    )


def reference_output(trace: VolumeTrace) -> torch.Tensor:
    """The same output from PyTorch's grouped ``F.conv2d`` (and ReLU), for the labs' "Check".

    >>> t = volume_conv_trace(torch.ones(2, 4, 4), torch.ones(2, 1, 3, 3), groups=2, relu=True)
    >>> bool((reference_output(t) == t.output).all())
    True
    """
    out = F.conv2d(trace.input[None], trace.kernels, trace.bias, stride=trace.stride, padding=trace.padding,
                   groups=trace.groups)[0]
    return out.clamp(min=0) if trace.relu else out


def apply_filters(x: torch.Tensor, kernels, bias=None, *, groups: int = 1, relu: bool = False) -> torch.Tensor:
    """A bank of filters over a whole image (no per-step record), 'same' size for odd kernels.

    Args:
        x (Tensor[C, H, W]); kernels (Tensor[K, C/groups, f, f]).

    Returns:
        Tensor[K, H, W] (float32): the feature maps.

    >>> apply_filters(torch.ones(3, 8, 8), torch.ones(2, 3, 3, 3)).shape
    torch.Size([2, 8, 8])
    """
    w = torch.as_tensor(kernels, dtype=torch.float32, device=x.device)
    if x.ndim != 3 or w.ndim != 4 or x.shape[0] != w.shape[1] * groups:
        raise InvalidParameter(f"expected an image [C, H, W] and filters [K, C/groups, f, f], got {tuple(x.shape)} "
                               f"and {tuple(w.shape)}")
    b = None if bias is None else torch.as_tensor(bias, dtype=torch.float32, device=x.device)
    out = F.conv2d(x.float()[None], w, b, padding=(w.shape[2] // 2, w.shape[3] // 2), groups=groups)[0]
    return out.clamp(min=0) if relu else out


def filter_bank(name: str, channels: int, *, n_filters: int = 2, size: int = 3, seed: int = 0) -> torch.Tensor:
    """Ready-made filters for a ``channels``-deep input, as Tensor[K, channels, f, f].

    "colour_edges": one vertical-edge filter per colour channel (it sees only R, only G, only B);
    "brightness_edges": a vertical and a horizontal edge filter, the same on every channel;
    "random": ``n_filters`` filters of whole numbers -1, 0 or 1.

    >>> filter_bank("colour_edges", 3).shape
    torch.Size([3, 3, 3, 3])
    """
    vertical = torch.tensor([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=torch.float64)
    if name == "colour_edges":
        bank = torch.zeros(channels, channels, 3, 3, dtype=torch.float64)
        for c in range(channels):
            bank[c, c] = vertical
        return bank
    if name == "brightness_edges":
        return torch.stack([vertical.expand(channels, 3, 3), vertical.T.expand(channels, 3, 3)]).clone()
    if name == "random":
        if not 1 <= n_filters <= 8 or not 1 <= size <= 5:
            raise InvalidParameter(f"expected 1 to 8 random filters of size 1 to 5, got {n_filters} of size {size}")
        gen = torch.Generator().manual_seed(int(seed))
        return torch.randint(-1, 2, (n_filters, channels, size, size), generator=gen).to(torch.float64)
    raise InvalidParameter(f"bank must be 'colour_edges', 'brightness_edges' or 'random', got {name!r}")
