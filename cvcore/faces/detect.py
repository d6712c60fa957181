"""Face detection with five landmarks: the MTCNN cascade (image pyramid, P-Net, R-Net, O-Net).

1. P-Net runs over a pyramid of scaled copies of the photo; each output cell scores a 12x12 window
   (stride 2) and regresses its box. Windows above ``thresholds[0]`` survive NMS per scale, then across scales.
2. R-Net re-scores a 24x24 crop of every proposal and refines its box.
3. O-Net re-scores 48x48 crops, refines again and places the landmarks.
Boxes are made square between stages; NMS is ``torchvision.ops.nms``, crops are ``torchvision.ops.roi_align``
on the unnormalised photo (outside the photo reads black, as in the original padding).
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.ops import nms, roi_align

from cvcore.errors import ImageError, InvalidParameter
from cvcore.faces.mtcnn import Mtcnn

__all__ = ["Face", "LANDMARK_NAMES", "detect_faces", "largest_face"]

LANDMARK_NAMES = ("left eye", "right eye", "nose tip", "left mouth corner", "right mouth corner")  # as seen in the photo
_MIN_SIDE = 160  # smaller photos are upscaled first: P-Net needs some pixels around a face
_CHUNK = 512


@dataclass(frozen=True)
class Face:
    """One detected face in photo pixels: ``box`` (x1, y1, x2, y2), O-Net's ``score`` and five (x, y) landmarks."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...]

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])


def _normalise(x: torch.Tensor) -> torch.Tensor:
    return (x - 127.5) * 0.0078125


