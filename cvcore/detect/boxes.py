"""Boxes: intersection over union, and non-max suppression, fast or one step at a time.

Boxes are Tensor[N, 4] as (x1, y1, x2, y2) with 0 <= x1 <= x2 and y1 <= y2 (corner format, like
``torchvision.ops``). The fast paths are torchvision's; ``nms_steps`` replays the course's greedy
algorithm step by step and keeps exactly the same boxes, in the same order:

1. discard every box whose score is <= the score threshold (the course's p_c <= 0.6);
2. while boxes remain: pick the one with the highest score and output it, then discard every
   remaining box (of the same class, for per-class NMS) whose IoU with it is > the IoU threshold.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from torchvision import ops

from cvcore.errors import InvalidParameter

__all__ = ["IouParts", "NmsStep", "NmsResult", "check_boxes", "box_iou", "iou_parts", "nms", "nms_steps", "soft_nms",
           "MAX_TRACED"]

MAX_TRACED = 5_000  # boxes a step-by-step trace accepts; the fast path takes any number


@dataclass(frozen=True)
class IouParts:
    """IoU of two boxes with its pieces: the intersection box (None if they do not overlap) and the areas."""

    intersection: tuple[float, float, float, float] | None
    intersection_area: float
    area_a: float
    area_b: float

    @property
    def union_area(self) -> float:
        return self.area_a + self.area_b - self.intersection_area

    @property
    def iou(self) -> float:
        return self.intersection_area / self.union_area if self.union_area > 0 else 0.0


@dataclass(frozen=True)
class NmsStep:
    """One pick: the box output, and the boxes it discards with their IoUs with it."""

    picked: int
    score: float
    removed: tuple[int, ...]
    ious: tuple[float, ...]


@dataclass(frozen=True)
class NmsResult:
    """``keep``: indices into the input, highest score first (as ``torchvision.ops.nms``); ``steps``: the picks;
    ``below_score``: indices discarded by the score threshold before any pick."""

    keep: torch.Tensor
    steps: list[NmsStep]
    below_score: torch.Tensor


def check_boxes(boxes, scores=None, labels=None) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Validate and convert: boxes -> Tensor[N, 4] float, scores -> Tensor[N] float, labels -> Tensor[N] int64.

    Raises:
        InvalidParameter: wrong shapes, non-finite numbers, or a box with x2 < x1 or y2 < y1.
    """
    b = torch.as_tensor(boxes, dtype=torch.float32) if not isinstance(boxes, torch.Tensor) else boxes
    if b.numel() == 0:
        b = b.reshape(0, 4).float()
    if b.dim() != 2 or b.shape[1] != 4:
        raise InvalidParameter(f"boxes must be Tensor[N, 4] as (x1, y1, x2, y2), got shape {tuple(b.shape)}")
    if not b.is_floating_point():
        b = b.float()
    if not bool(torch.isfinite(b).all()):
        raise InvalidParameter(f"boxes must hold finite numbers, got NaN or infinity in box {int((~torch.isfinite(b)).any(1).nonzero()[0])}")
    bad = ((b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])).nonzero().flatten()
    if bad.numel():
        i = int(bad[0])
        raise InvalidParameter(f"boxes must have x1 <= x2 and y1 <= y2, got box {i} = {[round(v, 3) for v in b[i].tolist()]}")
    s = None
    if scores is not None:
        s = torch.as_tensor(scores, dtype=b.dtype, device=b.device).flatten() if not isinstance(scores, torch.Tensor) else scores
        if s.shape != (b.shape[0],):
            raise InvalidParameter(f"scores must be Tensor[{b.shape[0]}], one per box, got shape {tuple(s.shape)}")
        if not bool(torch.isfinite(s).all()):
            raise InvalidParameter(f"scores must be finite numbers, got NaN or infinity at {int((~torch.isfinite(s)).nonzero()[0])}")
    lab = None
    if labels is not None:
        lab = torch.as_tensor(labels, device=b.device).flatten().long()
        if lab.shape != (b.shape[0],):
            raise InvalidParameter(f"labels must be Tensor[{b.shape[0]}], one per box, got shape {tuple(lab.shape)}")
    return b, s, lab


