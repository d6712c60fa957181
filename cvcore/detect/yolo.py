"""A tiny YOLO-style detector for the shapes world: an S x S grid, B anchor boxes per cell, C classes.

Each cell and anchor predicts the course's vector y = [p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C]:
p_c the probability that an object's midpoint is in this cell (for this anchor), (b_x, b_y) the
midpoint within the cell (0 to 1), (b_h, b_w) the box's height and width in cell sizes (may exceed
1), and the class probabilities. The network outputs raw numbers t; decoding follows YOLOv2:
p_c = sigmoid(t_o), b_x = sigmoid(t_x), b_y = sigmoid(t_y), b_h = anchor_h * exp(t_h),
b_w = anchor_w * exp(t_w), c = softmax(t_c).
"""

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from cvcore import zoo
from cvcore.errors import InvalidParameter

__all__ = ["YoloConfig", "TinyYolo", "Assignment", "VECTOR", "assign", "encode", "decode", "detections", "yolo_loss",
           "kmeans_anchors", "anchor_iou", "load_tiny_yolo", "ASSET"]

VECTOR = ("p_c", "b_x", "b_y", "b_h", "b_w")
ASSET = zoo.ASSETS / zoo.networks()["tiny_yolo"].asset


@dataclass(frozen=True)
class YoloConfig:
    size: int = 128  # input side in pixels
    grid: int = 4  # S
    anchors: tuple[tuple[float, float], ...] = ((1.0, 1.0), (2.0, 2.0))  # (height, width) in cell sizes
    classes: tuple[str, ...] = ("ellipse", "rectangle", "triangle")

    @property
    def cell(self) -> float:
        return self.size / self.grid

    @property
    def depth(self) -> int:
        return 5 + len(self.classes)


