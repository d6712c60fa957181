"""The shapes world, the tiny YOLO's target encoding and decoding, anchors, and detection metrics, by hand and
against the shipped detector."""

import math

import pytest
import torch

from cvcore.data import shapes
from cvcore.detect import metrics as detection
from cvcore.detect import yolo
from cvcore.errors import InvalidParameter, WeightsUnavailable


def test_scenes_are_reproducible_and_their_labels_match_their_pixels():
    a, b = shapes.scene(11), shapes.scene(11)
    assert torch.equal(a.image, b.image) and torch.equal(a.boxes, b.boxes)
    assert not torch.equal(a.image, shapes.scene(12).image)
    for seed in range(20):
        s = shapes.scene(seed)
        assert 1 <= len(s.labels) <= 4 and s.image.min() >= 0 and s.image.max() <= 1
        for k, (x1, y1, x2, y2) in enumerate(s.boxes.round().long().tolist()):
            visible = s.instances == k + 1
            if visible.any():  # what is visible lies in the box, and has the object's class
                rows, cols = visible.nonzero().unbind(1)
                assert rows.min() >= y1 - 1 and rows.max() <= y2 + 1 and cols.min() >= x1 - 1 and cols.max() <= x2 + 1
                assert bool((s.semantic[visible] == s.labels[k] + 1).all())


def test_an_object_goes_to_the_cell_of_its_midpoint_and_its_best_anchor():
    config = yolo.YoloConfig(size=90, grid=3, anchors=((2.0, 1.0), (1.0, 2.0)))  # a tall and a wide anchor
    boxes = torch.tensor([[10.0, 35.0, 70.0, 55.0], [62.0, 2.0, 80.0, 50.0]])  # wide, midpoint in cell (1, 1); tall in (0, 2)
    first, second = yolo.assign(boxes, torch.tensor([2, 0]), config)
    assert (first.row, first.col, first.anchor) == (1, 1, 1) and (second.row, second.col, second.anchor) == (0, 2, 0)
    assert first.vector == pytest.approx((1.0, 40 / 30 - 1, 45 / 30 - 1, 20 / 30, 60 / 30, 0, 0, 1))
    y = yolo.encode(boxes, torch.tensor([2, 0]), config)
    assert y.shape == (3, 3, 2, 8) and int((y[..., 0] == 1).sum()) == 2
    twice = yolo.assign(boxes[[0, 0]], torch.tensor([2, 1]), config)
    assert [a.collided for a in twice] == [False, True]


def test_decoding_the_right_raw_numbers_gives_back_the_boxes():
    config = yolo.YoloConfig()
    scene = next(s for s in map(shapes.scene, range(100))  # several objects, no two in one cell and anchor
                 if len(s.labels) >= 3 and not any(a.collided for a in yolo.assign(s.boxes, s.labels, config)))
    target = yolo.encode(scene.boxes, scene.labels, config)
    anchors = torch.tensor(config.anchors)
    raw = torch.full_like(target, -20.0)
    has = target[..., 0] == 1
    t = target[has]
    logit = lambda p: torch.log(p / (1 - p))
    raw[has] = torch.cat([torch.full((len(t), 1), 20.0), logit(t[:, 1:3].clamp(1e-6, 1 - 1e-6)),
                          torch.log(t[:, 3:5] / anchors.expand(*has.shape, 2)[has]), 20 * t[:, 5:]], dim=1)
    vectors = yolo.decode(raw, config)
    torch.testing.assert_close(vectors[has][:, :5], t[:, :5], atol=1e-5, rtol=1e-5)
    b, s, lab = yolo.detections(vectors, config)
    kept = s > 0.5
    order = torch.argsort(b[kept][:, 0])
    truth = torch.argsort(scene.boxes[:, 0])
    torch.testing.assert_close(b[kept][order], scene.boxes[truth].clamp(0, config.size), atol=1e-3, rtol=1e-4)
    assert lab[kept][order].tolist() == scene.labels[truth].tolist()


def test_kmeans_finds_two_clusters_of_shapes():
    g = torch.Generator().manual_seed(0)
    small = torch.tensor([1.0, 1.0]) + 0.05 * torch.randn(100, 2, generator=g)
    wide = torch.tensor([1.0, 3.0]) + 0.05 * torch.randn(100, 2, generator=g)
    anchors = yolo.kmeans_anchors(torch.cat([wide, small]), 2)
    torch.testing.assert_close(anchors, torch.tensor([[1.0, 1.0], [1.0, 3.0]]), atol=0.05, rtol=0)