def _threshold(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= 1:
        raise InvalidParameter(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def box_iou(a, b) -> torch.Tensor:
    """IoU of every box in ``a`` (Tensor[N, 4]) with every box in ``b`` (Tensor[M, 4]): Tensor[N, M] (torchvision's).

    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [5, 5, 6, 6]])
    tensor([[0.1429, 0.0000]])
    """
    a, _, _ = check_boxes(a)
    b, _, _ = check_boxes(b)
    return ops.box_iou(a, b)


def iou_parts(a, b) -> IouParts:
    """The intersection, the areas and the IoU of two boxes (x1, y1, x2, y2), for showing the formula.

    >>> p = iou_parts((0, 0, 2, 2), (1, 1, 3, 3)); p.intersection, p.intersection_area, p.union_area, round(p.iou, 4)
    ((1.0, 1.0, 2.0, 2.0), 1.0, 7.0, 0.1429)
    """
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = (check_boxes([list(map(float, box))])[0][0].tolist() for box in (a, b))
    x1, y1, x2, y2 = max(ax1, bx1), max(ay1, by1), min(ax2, bx2), min(ay2, by2)
    overlap = x2 > x1 and y2 > y1
    inter = (x2 - x1) * (y2 - y1) if overlap else 0.0
    return IouParts((x1, y1, x2, y2) if overlap else None, inter, (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1))


def _prepare(boxes, scores, labels, iou_threshold, score_threshold):
    """Checked inputs, and the indices of the boxes scoring above the score threshold (the candidates)."""
    iou_threshold = _threshold(iou_threshold, "iou_threshold")
    score_threshold = _threshold(score_threshold, "score_threshold")
    b, s, lab = check_boxes(boxes, scores, labels)
    if s is None:
        raise InvalidParameter("scores must be given, one per box")
    return b, s, lab, (s > score_threshold).nonzero().flatten(), iou_threshold, score_threshold


def nms(boxes, scores, *, iou_threshold: float, score_threshold: float = 0.0, labels=None) -> torch.Tensor:
    """The fast path: indices of the boxes kept, highest score first.

    Scores <= ``score_threshold`` are dropped first; then ``torchvision.ops.nms`` runs on all boxes
    (``labels=None``) or on each class separately (as ``torchvision.ops.batched_nms`` does for large inputs).

    >>> nms([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], iou_threshold=0.5).tolist()
    [0, 2]
    """
    b, s, lab, idx, iou_threshold, score_threshold = _prepare(boxes, scores, labels, iou_threshold, score_threshold)
    if lab is None:
        return idx[ops.nms(b[idx], s[idx], iou_threshold)]
    b, s, lab = b[idx], s[idx], lab[idx]
    kept = [torch.nonzero(lab == c).flatten() for c in torch.unique(lab)]
    kept = torch.cat([m[ops.nms(b[m], s[m], iou_threshold)] for m in kept]) if kept else idx[:0]
    return idx[kept[torch.argsort(s[kept], descending=True, stable=True)]]


def nms_steps(boxes, scores, *, iou_threshold: float, score_threshold: float = 0.0, labels=None) -> NmsResult:
    """The greedy algorithm one pick at a time; ``.keep`` equals ``nms`` (and torchvision's) exactly.

    IoUs come from ``torchvision.ops.box_iou`` and are compared with the threshold in double precision,
    as torchvision's own kernel does.

    Raises:
        InvalidParameter: bad boxes, scores or thresholds, or more than ``MAX_TRACED`` boxes above the score threshold.

    >>> r = nms_steps([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], iou_threshold=0.5)
    >>> r.keep.tolist(), [(s.picked, s.removed) for s in r.steps]
    ([0, 2], [(0, (1,)), (2, ())])
    """
    b, s, lab, idx, iou_threshold, score_threshold = _prepare(boxes, scores, labels, iou_threshold, score_threshold)
    below = (s <= score_threshold).nonzero().flatten()
    if idx.numel() > MAX_TRACED:
        raise InvalidParameter(f"a step-by-step trace takes at most {MAX_TRACED:,} boxes above the score threshold, got "
                               f"{idx.numel():,}; use nms() for more")
    order = idx[torch.argsort(s[idx], descending=True, stable=True)]
    iou = ops.box_iou(b[order], b[order]).double()  # [K, K]
    same = torch.ones_like(iou, dtype=torch.bool) if lab is None else lab[order][:, None] == lab[order][None, :]
    # numpy on the CPU: the loop below does small steps, fast there
    overlaps = ((iou > iou_threshold) & same).cpu().numpy()
    iou_np, order_np, score_np = iou.cpu().numpy(), order.cpu().numpy(), s.detach().double().cpu().numpy()
    alive = np.ones(len(order_np), dtype=bool)
    steps, keep = [], []
    for i in range(len(order_np)):
        if not alive[i]:
            continue
        alive[i] = False
        gone = np.flatnonzero(overlaps[i] & alive)
        alive[gone] = False
        keep.append(int(order_np[i]))
        steps.append(NmsStep(int(order_np[i]), float(score_np[order_np[i]]), tuple(order_np[gone].tolist()),
                             tuple(iou_np[i, gone].tolist())))
    return NmsResult(torch.tensor(keep, dtype=torch.long, device=b.device), steps, below)


def soft_nms(boxes, scores, *, sigma: float = 0.5, method: str = "gaussian", iou_threshold: float = 0.3,
             score_threshold: float = 0.001, labels=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft-NMS (Bodla et al., ICCV 2017): instead of discarding an overlapping box, lower its score,
    by exp(-IoU^2 / sigma) ("gaussian") or by (1 - IoU) when IoU > ``iou_threshold`` ("linear").

    Returns:
        (keep, new_scores): the indices whose decayed score stays > ``score_threshold``, in the order
        they were picked, and every box's score after decay (Tensor[N]).

    >>> keep, new = soft_nms([[0, 0, 2, 2], [0, 0, 2, 1]], [0.9, 0.8])
    >>> keep.tolist(), [round(v, 4) for v in new.tolist()]
    ([0, 1], [0.9, 0.4852])
    """
    if method not in ("gaussian", "linear"):
        raise InvalidParameter(f"method must be 'gaussian' or 'linear', got {method!r}")
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise InvalidParameter(f"sigma must be > 0, got {sigma!r}")
    iou_threshold = _threshold(iou_threshold, "iou_threshold")
    score_threshold = _threshold(score_threshold, "score_threshold")
    b, s, lab = check_boxes(boxes, scores, labels)
    if s is None:
        raise InvalidParameter("scores must be given, one per box")
    if b.shape[0] > MAX_TRACED:
        raise InvalidParameter(f"soft_nms takes at most {MAX_TRACED:,} boxes, got {b.shape[0]:,}")
    current = s.clone().double()
    iou = ops.box_iou(b, b).double()
    same = torch.ones_like(iou, dtype=torch.bool) if lab is None else lab[:, None] == lab[None, :]
    open_ = current > score_threshold
    keep = []
    while bool(open_.any()):
        i = int(torch.where(open_, current, torch.full_like(current, -math.inf)).argmax())
        keep.append(i)
        open_[i] = False
        rest = open_ & same[i]
        overlap = iou[i]
        decay = torch.exp(-(overlap ** 2) / sigma) if method == "gaussian" else torch.where(
            overlap > iou_threshold, 1 - overlap, torch.ones_like(overlap))
        current = torch.where(rest, current * decay, current)
        open_ &= current > score_threshold
    return torch.tensor(keep, dtype=torch.long, device=b.device), current.to(s.dtype)
