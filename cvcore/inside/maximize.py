"""Activation maximization: synthesise the image a channel responds to most.

Gradient ascent on the image itself finds adversarial noise, so the usual regularisers are
applied (Olah, Mordvintsev and Schubert, "Feature Visualization", Distill 2017):

- a frequency-domain parametrization: the image is the inverse FFT of a learnt spectrum whose
  high frequencies are damped by 1/f, with colours decorrelated by ImageNet's colour covariance;
  or plain pixels, blurred every few steps;
- transformation robustness: every step sees the image padded, jittered and rescaled at random.

The objective is the mean activation of one channel of one layer. The model is only read:
gradients are taken with ``torch.autograd.grad`` with respect to the image's parameters.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import functional as TF

from cvcore.device import resolve_device
from cvcore.errors import InvalidParameter
from cvcore.inside import features

__all__ = ["MaximizeProgress", "PARAMETRIZATIONS", "maximize_channel"]

PARAMETRIZATIONS = ("fourier", "pixels")
# The square root of ImageNet's colour covariance (its SVD), as published with Lucid; columns scaled to norm <= 1.
_COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
_COLOR_SQRT = _COLOR_SQRT / _COLOR_SQRT.norm(dim=0).max()
_SCALES = (0.92, 0.96, 1.0, 1.04, 1.08)


@dataclass(frozen=True)
class MaximizeProgress:
    """One optimisation step: the channel's mean activation, and a preview (uint8 [S, S, 3]) now and then."""

    step: int
    steps: int
    objective: float
    image: np.ndarray | None


