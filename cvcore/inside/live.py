"""One video frame through a classifier: the top-5, and one layer's feature maps or the Grad-CAM, drawn onto
the frame that goes back to the viewer.

The model is only read (feature extractors, ``torch.autograd.grad``): a shared model can serve several
streams at once.
"""

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from cvcore.attribution.cams import GradCam, LayerGradients
from cvcore.errors import InvalidParameter
from cvcore.inside import features
from cvcore.viz.maps import mosaic, overlay
from cvcore.zoo import ModelEntry

__all__ = ["LIVE_VIEWS", "LiveFrame", "frame_picture", "classify_frame", "annotate"]

LIVE_VIEWS = ("maps", "grad_cam")


@dataclass(frozen=True)
class LiveFrame:
    """What one frame gave: the top-5, the picture to send back (uint8 [H, W, 3]) and the view it shows."""

    top: list[features.Prediction]
    picture: np.ndarray
    view: str
    layer: str


def frame_picture(frame: np.ndarray) -> Image.Image:
    """A camera frame (uint8 [H, W, 3], RGB) as the PIL image ``features.preprocess`` takes."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise InvalidParameter(f"frame must be uint8 [H, W, 3] (RGB), got {got}")
    return Image.fromarray(frame, "RGB")


def _top(logits: torch.Tensor, categories, k: int = 5) -> list[features.Prediction]:
    probs = logits.detach().float().softmax(-1).cpu()  # [K]
    top = probs.topk(min(k, probs.numel()))
    return [features.Prediction(int(i), str(categories[int(i)]), float(p)) for p, i in zip(top.values, top.indices, strict=True)]


def classify_frame(model: torch.nn.Module, entry: ModelEntry, frame: np.ndarray, *, layer: str, view: str = "maps",
                   channels: int = 16, colormap: str = "viridis", alpha: float = 0.5) -> LiveFrame:
    """The top-5 for ``frame`` (uint8 [H, W, 3]) and, from the same pass, ``layer``'s strongest ``channels`` feature
    maps (``view="maps"``) or the Grad-CAM of the top class at ``layer`` (``view="grad_cam"``), drawn beside or over
    the centre crop the network sees.

    Raises:
        InvalidParameter: a bad frame, view or layer name.
    """
    if view not in LIVE_VIEWS:
        raise InvalidParameter(f"view must be one of {LIVE_VIEWS}, got {view!r}")
    if entry.channels != 3:
        raise InvalidParameter(f"the network must take colour images (3 channels), got {entry.channels}")
    image = frame_picture(frame)
    device = next(model.parameters()).device
    x = features.preprocess(image, entry).to(device)  # [1, 3, crop, crop]
    crop = np.asarray(features.crop(image, entry).convert("RGB"))  # [crop, crop, 3]
    if view == "grad_cam":
        with torch.enable_grad():
            activation, logits = features.extract_with_logits(model, x.detach().requires_grad_(True), layer)
            top = _top(logits[0], entry.categories)
            (gradient,) = torch.autograd.grad(logits[0, top[0].index], activation)
        heat = GradCam()(LayerGradients(activation[0].detach(), gradient[0].detach(), logits[0].detach(), top[0].index,
                                        tuple(x.shape[2:])))
        picture = overlay(crop, heat.cpu(), alpha=alpha, colormap=colormap)
    else:
        if channels < 1:
            raise InvalidParameter(f"channels must be >= 1, got {channels}")
        out = features.output_node(model)
        if layer == out:
            raise InvalidParameter(f"layer must be a layer before the output, got the output node {layer!r}")
        result = features.extract(model, x, [layer, out])
        top = _top(result[out][0], entry.categories)
        maps = result[layer][0].float().cpu()  # [C, h, w]
        if maps.dim() != 3:
            raise InvalidParameter(f"layer must output feature maps [1, C, h, w], got {layer!r}")
        strongest = features.rank_channels(maps, "mean")[:channels]
        tiles = mosaic(maps[strongest], cols=4, tile=crop.shape[0] // 4 - 2, gap=2)
        picture = _side_by_side(crop, tiles)
    return LiveFrame(top, annotate(picture, [f"{p.label} {p.probability:.0%}" for p in top]), view, layer)


def _side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    height = max(left.shape[0], right.shape[0])
    canvas = np.full((height, left.shape[1] + 4 + right.shape[1], 3), 255, np.uint8)
    canvas[:left.shape[0], :left.shape[1]] = left
    canvas[:right.shape[0], left.shape[1] + 4:] = right
    return canvas


def annotate(picture: np.ndarray, lines: list[str]) -> np.ndarray:
    """``lines`` of text on a dark band at the top left of ``picture`` (uint8 [H, W, 3]); returns a new array."""
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    if lines:
        width = max(draw.textlength(line) for line in lines)
        draw.rectangle((0, 0, int(width) + 8, 12 * len(lines) + 6), fill=(0, 0, 0))
        for i, line in enumerate(lines):
            draw.text((4, 3 + 12 * i), line, fill=(255, 255, 255))
    return np.asarray(image)
