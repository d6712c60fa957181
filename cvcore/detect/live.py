"""One video frame through a detector: every raw box, then NMS with the thresholds of the moment, drawn onto
the frame that goes back to the viewer.

The tiny YOLO sees the frame's centre square at its own input size (128 px); a COCO detector (torchvision, its
own NMS turned off by ``cvcore.detect.coco``) sees the whole frame. Boxes are returned in the frame's pixels.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from cvcore.detect import boxes as box_ops
from cvcore.detect import coco, yolo
from cvcore.errors import InvalidParameter

__all__ = ["LiveDetections", "square_crop", "yolo_frame", "coco_frame", "draw_detections"]

_COLORS = ((230, 57, 70), (29, 53, 87), (42, 157, 143), (244, 162, 97), (131, 56, 236))


@dataclass(frozen=True)
class LiveDetections:
    """One frame's detections: raw ``boxes`` (Tensor[N, 4], frame pixels, x1, y1, x2, y2), ``scores`` (Tensor[N]),
    ``labels`` (Tensor[N]) and ``keep`` (indices into them after the score threshold and NMS, best first)."""

    boxes: torch.Tensor
    scores: torch.Tensor
    labels: torch.Tensor
    keep: torch.Tensor
    above: int  # raw boxes with a score above the threshold: NMS starts from these


def _check_frame(frame: np.ndarray) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise InvalidParameter(f"frame must be uint8 [H, W, 3] (RGB), got {got}")


def square_crop(frame: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The largest centred square of ``frame`` (uint8 [H, W, 3]) and its top-left corner (x0, y0).

    >>> square_crop(np.zeros((4, 6, 3), np.uint8))[0].shape, square_crop(np.zeros((4, 6, 3), np.uint8))[1:]
    ((4, 4, 3), (1, 0))
    """
    _check_frame(frame)
    h, w = frame.shape[:2]
    side = min(h, w)
    x0, y0 = (w - side) // 2, (h - side) // 2
    return frame[y0:y0 + side, x0:x0 + side], x0, y0


def _suppress(boxes, scores, labels, score: float, iou: float, per_class: bool) -> LiveDetections:
    keep = box_ops.nms(boxes, scores, iou_threshold=iou, score_threshold=score, labels=labels if per_class else None)
    return LiveDetections(boxes, scores, labels, keep, int((scores > score).sum()))


def yolo_frame(model: yolo.TinyYolo, frame: np.ndarray, *, score: float, iou: float, per_class: bool = True) -> LiveDetections:
    """The tiny YOLO on the centre square of ``frame`` (uint8 [H, W, 3]), resized to the network's input; boxes in
    the frame's pixels."""
    square, x0, y0 = square_crop(frame)
    size = model.config.size
    device = next(model.parameters()).device
    x = torch.as_tensor(np.array(square, copy=True)).to(device).permute(2, 0, 1)[None].float() / 255  # [1, 3, s, s]
    x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    with torch.inference_mode():
        vectors = yolo.decode(model(x), model.config)[0]  # [S, S, B, 5 + C]
    b, s, lab = (t.float().cpu() if t.is_floating_point() else t.cpu() for t in yolo.detections(vectors, model.config))
    scale = square.shape[0] / size
    b = b * scale + torch.tensor([x0, y0, x0, y0], dtype=b.dtype)
    return _suppress(b, s, lab, score, iou, per_class)


def coco_frame(model: torch.nn.Module, frame: np.ndarray, *, score: float, iou: float, per_class: bool = True) -> LiveDetections:
    """A COCO detector (built by ``cvcore.detect.coco.build``, NMS off) on the whole ``frame``."""
    _check_frame(frame)
    b, s, lab = coco.raw_detections(model, Image.fromarray(frame, "RGB"))
    return _suppress(b, s, lab, score, iou, per_class)


def draw_detections(frame: np.ndarray, found: LiveDetections, names, *, raw: bool = True) -> np.ndarray:
    """The kept boxes (thick, labelled) and, with ``raw``, the other boxes above the threshold (thin grey) on a copy of
    ``frame``."""
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    if raw:
        kept = set(found.keep.tolist())
        for i in torch.argsort(found.scores, descending=True)[:found.above].tolist():
            if i not in kept:
                draw.rectangle(found.boxes[i].tolist(), outline=(200, 200, 200), width=1)
    for i in found.keep.tolist():
        label = int(found.labels[i])
        color = _COLORS[label % len(_COLORS)]
        x1, y1, x2, y2 = found.boxes[i].tolist()
        draw.rectangle((x1, y1, x2, y2), outline=color, width=3)
        text = f"{names[label] if 0 <= label < len(names) else label} {float(found.scores[i]):.2f}"
        draw.rectangle((x1, max(0, y1 - 12), x1 + draw.textlength(text) + 4, max(12, y1)), fill=color)
        draw.text((x1 + 2, max(0, y1 - 12)), text, fill=(255, 255, 255))
    return np.asarray(image)

