"""cvcore.detect.boxes against torchvision.ops over many random box sets, thresholds and seeds, and by hand."""

import math

import pytest
import torch
from torchvision import ops

from cvcore.detect import boxes
from cvcore.errors import InvalidParameter


def _random_boxes(n: int, seed: int, *, grid: float | None = None, size: float = 100.0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 3 + 1
    b = torch.cat([xy, xy + wh], dim=1)
    if grid:  # coordinates on a grid of exactly representable numbers
        b = torch.round(b / grid) * grid
    scores = torch.rand(n, generator=g)
    labels = torch.randint(0, 3, (n,), generator=g)
    return b, scores, labels


@pytest.mark.parametrize("seed", range(40))
def test_the_step_trace_keeps_exactly_what_torchvision_keeps(seed):
    n = [1, 2, 5, 30, 200, 1000][seed % 6]
    b, scores, labels = _random_boxes(n, seed)
    for iou_threshold in (0.0, 0.1, 0.3, 0.5, 0.7, 1.0):
        trace = boxes.nms_steps(b, scores, iou_threshold=iou_threshold)
        assert torch.equal(trace.keep, ops.nms(b, scores, iou_threshold)), (seed, iou_threshold)
        assert torch.equal(boxes.nms(b, scores, iou_threshold=iou_threshold), trace.keep)
        assert [s.picked for s in trace.steps] == trace.keep.tolist()
        removed = sorted(i for s in trace.steps for i in s.removed)
        assert removed == sorted(set(range(n)) - set(trace.keep.tolist()))  # every box is picked or removed once


@pytest.mark.parametrize("seed", range(30))
def test_per_class_trace_equals_batched_nms(seed):
    n = [3, 40, 300, 1000, 1500][seed % 5]  # batched_nms switches strategy above 1,000 boxes on the CPU
    b, scores, labels = _random_boxes(n, seed, grid=0.25)  # exact coordinates: torchvision's class offsets stay exact
    for iou_threshold in (0.2, 0.5, 0.8):
        expected = ops.batched_nms(b, scores, labels, iou_threshold)
        trace = boxes.nms_steps(b, scores, iou_threshold=iou_threshold, labels=labels)
        assert torch.equal(trace.keep, expected), (seed, iou_threshold)
        assert torch.equal(boxes.nms(b, scores, iou_threshold=iou_threshold, labels=labels), expected)
        for step in trace.steps:
            assert all(labels[i] == labels[step.picked] for i in step.removed)


@pytest.mark.parametrize("seed", range(10))
def test_the_score_threshold_discards_first(seed):
    b, scores, labels = _random_boxes(300, seed)
    for score_threshold in (0.0, 0.3, 0.6, 0.95):
        keep_mask = scores > score_threshold
        idx = keep_mask.nonzero().flatten()
        expected = idx[ops.nms(b[idx], scores[idx], 0.5)]
        trace = boxes.nms_steps(b, scores, iou_threshold=0.5, score_threshold=score_threshold)
        assert torch.equal(trace.keep, expected)
        assert torch.equal(trace.below_score, (~keep_mask).nonzero().flatten())


def test_the_ious_of_removed_boxes_exceed_the_threshold_and_the_kept_ones_do_not():
    b, scores, _ = _random_boxes(150, 7)
    trace = boxes.nms_steps(b, scores, iou_threshold=0.4)
    iou = ops.box_iou(b, b)
    for step in trace.steps:
        for i, value in zip(step.removed, step.ious, strict=True):
            assert value > 0.4 and value == pytest.approx(float(iou[step.picked, i]))
    kept = trace.keep
    pairwise = iou[kept][:, kept] - torch.eye(len(kept))
    assert float(pairwise.max()) <= 0.4


def test_the_course_example_by_hand():
    # Two cars: 0.9 and 0.6 on the first, 0.7 and 0.5 on the second (with a 0.4 far away), threshold 0.5.
    car = [[10, 10, 50, 40], [12, 11, 52, 42], [100, 20, 140, 50], [101, 22, 139, 52], [200, 100, 220, 120]]
    trace = boxes.nms_steps(car, [0.9, 0.6, 0.7, 0.5, 0.4], iou_threshold=0.5, score_threshold=0.45)
    assert trace.keep.tolist() == [0, 2]
    assert [(s.picked, s.removed) for s in trace.steps] == [(0, (1,)), (2, (3,))]
    assert trace.below_score.tolist() == [4]


def test_iou_parts_match_box_iou_and_hand_numbers():
    parts = boxes.iou_parts((1, 1, 4, 3), (2, 0, 5, 2))  # 3x2 and 3x2 boxes overlapping in a 2x1 rectangle
    assert parts.intersection == (2.0, 1.0, 4.0, 2.0)
    assert (parts.intersection_area, parts.area_a, parts.area_b, parts.union_area) == (2.0, 6.0, 6.0, 10.0)
    assert parts.iou == pytest.approx(0.2)
    assert boxes.iou_parts((0, 0, 1, 1), (2, 2, 3, 3)).iou == 0.0
    g = torch.Generator().manual_seed(0)
    for _ in range(50):
        a, b = (torch.cat([xy := torch.rand(2, generator=g) * 10, xy + torch.rand(2, generator=g) * 5]) for _ in range(2))
        assert boxes.iou_parts(a.tolist(), b.tolist()).iou == pytest.approx(float(ops.box_iou(a[None], b[None])), abs=1e-6)


def test_soft_nms_decays_instead_of_discarding():
    b = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 5], [50, 50, 60, 60]], dtype=torch.float)
    keep, new = boxes.soft_nms(b, torch.tensor([0.9, 0.8, 0.7]), sigma=0.5)
    assert keep.tolist() == [0, 2, 1]
    assert float(new[1]) == pytest.approx(0.8 * math.exp(-(0.5 ** 2) / 0.5))
    keep, new = boxes.soft_nms(b, torch.tensor([0.9, 0.8, 0.7]), method="linear", iou_threshold=0.3)
    assert float(new[1]) == pytest.approx(0.8 * 0.5)
    keep, _ = boxes.soft_nms(b, torch.tensor([0.9, 0.8, 0.7]), method="linear", iou_threshold=0.3, score_threshold=0.5)
    assert keep.tolist() == [0, 2]  # 0.4 falls below the threshold


