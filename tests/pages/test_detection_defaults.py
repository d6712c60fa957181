"""The NMS part's default scene and thresholds show NMS doing its job: every object of the scene is found, once.

The reference is torchvision's ``batched_nms`` (per class, as the page's default) applied to the tiny YOLO's raw
boxes; the truth is the scene generator's own boxes and classes."""

import torch
import torchvision

from cvcore.data import shapes
from cvcore.detect import boxes, yolo
from labs.detection.settings import DetectionSettings as S
from tests.pages.conftest import errors, texts


def _defaults():
    seed, score, iou = S.field("nms_seed").default, S.field("score").default, S.field("iou").default
    model = yolo.load_tiny_yolo()
    scene = shapes.scene(seed)
    with torch.inference_mode():
        vectors = yolo.decode(model(scene.image[None]), model.config)[0]
    b, s, labels = yolo.detections(vectors, model.config)
    return scene, b, s, labels, score, iou


def test_the_default_scene_keeps_one_box_per_object_and_finds_every_object():
    scene, b, s, labels, score, iou = _defaults()
    assert S.field("per_class").default and S.field("method").default == "greedy"
    above = (s > score).nonzero().flatten()
    reference = above[torchvision.ops.batched_nms(b[above], s[above], labels[above], iou)]
    kept = boxes.nms(b, s, iou_threshold=iou, score_threshold=score, labels=labels)
    torch.testing.assert_close(kept, reference)
    assert len(above) >= len(scene.boxes) + 3  # NMS has duplicates to remove, not just the objects
    overlap = torchvision.ops.box_iou(b[reference], scene.boxes)  # [kept, objects]
    match = overlap >= 0.5
    assert len(reference) == len(scene.boxes) >= 3
    assert match.sum(0).tolist() == [1] * len(scene.boxes)  # every object found exactly once
    assert match.sum(1).tolist() == [1] * len(reference)  # no box in between two objects, none on nothing
    assert labels[reference][overlap.argmax(0)].tolist() == scene.labels.tolist()  # with the right class
    agnostic = above[torchvision.ops.nms(b[above], s[above], iou)]
    assert sorted(agnostic.tolist()) == sorted(reference.tolist())  # the Per class toggle alone changes nothing here


def test_the_page_keeps_what_torchvision_keeps_and_counts_in_words(open_page):
    scene, b, s, labels, score, iou = _defaults()
    at = open_page("detection", view="nms")
    reference = boxes.nms(b, s, iou_threshold=iou, score_threshold=score, labels=labels)
    assert errors(at) == [] and f"**Kept after NMS: {len(scene.boxes)} boxes**" in texts(at)
    assert at.success[0].value.endswith(f"in the same order: {reference.tolist()}")
    top = float(s.max())
    at = open_page("detection", view="nms", score=f"{top - 0.01:.2f}")
    assert errors(at) == [] and "**Kept after NMS: 1 box**" in texts(at)