def test_the_loss_falls_when_the_network_fits_a_batch():
    torch.manual_seed(0)
    config = yolo.YoloConfig()
    model = yolo.TinyYolo(config)
    x, scenes = shapes.scenes(range(8))
    target = torch.stack([yolo.encode(s.boxes, s.labels, config) for s in scenes])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = yolo.yolo_loss(model(x), target, config)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_average_precision_by_hand():
    # One class, two images, three objects. Detections by score: TP, FP, TP, FP (the duplicate), missed one.
    gt = [(torch.tensor([[0.0, 0, 10, 10], [20.0, 20, 30, 30]]), torch.tensor([0, 0])),
          (torch.tensor([[0.0, 0, 10, 10]]), torch.tensor([0]))]
    pred = [(torch.tensor([[0.0, 0, 10, 10], [50.0, 50, 60, 60], [0.0, 0, 10, 9]]), torch.tensor([0.9, 0.8, 0.6]),
             torch.tensor([0, 0, 0])),
            (torch.tensor([[0.0, 0, 10, 11]]), torch.tensor([0.7]), torch.tensor([0]))]
    e = detection.average_precision(pred, gt, ["thing"], score_threshold=0.75)
    # precision 1, 1/2, 2/3, 1/2 at recall 1/3, 1/3, 2/3, 2/3; envelope: 1 up to 1/3, 2/3 up to 2/3, 0 after.
    assert e.ap[0] == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3)
    assert (e.precision[0], e.recall[0]) == pytest.approx((0.5, 1 / 3))  # the two detections above 0.75
    assert e.map == e.ap[0]
    with pytest.raises(InvalidParameter, match="same images"):
        detection.average_precision(pred, gt[:1], ["thing"])


def test_a_missing_or_broken_weights_file_says_how_to_make_it(tmp_path):
    with pytest.raises(WeightsUnavailable, match="scripts/train_yolo.py"):
        yolo.load_tiny_yolo(tmp_path / "none.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsUnavailable, match="could not be read"):
        yolo.load_tiny_yolo(tmp_path / "bad.pt")


def test_the_shipped_detector_finds_the_shapes_on_held_out_scenes():
    model = yolo.load_tiny_yolo()
    saved = torch.load(yolo.ASSET, weights_only=True)
    result = detection.evaluate_detector(model, model.config, range(1_000_000, 1_000_200))
    assert result.map >= 0.6, result
    assert math.isclose(result.map, saved["map50"], abs_tol=0.06)  # the first 200 of the 500 scenes the script scored
    scene = shapes.scene(1_000_001)
    (found,) = detection.detect(model, model.config, scene.image[None])
    assert len(found[0]) >= 1


def test_convolutional_sliding_windows_equal_window_by_window_on_a_network_without_padding():

    from cvcore import zoo
    from cvcore.detect import sliding

    torch.manual_seed(0)
    # Patches of 32 px -> global average pooling -> linear: no padding, so both ways see exactly the same pixels.
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 32, stride=32), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(8, 5)).eval()
    entry = zoo.custom_entry("patches", "patches", "abcde", size=64, channels=3, cam_layer="1",
                             mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    image = shapes.scene(3, size=192).picture()
    conv = sliding.windows_convolutional(net, entry, image, 2, window=64, layer="1")
    one = sliding.windows_one_by_one(net, entry, image, 2, window=64, stride=32)
    assert conv.grid.shape == one.grid.shape == (5, 5) and conv.passes == 1 and one.passes == 25
    torch.testing.assert_close(conv.boxes, one.boxes)
    torch.testing.assert_close(conv.grid, one.grid, rtol=1e-4, atol=1e-6)


def test_sliding_windows_on_mobilenet_agree_in_pattern(mobilenet, entry):
    from cvcore import images
    from cvcore.detect import sliding

    image = images.sample_image("chelsea").convert("RGB")
    conv = sliding.windows_convolutional(mobilenet, entry, image, 285, window=160)
    one = sliding.windows_one_by_one(mobilenet, entry, image, 285, window=160, stride=160 * 32 / 224)
    assert conv.grid.shape == one.grid.shape
    r = torch.corrcoef(torch.stack([conv.grid.flatten(), one.grid.flatten()]))[0, 1]
    assert r > 0.6  # the same pattern; not the same numbers, because of zero padding at window borders
    with pytest.raises(InvalidParameter, match="window must be in"):
        sliding.windows_one_by_one(mobilenet, entry, image, 285, window=4000, stride=10)
    with pytest.raises(InvalidParameter, match="at most 2,000 are run one by one"):
        sliding.windows_one_by_one(mobilenet, entry, image, 285, window=16, stride=1)


def _window_by_window(model, entry, image, target, boxes) -> torch.Tensor:
    """The reference: crop each window with PIL and run the network on it alone, one call per window."""
    import torch.nn.functional as F

    from cvcore.images import to_tensor

    mean, std = torch.tensor(entry.mean).view(1, 3, 1, 1), torch.tensor(entry.std).view(1, 3, 1, 1)
    scores = []
    with torch.inference_mode():
        for box in boxes.long().tolist():
            x = to_tensor(image.crop(tuple(box)))[None]  # [1, 3, window, window]
            x = F.interpolate(x, size=(entry.crop, entry.crop), mode="bilinear", align_corners=False, antialias=True)
            scores.append(model((x - mean) / std).softmax(-1)[0, target])
    return torch.stack(scores)


def test_batched_windows_give_the_scores_of_one_window_at_a_time_on_a_tiny_network():
    from cvcore import zoo
    from cvcore.detect import sliding

    torch.manual_seed(0)
    # Zero padding and batch norm: what a batch could get wrong if windows leaked into each other.
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3, stride=2, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU(),
                              torch.nn.Conv2d(6, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 5)).eval()
    net[1].running_mean.uniform_(-0.2, 0.2)
    net[1].running_var.uniform_(0.5, 2.0)
    net[-1].weight.data.mul_(20)  # scores spread over (0, 1) rather than all near 1/5
    entry = zoo.custom_entry("tiny", "tiny", "abcde", size=32, channels=3, cam_layer="3",
                             mean=(0.5, 0.4, 0.3), std=(0.25, 0.2, 0.3))
    image = shapes.scene(5, size=160).picture()
    reference = _window_by_window(net, entry, image, 3, sliding.window_boxes(160, 160, 48, 20)[0])
    assert len(reference) == 36  # floor((160 - 48) / 20) + 1 = 6 per side
    for batch in (None, 1, 4, 10, 36, 100):  # the default, one per call, a remainder, all at once, more than there are
        one = sliding.windows_one_by_one(net, entry, image, 3, window=48, stride=20, batch=batch)
        assert one.passes == 36 and one.grid.shape == (6, 6)
        torch.testing.assert_close(one.scores, reference, rtol=1e-4, atol=1e-6)
    every = sliding.window_probabilities(net, entry, image, window=48, stride=20)
    torch.testing.assert_close(every.probabilities.sum(1), torch.ones(36), rtol=0, atol=1e-5)
    for target in range(5):
        torch.testing.assert_close(every.for_class(target).grid, every.probabilities[:, target].view(6, 6))
    with pytest.raises(InvalidParameter, match="target must be a class index in \\[0, 4\\], got 5"):
        every.for_class(5)
    with pytest.raises(InvalidParameter, match="batch must be >= 1, got 0"):
        sliding.window_probabilities(net, entry, image, window=48, stride=20, batch=0)


