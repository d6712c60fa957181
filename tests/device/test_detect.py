"""Detection and segmentation (cvcore.detect) on the device against the CPU.

Boxes are float32 on the device; the reference is float64 on the CPU. An IoU takes two areas (one product each),
an intersection (two differences and a product), a union (two more additions) and a division: about 10 roundings,
so it is within 10 u of the exact value (IoU <= 1). NMS keeps a box or not by comparing an IoU with the threshold;
the inputs here were drawn so that no reference IoU lies within that bound of a threshold, and the tests check it
first: then every choice is clear and the kept boxes must be identical.
"""

import pytest
import torch
from torchvision import ops

from cvcore import images, zoo
from cvcore.data import shapes
from cvcore.detect import boxes, segmentation, sliding, yolo
from cvcore.detect import metrics as detection
from tests.device.bounds import (
    U32,
    assert_close,
    assert_relative,
    assert_same_where_decided,
    f64,
    margins,
    network_terms,
    scale,
)

IOU_BOUND = 10 * U32
CAT = 285


def _random_boxes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(boxes Tensor[n, 4], scores Tensor[n], labels Tensor[n] in 0..2). The scores are all different: among equal
    scores any order is right, and implementations pick differently."""
    g = torch.Generator().manual_seed(seed)
    xy, wh = torch.rand(n, 2, generator=g) * 200, torch.rand(n, 2, generator=g) * 60 + 1
    scores = (torch.randperm(n, generator=g).float() + 1) / n
    return torch.cat([xy, xy + wh], 1), scores, torch.randint(0, 3, (n,), generator=g)


def _clear_of(b: torch.Tensor, thresholds) -> None:
    """No reference IoU within IOU_BOUND of a threshold: NMS's every choice is clear on any device."""
    iou = ops.box_iou(f64(b), f64(b))
    for t in thresholds:
        closest = float((iou - t).abs().min())
        assert closest > IOU_BOUND, f"the input has an IoU {closest:.1e} from the threshold {t}: choose another seed"


def test_box_iou_of_500_by_400_boxes(device):
    a, b = _random_boxes(500, 8)[0], _random_boxes(400, 9)[0]
    got = boxes.box_iou(a.to(device), b.to(device))
    assert_close(got, boxes.box_iou(a.double(), b.double()), IOU_BOUND, "iou")
    # the same formula as torchvision's, operation for operation, on the same device: identical
    assert_close(got, ops.box_iou(a.to(device), b.to(device)), 0.0, "cvcore's against torchvision's")


def test_nms_class_agnostic_and_per_class_three_thresholds(device, full):
    # 6,000 boxes on an accelerator: batched_nms then runs per class there as on the CPU (not offsetting boxes)
    b, s, labels = _random_boxes(6000 if full else 1500, 16)  # a seed whose IoUs are all clear of the thresholds
    _clear_of(b, (0.3, 0.5, 0.7))
    on = [t.to(device) for t in (b, s, labels)]
    for t in (0.3, 0.5, 0.7):
        got = boxes.nms(on[0], on[1], iou_threshold=t)
        assert got.tolist() == boxes.nms(b.double(), s.double(), iou_threshold=t).tolist(), t
        assert got.tolist() == ops.nms(on[0], on[1], t).tolist(), f"{t}: torchvision's"
        got = boxes.nms(on[0], on[1], iou_threshold=t, labels=on[2])
        assert got.tolist() == boxes.nms(b.double(), s.double(), iou_threshold=t, labels=labels).tolist(), f"{t} per class"
        assert got.tolist() == ops.batched_nms(on[0], on[1], on[2], t).tolist(), f"{t} per class: torchvision's"


def test_nms_steps_the_step_by_step_trace(device):
    b, s, _ = _random_boxes(300, 11)
    _clear_of(b, (0.5,))
    got = boxes.nms_steps(b.to(device), s.to(device), iou_threshold=0.5).keep
    assert got.tolist() == boxes.nms_steps(b.double(), s.double(), iou_threshold=0.5).keep.tolist()
    assert got.tolist() == ops.nms(b.to(device), s.to(device), 0.5).tolist(), "torchvision's"


def test_soft_nms_gaussian_and_linear(device):
    b, s, labels = _random_boxes(300, 12)
    _clear_of(b, (0.3,))
    for method in ("gaussian", "linear"):
        keep, new = boxes.soft_nms(b.to(device), s.to(device), method=method, labels=labels.to(device))
        keep64, new64 = boxes.soft_nms(b.double(), s.double(), method=method, labels=labels)
        # a score is decayed once per box picked before it, each decay a factor within a few roundings of the IoU's
        # (exp or 1 - IoU, then a product): up to 300 x (IOU_BOUND + 3 u), relative; then rounded to float32 once
        bound = (300 * (IOU_BOUND + 3 * U32) + U32) * scale(new64)
        assert_close(new, new64, bound, f"{method} decayed scores")
        assert float((new64 - 0.001).abs().min()) > bound, "a decayed score lies at the score threshold"
        assert keep.tolist() == keep64.tolist(), method


@pytest.fixture(scope="module")
def tiny_yolo():
    return yolo.load_tiny_yolo(device="cpu")


