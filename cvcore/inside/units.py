"""What single units of a CNN look for: their filters, their receptive fields, and the image
patches that excite them most (Zeiler and Fergus, "Visualizing and Understanding Convolutional
Networks", 2014: the course's "nine image patches that maximize a unit's activation").
"""

import math
from dataclasses import dataclass

import torch
from torchvision.ops import batched_nms

from cvcore.errors import InvalidParameter
from cvcore.inside import features

__all__ = ["Patch", "first_layer_filters", "conv_filter", "receptive_field", "top_patches"]


@dataclass(frozen=True)
class Patch:
    """Where a channel fired strongly: image ``image``, map position (row, col), and the input box it sees."""

    image: int
    row: int
    col: int
    activation: float
    box: tuple[int, int, int, int]  # (x1, y1, x2, y2) in input pixels, x2 and y2 exclusive


def first_layer_filters(model: torch.nn.Module) -> torch.Tensor:
    """The filters of the model's first convolution, which reads the image: Tensor[N, C, k, k] (C = 3 for RGB).

    Raises:
        InvalidParameter: the model has no convolution.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            return module.weight.detach().cpu().float()
    raise InvalidParameter("the model must have a convolution, got none")


def conv_filter(model: torch.nn.Module, layer: str, channel: int) -> torch.Tensor:
    """Filter number ``channel`` of the convolution ``layer``: Tensor[C_in / groups, k_h, k_w], one slice per input channel."""
    try:
        module = model.get_submodule(layer)
    except AttributeError:
        module = None
    if not isinstance(module, torch.nn.Conv2d):
        raise InvalidParameter(f"layer must name a Conv2d of the model, got {layer!r}")
    if not 0 <= channel < module.out_channels:
        raise InvalidParameter(f"channel must be in [0, {module.out_channels - 1}], got {channel}")
    return module.weight.detach()[channel].cpu().float()


def _center_gradient(model: torch.nn.Module, layer: str, size: int, channels: int, images: int = 16) -> torch.Tensor:
    """|d (all channels at the centre position) / d input|, summed over a few noise images: Tensor[size, size].

    Summing over channels and images keeps a pixel's gradient non-zero unless every path from it is
    switched off by a ReLU, which random inputs make vanishingly unlikely.
    """
    generator = torch.Generator().manual_seed(0)
    device = next(model.parameters()).device
    x = torch.randn(images, channels, size, size, generator=generator).to(device).requires_grad_(True)
    act = features.extract(model, x, [layer], grad=True)[layer]  # [B, C, h, w]
    if act.dim() != 4:
        raise InvalidParameter(f"layer must output feature maps [B, C, h, w], got {layer!r} with shape {tuple(act.shape)}")
    (grad,) = torch.autograd.grad(act[:, :, act.shape[2] // 2, act.shape[3] // 2].sum(), x)
    return grad.abs().sum((0, 1)).cpu()


def receptive_field(model: torch.nn.Module, layer: str, *, size: int = 224, channels: int = 3) -> tuple[int, int, int, int]:
    """The input box (x1, y1, x2, y2) that the centre unit of ``layer`` sees, found by differentiation.

    Every input pixel that can change the unit gets a non-zero gradient (on random images, so no
    ReLU path is switched off everywhere); this works for any architecture, branches included.

    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 3, stride=2), torch.nn.Conv2d(4, 4, 3))
    >>> x1, y1, x2, y2 = receptive_field(net, "2", size=32); x2 - x1, y2 - y1
    (9, 9)
    """
    grad = _center_gradient(model, layer, size, channels)
    rows = torch.nonzero(grad.sum(1) > 0).flatten()
    cols = torch.nonzero(grad.sum(0) > 0).flatten()
    if rows.numel() == 0:
        return 0, 0, size, size
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


def _jumps(model: torch.nn.Module, layer: str, size_y: int, size_x: int, channels: int) -> tuple[float, float]:
    """Input pixels per step of the layer's map (the product of the strides), measured: doubling the input
    adds ``size / jump`` positions to the map, whatever the padding."""
    device = next(model.parameters()).device
    small = features.extract(model, torch.zeros(1, channels, size_y, size_x, device=device), [layer])[layer].shape
    large = features.extract(model, torch.zeros(1, channels, 2 * size_y, 2 * size_x, device=device), [layer])[layer].shape
    return size_y / max(1, large[2] - small[2]), size_x / max(1, large[3] - small[3])


def top_patches(model: torch.nn.Module, x: torch.Tensor, layer: str, channel: int, *, k: int = 9,
                overlap: float = 0.3, skip_border: bool = True) -> list[Patch]:
    """The ``k`` strongest activations of ``channel`` at ``layer`` over a batch of images ``x`` (Tensor[N, 3, S, S]),
    with the receptive-field box of each; boxes in one image overlap by at most ``overlap`` (IoU), via
    ``torchvision.ops.batched_nms``, so the patches show k different places.

    ``skip_border`` leaves out units that see mostly zero padding (less than 3/4 of their receptive
    field inside the image), whose strong responses are often to the image's edge itself.
    """
    if x.dim() != 4:
        raise InvalidParameter(f"x must be a batch of images, Tensor[N, 3, S, S], got shape {tuple(x.shape)}")
    if not 1 <= k <= 64:
        raise InvalidParameter(f"k must be in [1, 64], got {k}")
    act = features.extract(model, x, [layer])[layer]
    if act.dim() != 4:
        raise InvalidParameter(f"layer must output feature maps [B, C, h, w], got {layer!r} with shape {tuple(act.shape)}")
    if not 0 <= channel < act.shape[1]:
        raise InvalidParameter(f"channel must be in [0, {act.shape[1] - 1}] for {layer!r}, got {channel}")
    n, _, h, w = act.shape
    size_y, size_x = x.shape[2], x.shape[3]
    x1, y1, x2, y2 = receptive_field(model, layer, size=size_y, channels=x.shape[1])
    jump_y, jump_x = _jumps(model, layer, size_y, size_x, x.shape[1])
    values = act[:, channel].float().cpu()  # [N, h, w]
    image, row, col = torch.meshgrid(torch.arange(n), torch.arange(h), torch.arange(w), indexing="ij")
    dy = (row.flatten() - h // 2) * jump_y
    dx = (col.flatten() - w // 2) * jump_x
    boxes = torch.stack([(x1 + dx).clamp(0, size_x), (y1 + dy).clamp(0, size_y),
                         (x2 + dx).clamp(0, size_x), (y2 + dy).clamp(0, size_y)], dim=1)  # [N*h*w, 4]
    scores = values.flatten()
    if skip_border:
        inside = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / ((x2 - x1) * (y2 - y1))
        if bool((inside >= 0.75).any()):
            scores = torch.where(inside >= 0.75, scores, torch.full_like(scores, -math.inf))
    keep = batched_nms(boxes.double(), scores.double(), image.flatten(), overlap)
    keep = keep[torch.isfinite(scores[keep])][:k]
    return [Patch(int(image.flatten()[i]), int(row.flatten()[i]), int(col.flatten()[i]), float(scores[i]),
                  tuple(int(round(float(v))) for v in boxes[i])) for i in keep]