def test_batched_windows_give_mobilenets_scores_of_one_window_at_a_time(mobilenet, entry):
    from cvcore import images
    from cvcore.detect import sliding

    image = images.sample_image("chelsea").convert("RGB")  # 451 x 300
    one = sliding.windows_one_by_one(mobilenet, entry, image, 285, window=224, stride=76)
    assert one.grid.shape == (2, 3)
    reference = _window_by_window(mobilenet, entry, image, 285, one.boxes)
    torch.testing.assert_close(one.scores, reference, rtol=1e-4, atol=1e-5)
    every = sliding.window_probabilities(mobilenet, entry, image, window=224, stride=76, batch=6)
    torch.testing.assert_close(every.for_class(285).scores, reference, rtol=1e-4, atol=1e-5)
    assert every.probabilities.shape == (6, 1000)


def test_coco_detectors_come_back_with_nms_off_and_explain_missing_weights(monkeypatch, tmp_path):
    from cvcore.detect import boxes, coco

    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("CVCORE_WEIGHTS_DIR", raising=False)
    ready, why = coco.status("retinanet")
    assert not ready and "retinanet_resnet50_fpn_coco-eeacb38b.pth" in why and "CVCORE_WEIGHTS_DIR" in why
    with pytest.raises(WeightsUnavailable, match="unavailable offline"):
        coco.build("ssdlite")
    torch.manual_seed(0)
    model = coco.build("ssdlite", pretrained=False)
    assert model.nms_thresh == 1.0 and model.detections_per_img == 1000
    model.score_thresh = 0.005  # random weights spread their probability over 91 classes
    b, s, labels = coco.raw_detections(model, shapes.scene(0, size=320).picture())
    assert b.shape[1] == 4 and len(b) == len(s) == len(labels) > 0
    keep = boxes.nms(b, s, iou_threshold=0.5, labels=labels)  # raw boxes overlap: NMS has work to do
    iou = boxes.box_iou(b[keep], b[keep]) * (labels[keep][:, None] == labels[keep][None, :]) - torch.eye(len(keep))
    assert len(keep) < len(b) and float(iou.max()) <= 0.5
    with pytest.raises(InvalidParameter, match="detector must be one of"):
        coco.build("yolo9000")


def test_an_image_without_objects_gives_sensible_empty_results():
    empty = shapes.scene(4, max_objects=0)
    assert len(empty.labels) == 0 and empty.boxes.shape == (0, 4) and int(empty.semantic.max()) == 0
    assert yolo.encode(empty.boxes, empty.labels, yolo.YoloConfig())[..., 0].sum() == 0
    model = yolo.load_tiny_yolo()
    (found,) = detection.detect(model, model.config, empty.image[None], score_threshold=0.6)
    assert len(found[0]) <= 1  # background only: at most a stray detection
    e = detection.average_precision([found], [(empty.boxes, empty.labels)], model.config.classes)
    assert e.recall == (0.0, 0.0, 0.0)