def test_tiny_yolo_forward_decode_and_loss_on_8_scenes(device, tiny_yolo):
    model64 = _copy(tiny_yolo).double()
    model = _copy(tiny_yolo).to(device)
    x, scenes = shapes.scenes(range(1_000_000, 1_000_008), size=tiny_yolo.config.size)
    target = torch.stack([yolo.encode(s.boxes, s.labels, tiny_yolo.config) for s in scenes])
    terms = network_terms(model64)
    with torch.inference_mode():
        raw, raw64 = model(x.to(device)), model64(x.double())
    assert_relative(raw, raw64, terms, "raw output")
    # sigmoid and softmax move by at most 1/4 and 1/2 of their inputs' change; exp(raw) by its own size (<= e^6 anchor
    # heights) x the change
    raw_bound = terms * U32 * scale(raw64)
    vectors64 = yolo.decode(raw64, tiny_yolo.config)
    assert_close(yolo.decode(raw, tiny_yolo.config), vectors64, raw_bound * max(1.0, scale(vectors64)), "decoded")
    # the loss sums squared differences (twice the relative error) over every cell
    loss64 = yolo.yolo_loss(raw64, target.double(), tiny_yolo.config)
    assert_close(yolo.yolo_loss(raw, target.to(device), tiny_yolo.config), loss64,
                 2 * (terms + raw.numel()) * U32 * scale(loss64) + 2 * raw_bound * raw.numel() * scale(raw64), "loss")


def test_tiny_yolo_detections_and_per_class_nms_on_8_scenes(device, tiny_yolo):
    model64 = _copy(tiny_yolo).double()
    x, _ = shapes.scenes(range(1_000_000, 1_000_008), size=tiny_yolo.config.size)
    got = detection.detect(_copy(tiny_yolo).to(device), tiny_yolo.config, x.to(device))
    want = detection.detect(model64, tiny_yolo.config, x.double())
    terms = network_terms(model64)
    with torch.inference_mode():
        raw64 = model64(x.double())
    score_bound = terms * U32 * scale(raw64)  # p_c x a class probability: each moves by < half the raw change
    box_bound = score_bound * tiny_yolo.config.size * 400  # centre and size in pixels: cell x (sigmoid, e^6 x exp)
    for i, ((b, s, lab), (b64, s64, lab64)) in enumerate(zip(got, want, strict=True)):
        assert lab.tolist() == lab64.tolist(), f"scene {i}: labels"
        assert_close(s, s64, score_bound, f"scene {i}: scores")
        assert_close(b, b64, box_bound, f"scene {i}: boxes (px)")


def _copy(model):
    import copy

    return copy.deepcopy(model).eval()


def test_sliding_windows_one_by_one_and_convolutionally(device, mobilenet_on, mobilenet64, full):
    entry, photo = zoo.registry()["mobilenet_v2"], images.sample_image("chelsea")
    if not full:
        photo = photo.resize((photo.width // 3, photo.height // 3))
    window = 150 if full else 64
    p_bound = network_terms(mobilenet64) * U32 * 20 / 2  # probabilities: half of the logits' bound (logits < 20)
    got = sliding.windows_one_by_one(mobilenet_on, entry, photo, CAT, window=window, stride=window // 2).scores
    want = sliding.windows_one_by_one(_float(mobilenet64), entry, photo, CAT, window=window, stride=window // 2).scores
    assert_close(got, want, p_bound, "one by one")
    got = sliding.windows_convolutional(mobilenet_on, entry, photo, CAT, window=window).scores
    want = sliding.windows_convolutional(_float(mobilenet64), entry, photo, CAT, window=window).scores
    assert_close(got, want, p_bound, "convolutional")


def _float(model64):
    """The windows are cut and preprocessed by the engine in float32: the reference model is the CPU's float32 one."""
    return _copy(model64).float()


@pytest.fixture(scope="module")
def fcn():
    return segmentation.load_fcn()


def test_tiny_fcn_forward_class_map_and_instances_on_6_scenes(device, fcn):
    x, _ = shapes.scenes(range(2_000_000, 2_000_006))
    model64 = _copy(fcn).double()
    with torch.inference_mode():
        got, want = _copy(fcn).to(device)(x.to(device)), model64(x.double())
    bound = network_terms(model64) * U32 * scale(want)
    assert_close(got, want, bound, "class scores")
    decided = margins(want, 1) > 2 * bound  # [6, H, W]
    assert_same_where_decided(got.argmax(1), want.argmax(1), decided, "class map")
    if bool(decided.all()):  # every pixel's class is clear: the instances are those of the same map
        for p, p64 in zip(got.argmax(1), want.argmax(1), strict=True):
            assert ([(i.label, *i.box) for i in segmentation.instances(p)[1]]
                    == [(i.label, *i.box) for i in segmentation.instances(p64)[1]])


def test_segmentation_evaluate_on_20_scenes(device, fcn):
    seeds = range(2_000_000, 2_000_020)
    model64 = _copy(fcn).double()
    x, _ = shapes.scenes(seeds)
    with torch.inference_mode():
        scores = model64(x.double())
    bound = network_terms(model64) * U32 * scale(scores)
    undecided = int((margins(scores, 1) <= 2 * bound).sum())  # pixels that may change class: one count each
    got = segmentation.evaluate(_copy(fcn).to(device), seeds)
    want = segmentation.evaluate(fcn, seeds)
    assert_close(got, want, undecided, "confusion matrix")


def test_segmentation_u_shape(device, fcn):
    assert ([row.shape for row in segmentation.u_shape(_copy(fcn).to(device))]
            == [row.shape for row in segmentation.u_shape(fcn)])