class _FourierImage:
    """Image = sigmoid(inverse FFT of a spectrum scaled by 1/f), colours decorrelated when it has three channels."""

    def __init__(self, size: int, channels: int, generator: torch.Generator, device: torch.device):
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        self.scale = (1.0 / torch.sqrt(fx ** 2 + fy ** 2).clamp(min=1.0 / size)).to(device)  # [S, S//2+1]
        spectrum = 0.01 * torch.randn(1, channels, size, size // 2 + 1, 2, generator=generator)
        self.spectrum = spectrum.to(device).requires_grad_(True)
        self.size = size

    def params(self) -> list[torch.Tensor]:
        return [self.spectrum]

    def rgb(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        image = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho") / 4.0  # [1, C, S, S]
        if image.shape[1] == 3:
            image = torch.einsum("ij,bjhw->bihw", _COLOR_SQRT.to(image), image)
        return torch.sigmoid(image)

    def regularize(self, step: int) -> None:
        pass


class _PixelImage:
    """RGB image = sigmoid(free pixel values), blurred every ``blur_every`` steps."""

    def __init__(self, size: int, channels: int, generator: torch.Generator, device: torch.device, blur_every: int):
        self.logits = (0.1 * torch.randn(1, channels, size, size, generator=generator)).to(device).requires_grad_(True)
        self.blur_every = blur_every

    def params(self) -> list[torch.Tensor]:
        return [self.logits]

    def rgb(self) -> torch.Tensor:
        return torch.sigmoid(self.logits)

    def regularize(self, step: int) -> None:
        if self.blur_every and step % self.blur_every == 0:
            with torch.no_grad():
                self.logits.copy_(TF.gaussian_blur(self.logits, kernel_size=3, sigma=0.5))


def _transform(rgb: torch.Tensor, jitter: int, scale: bool, generator: torch.Generator) -> torch.Tensor:
    """Pad, shift by up to ``jitter`` pixels each way, and rescale by a few percent (a new draw every step)."""
    if jitter:
        size = rgb.shape[-1]
        padded = F.pad(rgb, (jitter,) * 4, mode="reflect")
        dy, dx = (int(v) for v in torch.randint(0, 2 * jitter + 1, (2,), generator=generator))
        rgb = padded[..., dy: dy + size, dx: dx + size]
    if scale:
        factor = _SCALES[int(torch.randint(len(_SCALES), (1,), generator=generator))]
        if factor != 1.0:
            rgb = F.interpolate(rgb, scale_factor=factor, mode="bilinear", align_corners=False)
    return rgb


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    """[1, C, S, S] in [0, 1] -> uint8 [S, S, 3] (a grayscale image repeated in R, G and B)."""
    rgb = image[0].detach().clamp(0, 1).expand(3, -1, -1)
    return (rgb.permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)


def maximize_channel(model: torch.nn.Module, layer: str, channel: int, *, size: int = 128, steps: int = 128,
                     lr: float = 0.05, parametrization: str = "fourier", jitter: int = 8, scale: bool = True,
                     blur_every: int = 4, preview_every: int = 16, seed: int = 0,
                     mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), device=None) -> Iterator[MaximizeProgress]:
    """Gradient ascent on an image to maximise the mean of ``channel`` at ``layer``; yields every step.

    Stop early by no longer iterating. ``mean`` and ``std`` are the model's input normalisation, one
    value per input channel (three for photos, one for a grayscale network).

    Raises:
        InvalidParameter: a bad layer, channel or setting (raised before the first step).
    """
    if parametrization not in PARAMETRIZATIONS:
        raise InvalidParameter(f"parametrization must be one of {PARAMETRIZATIONS}, got {parametrization!r}")
    channels = len(mean)
    if channels not in (1, 3) or len(std) != channels:
        raise InvalidParameter(f"mean and std must have 1 or 3 values each, got {len(mean)} and {len(std)}")
    for name, value, low, high in (("size", size, 16, 512), ("steps", steps, 1, 2048), ("jitter", jitter, 0, size // 4),
                                   ("preview_every", preview_every, 1, 2048), ("blur_every", blur_every, 0, 2048)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidParameter(f"{name} must be a whole number in [{low}, {high}], got {value!r}")
    if not (math.isfinite(lr) and 0 < lr <= 1):
        raise InvalidParameter(f"lr must be in (0, 1], got {lr}")
    device = resolve_device(device) if device is not None else next(model.parameters()).device
    with torch.inference_mode():
        probe = features.extract(model, torch.zeros(1, channels, size, size, device=device), [layer])[layer]
    if probe.dim() != 4:
        raise InvalidParameter(f"layer must output feature maps [1, C, h, w], got {layer!r} with shape {tuple(probe.shape)}")
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel < probe.shape[1]:
        raise InvalidParameter(f"channel must be in [0, {probe.shape[1] - 1}] for {layer!r}, got {channel!r}")
    return _ascend(model, layer, channel, size, steps, lr, parametrization, jitter, scale, blur_every, preview_every,
                   seed, mean, std, device)


def _ascend(model, layer, channel, size, steps, lr, parametrization, jitter, scale, blur_every, preview_every,
            seed, mean, std, device) -> Iterator[MaximizeProgress]:
    generator = torch.Generator().manual_seed(seed)
    channels = len(mean)
    image = (_FourierImage(size, channels, generator, device) if parametrization == "fourier"
             else _PixelImage(size, channels, generator, device, blur_every))
    optimizer = torch.optim.Adam(image.params(), lr=lr)
    mean_t = torch.tensor(mean, device=device, dtype=torch.float32).view(1, channels, 1, 1)
    std_t = torch.tensor(std, device=device, dtype=torch.float32).view(1, channels, 1, 1)
    for step in range(1, steps + 1):
        with torch.enable_grad():
            rgb = image.rgb()
            seen = _transform(rgb, jitter, scale, generator)
            objective = features.extract(model, (seen - mean_t) / std_t, [layer], grad=True)[layer][0, channel].mean()
            grads = torch.autograd.grad(-objective, image.params())
        for param, g in zip(image.params(), grads, strict=True):
            param.grad = g
        optimizer.step()
        image.regularize(step)
        preview = None
        if step % preview_every == 0 or step == steps:
            with torch.no_grad():
                preview = _to_uint8(image.rgb())
        yield MaximizeProgress(step, steps, float(objective.detach()), preview)