class TinyYolo(nn.Module):
    """Five stride-2 convolutions (128 -> 4), then a 1x1 convolution to B x (5 + C) numbers per cell."""

    def __init__(self, config: YoloConfig):
        super().__init__()
        self.config = config
        widths = (3, 16, 32, 64, 96, 128)
        layers = []
        for cin, cout in zip(widths, widths[1:], strict=False):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1)]
        layers += [nn.Conv2d(128, 128, 3, padding=1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.1)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(128, len(config.anchors) * config.depth, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Tensor[N, 3, size, size] -> raw output Tensor[N, S, S, B, 5 + C]."""
        n = x.shape[0]
        out = self.head(self.features(x))  # [N, B * (5 + C), S, S]
        s = out.shape[-1]
        return out.view(n, len(self.config.anchors), self.config.depth, s, s).permute(0, 3, 4, 1, 2)


def anchor_iou(wh: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """IoU of boxes and anchors when both are centred at the same point: Tensor[N, 2] (h, w) x Tensor[B, 2] -> [N, B].

    >>> anchor_iou(torch.tensor([[1.0, 1.0]]), torch.tensor([[1.0, 1.0], [2.0, 2.0]]))
    tensor([[1.0000, 0.2500]])
    """
    inter = torch.min(wh[:, None, 0], anchors[None, :, 0]) * torch.min(wh[:, None, 1], anchors[None, :, 1])
    return inter / (wh[:, None].prod(-1) + anchors[None].prod(-1) - inter)


@dataclass(frozen=True)
class Assignment:
    """Where a ground-truth object goes in the target volume: cell (row, col), anchor, and its y values."""

    index: int
    row: int
    col: int
    anchor: int
    anchor_ious: tuple[float, ...]
    vector: tuple[float, ...]  # p_c, b_x, b_y, b_h, b_w, one-hot classes
    collided: bool  # the slot already held an object (the course's limitation of one object per cell and anchor)


def assign(boxes: torch.Tensor, labels: torch.Tensor, config: YoloConfig) -> list[Assignment]:
    """Assign each object to the cell holding its midpoint and the anchor whose shape overlaps it most (IoU)."""
    if boxes.numel() and (boxes.dim() != 2 or boxes.shape[1] != 4):
        raise InvalidParameter(f"boxes must be Tensor[K, 4], got shape {tuple(boxes.shape)}")
    anchors = torch.tensor(config.anchors, dtype=torch.float32)
    taken, out = set(), []
    for i, ((x1, y1, x2, y2), label) in enumerate(zip(boxes.tolist(), labels.tolist(), strict=True)):
        if not 0 <= label < len(config.classes):
            raise InvalidParameter(f"labels must be in [0, {len(config.classes) - 1}], got {label}")
        cx, cy = (x1 + x2) / 2 / config.cell, (y1 + y2) / 2 / config.cell
        row, col = min(int(cy), config.grid - 1), min(int(cx), config.grid - 1)
        h, w = (y2 - y1) / config.cell, (x2 - x1) / config.cell
        ious = anchor_iou(torch.tensor([[h, w]]), anchors)[0]
        anchor = int(ious.argmax())
        one_hot = [1.0 if c == label else 0.0 for c in range(len(config.classes))]
        vector = (1.0, cx - col, cy - row, h, w, *one_hot)
        out.append(Assignment(i, row, col, anchor, tuple(ious.tolist()), vector, (row, col, anchor) in taken))
        taken.add((row, col, anchor))
    return out


def encode(boxes: torch.Tensor, labels: torch.Tensor, config: YoloConfig) -> torch.Tensor:
    """The training target Tensor[S, S, B, 5 + C]: zeros ("no object", the rest don't-care) except the assigned slots.

    >>> cfg = YoloConfig(size=96, grid=3, anchors=((1.0, 1.0), (1.0, 2.0)))
    >>> y = encode(torch.tensor([[40.0, 40.0, 56.0, 56.0]]), torch.tensor([1]), cfg)
    >>> y.shape, y[1, 1, 0].tolist()
    (torch.Size([3, 3, 2, 8]), [1.0, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.0])
    """
    target = torch.zeros(config.grid, config.grid, len(config.anchors), config.depth, device=boxes.device)
    for a in assign(boxes, labels, config):
        if not a.collided:
            target[a.row, a.col, a.anchor] = torch.tensor(a.vector, device=boxes.device)
    return target


def decode(raw: torch.Tensor, config: YoloConfig) -> torch.Tensor:
    """Raw output Tensor[..., S, S, B, 5 + C] -> the course's vectors [p_c, b_x, b_y, b_h, b_w, c_1..c_C]."""
    anchors = torch.tensor(config.anchors, dtype=raw.dtype, device=raw.device)  # [B, 2] (h, w)
    p = torch.sigmoid(raw[..., 0:1])
    xy = torch.sigmoid(raw[..., 1:3])
    hw = anchors * torch.exp(raw[..., 3:5].clamp(max=6))
    return torch.cat([p, xy, hw, raw[..., 5:].softmax(-1)], dim=-1)


def detections(vectors: torch.Tensor, config: YoloConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every cell and anchor of one image's decoded volume (Tensor[S, S, B, 5 + C]) as a box:
    (boxes Tensor[S*S*B, 4] in pixels, scores = p_c x best class probability, labels). Nothing is dropped: NMS comes next."""
    s = vectors.shape[0]
    rows = torch.arange(s, dtype=vectors.dtype, device=vectors.device).view(s, 1, 1)
    cols = torch.arange(s, dtype=vectors.dtype, device=vectors.device).view(1, s, 1)
    cx = (cols + vectors[..., 1]) * config.cell
    cy = (rows + vectors[..., 2]) * config.cell
    h, w = vectors[..., 3] * config.cell, vectors[..., 4] * config.cell
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1).clamp(0, config.size)
    best, labels = vectors[..., 5:].max(-1)
    return boxes.reshape(-1, 4), (vectors[..., 0] * best).reshape(-1), labels.reshape(-1)


def yolo_loss(raw: torch.Tensor, target: torch.Tensor, config: YoloConfig, *, no_object_weight: float = 0.5) -> torch.Tensor:
    """Logistic loss on p_c everywhere (down-weighted where there is no object), squared error on the box and
    cross-entropy on the class where there is one: the course's practical loss."""
    anchors = torch.tensor(config.anchors, dtype=raw.dtype, device=raw.device)
    has = target[..., 0] > 0.5  # [N, S, S, B]
    weight = torch.where(has, torch.ones_like(target[..., 0]), torch.full_like(target[..., 0], no_object_weight))
    loss = (F.binary_cross_entropy_with_logits(raw[..., 0], target[..., 0], reduction="none") * weight).sum()
    if has.any():
        r, t = raw[has], target[has]
        loss = loss + 5 * F.mse_loss(torch.sigmoid(r[:, 1:3]), t[:, 1:3], reduction="sum")
        loss = loss + 5 * F.mse_loss(r[:, 3:5], torch.log(t[:, 3:5] / anchors.expand(*has.shape, 2)[has]), reduction="sum")
        loss = loss + F.cross_entropy(r[:, 5:], t[:, 5:].argmax(-1), reduction="sum")
    return loss / raw.shape[0]


def kmeans_anchors(hw: torch.Tensor, k: int, *, iterations: int = 100, seed: int = 0) -> torch.Tensor:
    """k anchor shapes (Tensor[k, 2], smallest first) from box shapes ``hw`` (Tensor[N, 2]) by k-means with the
    distance 1 - IoU (YOLOv2), so big and small boxes count alike."""
    if hw.dim() != 2 or hw.shape[1] != 2 or hw.shape[0] < k:
        raise InvalidParameter(f"hw must be Tensor[N, 2] with N >= k = {k}, got shape {tuple(hw.shape)}")
    generator = torch.Generator().manual_seed(seed)
    centres = hw[torch.randperm(hw.shape[0], generator=generator)[:k]].clone()
    for _ in range(iterations):
        nearest = anchor_iou(hw, centres).argmax(1)
        updated = torch.stack([hw[nearest == j].median(0).values if (nearest == j).any() else centres[j] for j in range(k)])
        if torch.allclose(updated, centres):
            break
        centres = updated
    return centres[centres.prod(1).argsort()]


def load_tiny_yolo(path: str | Path | None = None, *, device=None) -> TinyYolo:
    """The detector trained by ``scripts/train_yolo.py``, shipped in ``assets/``, in eval mode.

    Raises:
        WeightsUnavailable: the file is missing or unreadable (with how to make it).
    """
    def build(saved: dict) -> TinyYolo:
        return TinyYolo(YoloConfig(size=int(saved["size"]), grid=int(saved["grid"]), classes=tuple(saved["classes"]),
                                   anchors=tuple(tuple(map(float, a)) for a in saved["anchors"])))

    model = zoo.load_asset(path if path is not None else ASSET, build, what="the tiny YOLO's weights",
                           script="scripts/train_yolo.py")
    return model.to(device or "cpu")