def _regress(boxes: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Apply box offsets (fractions of the box's size): boxes, offsets [N, 4] -> [N, 4]."""
    wh = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)  # [N, 4] as (w, h, w, h)
    return boxes + offsets * wh


def _square(boxes: torch.Tensor) -> torch.Tensor:
    """The square with the same centre and the longer side of each box: [N, 4] -> [N, 4]."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]).max(1, keepdim=True).values / 2
    return torch.cat([centre - half, centre + half], 1)


def _pyramid(height: int, width: int, min_size: float, factor: float) -> list[float]:
    """Scales at which a face of ``min_size`` pixels becomes P-Net's 12-pixel window, shrinking by ``factor``."""
    scale = 12.0 / min_size
    side = min(height, width) * scale
    scales = []
    while side >= 12:
        scales.append(scale)
        scale *= factor
        side *= factor
    return scales


def _proposals(net, x: torch.Tensor, scales, threshold: float):
    """Stage 1: P-Net windows over the pyramid -> (boxes [N, 4], scores [N])."""
    height, width = x.shape[1:]
    boxes, scores = [], []
    for scale in scales:
        scaled = F.interpolate(x[None], size=(int(height * scale + 1), int(width * scale + 1)), mode="area")
        offsets, prob = net(_normalise(scaled))  # [1, 4, h, w], [1, h, w]
        cells = (prob[0] >= threshold).nonzero()  # [K, 2] as (row, col)
        if len(cells) == 0:
            continue
        score = prob[0][cells[:, 0], cells[:, 1]]
        xy = cells.flip(1).to(x.dtype)  # [K, 2] as (col, row)
        window = torch.cat([((2 * xy + 1) / scale).floor(), ((2 * xy + 12) / scale).floor()], 1)
        keep = nms(window, score, 0.5)
        boxes.append(_regress(window[keep], offsets[0][:, cells[keep, 0], cells[keep, 1]].T))
        scores.append(score[keep])
    if not boxes:
        return x.new_zeros(0, 4), x.new_zeros(0)
    boxes, scores = torch.cat(boxes), torch.cat(scores)
    keep = nms(boxes, scores, 0.7)
    return _square(boxes[keep]), scores[keep]


def _crops(x: torch.Tensor, boxes: torch.Tensor, size: int) -> torch.Tensor:
    """Square crops of the unnormalised photo resized to ``size``: [N, 3, size, size], normalised."""
    return _normalise(roi_align(x[None], [boxes], output_size=size, spatial_scale=1.0, sampling_ratio=2, aligned=True))


def _run(net, x: torch.Tensor, boxes: torch.Tensor, size: int):
    outs = [net(_crops(x, boxes[i:i + _CHUNK], size)) for i in range(0, len(boxes), _CHUNK)]
    return [torch.cat(parts) for parts in zip(*outs, strict=True)]


def _working_copy(image: Image.Image, pad: float) -> tuple[torch.Tensor, float, float]:
    """The photo as [3, H, W] in [0, 255], upscaled if small and padded with black; and the map back
    (photo x = (work x - shift) / scale, same for y)."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    x = torch.from_numpy(rgb).permute(2, 0, 1)  # [3, H, W]
    height, width = x.shape[1:]
    scale = max(1.0, _MIN_SIDE / min(height, width))
    if scale > 1.0:
        x = F.interpolate(x[None], scale_factor=scale, mode="bilinear", align_corners=False)[0]
    border = int(round(pad * max(x.shape[1:])))
    if border:
        x = F.pad(x, (border, border, border, border))
    return x.contiguous(), scale, float(border)


def detect_faces(image: Image.Image, detector: Mtcnn, *, min_size: float = 20.0,
                 thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7), factor: float = 0.709,
                 pad: float = 0.0) -> list[Face]:
    """Every face MTCNN finds in ``image`` (RGB or L), largest first.

    ``min_size`` is the smallest face side searched for, in photo pixels; ``pad`` adds a black border of that
    fraction of the photo's side first (helps with tight face crops, whose face touches the edges). Photos
    shorter than 160 px are upscaled before detection; boxes and landmarks are in the original photo's pixels.

    Raises:
        ImageError: not a PIL image, or smaller than 12 x 12 pixels.
        InvalidParameter: a setting out of range.
    """
    if not isinstance(image, Image.Image):
        raise ImageError(f"expected a PIL image, got {type(image).__name__}")
    if min(image.size) < 12:
        raise ImageError(f"expected a photo of at least 12 x 12 pixels, got {image.size[0]} x {image.size[1]}")
    if not 0 < factor < 1:
        raise InvalidParameter(f"factor must be in (0, 1), got {factor}")
    if min_size < 12:
        raise InvalidParameter(f"min_size must be >= 12 pixels, got {min_size}")
    if not 0.0 <= pad <= 1.0:
        raise InvalidParameter(f"pad must be in [0, 1], got {pad}")
    x, scale, shift = _working_copy(image, pad)
    x = x.to(next(detector.pnet.parameters()).device)  # the photo goes where the networks are
    with torch.inference_mode():
        boxes, _ = _proposals(detector.pnet, x, _pyramid(*x.shape[1:], min_size * scale, factor), thresholds[0])
        if len(boxes):
            offsets, prob = _run(detector.rnet, x, boxes, 24)
            keep = prob > thresholds[1]
            boxes, offsets, prob = boxes[keep], offsets[keep], prob[keep]
            keep = nms(boxes, prob, 0.7)
            boxes = _square(_regress(boxes[keep], offsets[keep]))
        if len(boxes) == 0:
            return []
        offsets, marks, prob = _run(detector.onet, x, boxes, 48)
        keep = prob > thresholds[2]
        boxes, offsets, marks, prob = boxes[keep], offsets[keep], marks[keep], prob[keep]
        wh = boxes[:, 2:] - boxes[:, :2]  # [N, 2]
        points = torch.stack([marks[:, :5], marks[:, 5:]], 2) * wh[:, None] + boxes[:, None, :2]  # [N, 5, 2]
        boxes = _regress(boxes, offsets)
        keep = nms(boxes, prob, 0.7)
        boxes, points, prob = (boxes[keep] - shift) / scale, (points[keep] - shift) / scale, prob[keep]
    faces = [Face(tuple(float(v) for v in b), float(p), tuple((float(px), float(py)) for px, py in pts))
             for b, p, pts in zip(boxes.tolist(), prob.tolist(), points.tolist(), strict=True)]
    return sorted(faces, key=lambda f: -f.area)


def largest_face(faces: list[Face]) -> Face | None:
    """The face with the largest box, or None."""
    return max(faces, key=lambda f: f.area, default=None)
