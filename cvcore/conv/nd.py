"""Convolution in 1-D (signals) and 3-D (volumes such as CT scans), and the course's shape chains."""

import math
from dataclasses import dataclass

import torch

from cvcore import _validate
from cvcore.conv.trace import output_size
from cvcore.conv.volume import VolumeTrace, volume_conv_trace
from cvcore.errors import InvalidParameter

__all__ = ["SIGNALS", "ShapeRow", "conv1d_trace", "conv3d", "shape_chain", "synth_signal", "synth_volume"]

SIGNALS = ("heartbeat", "chirp", "steps")


def conv1d_trace(signal, kernels, bias=None, *, stride: int = 1, padding: int = 0, relu: bool = False) -> VolumeTrace:
    """A 1-D convolution as a ``VolumeTrace`` whose height is 1.

    Args:
        signal (Tensor[L] or Tensor[C, L]); kernels (Tensor[f] or Tensor[K, C, f]).

    >>> conv1d_trace(torch.tensor([1., 2., 3., 4.]), torch.tensor([1., -1.])).output[0, 0].tolist()
    [-1.0, -1.0, -1.0]
    """
    x = torch.as_tensor(signal, dtype=torch.float64)
    w = torch.as_tensor(kernels, dtype=torch.float64, device=x.device)
    x = x[None] if x.ndim == 1 else x
    w = w[None, None] if w.ndim == 1 else w
    if x.ndim != 2 or w.ndim != 3:
        raise InvalidParameter(f"expected a signal [L] or [C, L] and kernels [f] or [K, C, f], got {tuple(x.shape)} "
                               f"and {tuple(w.shape)}")
    return volume_conv_trace(x[:, None, :], w[:, :, None, :], bias, stride=(1, stride), padding=(0, padding), relu=relu)


def conv3d(x, kernels, bias=None, *, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """A 3-D convolution computed window by window (the engine's own, checked against ``F.conv3d``).

    Args:
        x (Tensor[C, D, H, W]); kernels (Tensor[K, C, f, f, f]); bias (Tensor[K] or None).

    Returns:
        Tensor[K, D', H', W']

    >>> conv3d(torch.ones(1, 4, 4, 4), torch.ones(2, 1, 3, 3, 3)).shape
    torch.Size([2, 2, 2, 2])
    """
    x = torch.as_tensor(x, dtype=torch.float64)
    w = torch.as_tensor(kernels, dtype=torch.float64, device=x.device)
    if x.ndim != 4 or w.ndim != 5 or x.shape[0] != w.shape[1]:
        raise InvalidParameter(f"expected x [C, D, H, W] and kernels [K, C, f, f, f] with the same C, got "
                               f"{tuple(x.shape)} and {tuple(w.shape)}")
    _validate.pair(stride, "stride", minimum=1)
    _validate.pair(padding, "padding", minimum=0)
    for axis in range(3):
        output_size(x.shape[axis + 1], w.shape[axis + 2], padding, stride)
    if padding:
        x = torch.nn.functional.pad(x, (padding,) * 6)
    fd, fh, fw = w.shape[2:]
    windows = x.unfold(1, fd, stride).unfold(2, fh, stride).unfold(3, fw, stride)  # [C, D', H', W', fd, fh, fw]
    out = torch.einsum("cdhwijk,ocijk->odhw", windows, w)
    return out if bias is None else out + torch.as_tensor(bias, dtype=torch.float64, device=x.device)[:, None, None, None]


@dataclass(frozen=True)
class ShapeRow:
    """One layer of a chain: what it does, the shape it outputs, and its learnable parameters."""

    layer: str
    output_shape: tuple[int, ...]
    parameters: int


def shape_chain(input_shape: tuple[int, ...], layers: list[tuple[int, int]], *, stride: int = 1, padding: int = 0) -> list[ShapeRow]:
    """Shapes through convolutions of any dimension: ``input_shape`` is (*spatial, n_C), each
    layer is (f, n_filters) with an f x f x ... filter over all channels.

    >>> [r.output_shape for r in shape_chain((14, 1), [(5, 16), (5, 32)])]        # the course's 1-D example
    [(10, 16), (6, 32)]
    >>> [r.output_shape for r in shape_chain((14, 14, 14, 1), [(5, 16), (5, 32)])]  # and its 3-D example
    [(10, 10, 10, 16), (6, 6, 6, 32)]
    """
    *spatial, channels = input_shape
    rows = []
    for f, n_filters in layers:
        spatial = [output_size(n, f, padding, stride) for n in spatial]
        dims = "x".join([str(f)] * len(spatial))
        params = (f ** len(spatial) * channels + 1) * n_filters
        rows.append(ShapeRow(f"{n_filters} filters of {dims}x{channels}", (*spatial, n_filters), params))
        channels = n_filters
    return rows


def synth_signal(kind: str, length: int = 200, *, seed: int = 0) -> torch.Tensor:
    """A made-up 1-D signal to filter: "heartbeat" (an ECG-like trace), "chirp" (a rising tone) or "steps".

    >>> synth_signal("heartbeat", 120).shape
    torch.Size([120])
    """
    if kind not in SIGNALS:
        raise InvalidParameter(f"signal must be one of {list(SIGNALS)}, got {kind!r}")
    if not 8 <= length <= 5000:
        raise InvalidParameter(f"length must be between 8 and 5000, got {length}")
    t = torch.arange(length, dtype=torch.float64)
    noise = torch.randn(length, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 0.03
    if kind == "heartbeat":
        beat = 50.0
        phase = torch.remainder(t, beat)
        wave = (0.15 * torch.exp(-((phase - 10) / 3) ** 2) - 0.2 * torch.exp(-((phase - 18) / 0.9) ** 2)
                + 1.2 * torch.exp(-((phase - 20) / 1.1) ** 2) - 0.3 * torch.exp(-((phase - 22.5) / 1.0) ** 2)
                + 0.3 * torch.exp(-((phase - 34) / 4) ** 2))
        return wave + noise
    if kind == "chirp":
        return torch.sin(2 * math.pi * (0.01 * t + 0.0006 * t ** 2 / 2) * 1.0) + noise
    return torch.floor(t / (length / 5)) % 2 + noise


def synth_volume(size: int = 14) -> torch.Tensor:
    """A 3-D test volume (Tensor[size, size, size]): a bright ball inside a dimmer cube, like a scan.

    >>> synth_volume(14).shape
    torch.Size([14, 14, 14])
    """
    if not 4 <= size <= 64:
        raise InvalidParameter(f"size must be between 4 and 64, got {size}")
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    z, y, x = torch.meshgrid(r, r, r, indexing="ij")
    ball = ((x - size / 8) ** 2 + y ** 2 + (z + size / 8) ** 2).sqrt() < size / 4
    cube = (x.abs() < size / 2.6) & (y.abs() < size / 2.6) & (z.abs() < size / 2.6)
    return cube.double() * 0.3 + ball.double() * 0.7
