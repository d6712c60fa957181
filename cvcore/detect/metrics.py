"""How good is a detector: precision, recall and average precision at an IoU threshold (PASCAL VOC style).

A detection is a true positive when its IoU with a not-yet-matched ground-truth box of the same class
in the same image is >= the IoU threshold (0.5, the course's "correct if IoU >= 0.5"), taking
detections from the highest score down; otherwise it is a false positive. AP is the area under the
precision-recall curve made monotone from the right (all-point interpolation); mAP its mean over classes.
"""

from dataclasses import dataclass

import torch

from cvcore.detect import boxes as box_ops
from cvcore.errors import InvalidParameter

__all__ = ["Evaluation", "average_precision", "evaluate_detector", "detect"]


@dataclass(frozen=True)
class Evaluation:
    """Per class: AP, and precision and recall of the detections scoring above ``score_threshold``."""

    classes: tuple[str, ...]
    ap: tuple[float, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    curves: tuple[tuple[list[float], list[float]], ...]  # (recall, precision) points per class
    score_threshold: float

    @property
    def map(self) -> float:
        return sum(self.ap) / len(self.ap) if self.ap else 0.0


def _area_under(recall: list[float], precision: list[float]) -> float:
    r = [0.0] + recall + [1.0]
    p = [0.0] + precision + [0.0]
    for i in range(len(p) - 2, -1, -1):
        p[i] = max(p[i], p[i + 1])
    return sum((r[i + 1] - r[i]) * p[i + 1] for i in range(len(r) - 1))


def average_precision(predictions, ground_truth, classes, *, iou_threshold: float = 0.5,
                      score_threshold: float = 0.5) -> Evaluation:
    """``predictions``: per image (boxes Tensor[D, 4], scores Tensor[D], labels Tensor[D]);
    ``ground_truth``: per image (boxes Tensor[G, 4], labels Tensor[G]).

    >>> gt = [(torch.tensor([[0., 0, 10, 10]]), torch.tensor([0]))]
    >>> pred = [(torch.tensor([[0., 0, 10, 10], [1., 1, 9, 9]]), torch.tensor([0.9, 0.8]), torch.tensor([0, 0]))]
    >>> e = average_precision(pred, gt, ["thing"]); e.ap, e.precision, e.recall
    ((1.0,), (0.5,), (1.0,))
    """
    if len(predictions) != len(ground_truth):
        raise InvalidParameter(f"predictions and ground_truth must cover the same images, got {len(predictions)} "
                               f"and {len(ground_truth)}")
    aps, precisions, recalls, curves = [], [], [], []
    for c in range(len(classes)):
        found = []  # (score, image, box)
        positives = 0
        for i, ((pb, ps, pl), (_, gl)) in enumerate(zip(predictions, ground_truth, strict=True)):
            positives += int((gl == c).sum())
            found += [(float(s), i, b) for b, s, lab in zip(pb, ps, pl, strict=True) if int(lab) == c]
        found.sort(key=lambda item: -item[0])
        matched = [torch.zeros(int((gl == c).sum()), dtype=torch.bool) for _, gl in ground_truth]
        hits = []
        for _, i, box in found:
            gb, gl = ground_truth[i]
            own = gb[gl == c]
            hit = False
            if own.numel():
                iou = box_ops.box_iou(box[None], own)[0]
                iou[matched[i]] = -1
                j = int(iou.argmax())
                if float(iou[j]) >= iou_threshold:
                    matched[i][j] = True
                    hit = True
            hits.append(hit)
        tp = torch.tensor(hits, dtype=torch.float64).cumsum(0)
        count = torch.arange(1, len(hits) + 1, dtype=torch.float64)
        recall = (tp / max(positives, 1)).tolist()
        precision = (tp / count).tolist()
        aps.append(_area_under(recall, precision) if positives else 0.0)
        curves.append((recall, precision))
        above = [h for (s, _, _), h in zip(found, hits, strict=True) if s > score_threshold]
        precisions.append(sum(above) / len(above) if above else 0.0)
        recalls.append(sum(above) / positives if positives else 0.0)
    return Evaluation(tuple(classes), tuple(aps), tuple(precisions), tuple(recalls), tuple(curves), score_threshold)


def detect(model, config, x: torch.Tensor, *, iou_threshold: float = 0.5, score_threshold: float = 0.05):
    """Run a YOLO-style model on images ``x`` (Tensor[N, 3, S, S]) and keep, per image, what per-class NMS keeps:
    a list of (boxes, scores, labels), on ``x``'s device (the model runs on its own)."""
    from cvcore.detect import yolo

    on = next(model.parameters()).device
    with torch.inference_mode():
        vectors = yolo.decode(model(x.to(on)), config)
    out = []
    for v in vectors:
        b, s, lab = yolo.detections(v, config)
        keep = box_ops.nms(b, s, iou_threshold=iou_threshold, score_threshold=score_threshold, labels=lab)
        out.append((b[keep].to(x.device), s[keep].to(x.device), lab[keep].to(x.device)))
    return out


def evaluate_detector(model, config, seeds, *, batch: int = 100, score_threshold: float = 0.5) -> Evaluation:
    """Precision, recall and AP@0.5 of a YOLO-style model on the shapes-world scenes of ``seeds``."""
    from cvcore.data import shapes

    seeds = list(seeds)
    predictions, truth = [], []
    for start in range(0, len(seeds), batch):
        x, scenes = shapes.scenes(seeds[start:start + batch], size=config.size)
        predictions += detect(model, config, x)
        truth += [(s.boxes, s.labels) for s in scenes]
    return average_precision(predictions, truth, config.classes, score_threshold=score_threshold)