@pytest.mark.parametrize("call, message", [
    (lambda: boxes.nms_steps([[5, 0, 1, 1]], [0.5], iou_threshold=0.5), r"x1 <= x2 and y1 <= y2, got box 0"),
    (lambda: boxes.nms_steps([[0, 0, 1, 1]], [float("nan")], iou_threshold=0.5), "scores must be finite"),
    (lambda: boxes.nms_steps([[0, 0, 1, 1]], [0.5], iou_threshold=1.5), r"iou_threshold must be a number in \[0, 1\]"),
    (lambda: boxes.nms([[0, 0, 1, 1]], [0.5], iou_threshold=0.5, score_threshold=-0.1), "score_threshold"),
    (lambda: boxes.nms([[0, 0, 1]], [0.5], iou_threshold=0.5), r"boxes must be Tensor\[N, 4\]"),
    (lambda: boxes.nms([[0, 0, 1, 1]], [0.5, 0.2], iou_threshold=0.5), r"scores must be Tensor\[1\]"),
    (lambda: boxes.soft_nms([[0, 0, 1, 1]], [0.5], sigma=0), "sigma must be > 0"),
])
def test_bad_input_says_what_was_expected(call, message):
    with pytest.raises(InvalidParameter, match=message):
        call()


def test_empty_and_huge_inputs():
    empty = boxes.nms_steps(torch.zeros(0, 4), torch.zeros(0), iou_threshold=0.5)
    assert empty.keep.tolist() == [] and empty.steps == []
    assert boxes.nms([], [], iou_threshold=0.5).tolist() == []
    b, _, labels = _random_boxes(100_000, 3, size=2000)
    scores = torch.randperm(100_000, generator=torch.Generator().manual_seed(3)).float() / 100_000  # no ties to order
    assert torch.equal(boxes.nms(b, scores, iou_threshold=0.5, labels=labels), ops.batched_nms(b, scores, labels, 0.5))
    with pytest.raises(InvalidParameter, match="at most 5,000 boxes"):
        boxes.nms_steps(b, scores, iou_threshold=0.5)
