"""The Localization-and-detection page in AppTest: every part, live thresholds, and bad settings."""

import pytest
import torch

from cvcore.data import shapes
from cvcore.detect import boxes, yolo
from labs.detection.settings import DetectionSettings as S
from tests.pages.conftest import errors, texts


def _frames(at) -> list:
    return [d.value for d in at.dataframe]


def test_target_vector_and_both_losses(open_page):
    at = open_page("detection")
    assert errors(at) == []
    target = _frames(at)[0]
    s = shapes.scene(7)
    x1, y1, x2, y2 = s.boxes[0].tolist()
    assert target["y"][0] == "1" and float(target["y"][1]) == pytest.approx((x1 + x2) / 2 / 128, abs=1e-3)
    assert float(target["y"][3]) == pytest.approx((y2 - y1) / 128, abs=1e-3)
    squared = float(at.metric[0].value)
    at.radio(key="det.form").set_value("practical").run()
    loss = _frames(at)[-1]
    assert list(loss["loss"]) == ["logistic", "squared error", "cross-entropy"]
    assert float(at.metric[0].value) != squared
    at.selectbox(key="det.object").set_value(-1).run()
    assert list(_frames(at)[0]["y"][1:]) == ["?"] * 7 and len(_frames(at)[-1]) == 1
    at.toggle(key="det.landmarks").set_value(True)
    at.selectbox(key="det.object").set_value(0).run()
    assert "l_x4" in list(_frames(at)[0]["entry"]) and errors(at) == []


def test_iou_with_numbers_and_a_bad_box(open_page):
    at = open_page("detection", view="iou")
    parts = boxes.iou_parts((1, 1, 5, 4), (3, 2, 7, 6))
    assert f"= {parts.iou:.4f}" in texts(at)
    assert f"torchvision.ops.box_iou` gives {parts.iou:.4f}" in texts(at)
    at.slider(key="det.ax2").set_value(0.5).run()
    assert errors(at) == ["Box A needs x1 < x2 and y1 < y2, got (1.0, 1.0, 0.5, 4.0)."]


def test_nms_steps_agree_with_torchvision_and_thresholds_rerun_only_nms(open_page):
    at = open_page("detection", view="nms", score="0.3", iou="0.4")
    assert errors(at) == [] and at.success[0].value.startswith("torchvision's batched_nms keeps the same boxes")
    slider = at.slider(key="det.nms_step")
    assert slider.max >= 4
    at.slider(key="det.nms_step").set_value(2).run()
    model = yolo.load_tiny_yolo()
    with torch.inference_mode():
        vectors = yolo.decode(model(shapes.scene(S.field("nms_seed").default).image[None]), model.config)[0]
    b, s, labels = yolo.detections(vectors, model.config)
    trace = boxes.nms_steps(b, s, iou_threshold=0.4, score_threshold=0.3, labels=labels)
    assert f"**Pick** box {trace.steps[1].picked} (" in texts(at)
    at.slider(key="det.iou").set_value(0.9).run()
    at.toggle(key="det.per_class").set_value(False).run()
    assert errors(at) == [] and at.success[0].value.startswith("torchvision's nms keeps the same boxes")
    at.radio(key="det.method").set_value("soft").run()
    assert errors(at) == [] and "exp(-IoU^2 / 0.5)" in texts(at)


def test_nothing_above_the_score_threshold(open_page):
    at = open_page("detection", view="nms", score="1")
    assert errors(at) == [] and "No box is above the score threshold" in texts(at)


def test_yolo_grid_volume_assignment_and_accuracy(open_page):
    at = open_page("detection", view="yolo", row="2", col="1")
    assert errors(at) == []
    assert "**4 x 4 x 3 x 8** (384 numbers)" in texts(at)
    cell, assignment, evaluation = _frames(at)[0], _frames(at)[1], _frames(at)[2]
    assert len(cell) == 5 + len(shapes.CLASSES) and list(cell.columns)[1:3] == ["1: y", "1: ŷ"]
    assert list(evaluation["class"]) == list(shapes.CLASSES)
    assert all(0 <= v <= 1 for v in evaluation["AP@0.5"])
    s = shapes.scene(S.field("nms_seed").default)
    assert len(assignment) == len(s.labels)


def test_sliding_windows_one_by_one_and_convolutional(open_page):
    at = open_page("detection", view="sliding", window="224", pic="chelsea")
    assert errors(at) == []
    info = at.info[0].value
    assert "faster" in info and "correlation" in info
    assert "Windows of **224x224** pixels every **32.0** pixels" in texts(at)


def test_the_nms_code_runs_and_keeps_what_the_page_keeps(open_page):
    import subprocess
    import sys

    from tests.conftest import ROOT

    at = open_page("detection", view="nms", score="0.3", iou="0.4")
    code = next(c.value for c in at.code if "batched_nms" in c.value)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"kept {at.success[0].value.split(': ')[1]}"


def test_a_coco_detector_without_weights_is_explained(open_page):
    at = open_page("detection", view="nms", source="retinanet")
    assert errors(at) == [] and "RetinaNet (ResNet-50 FPN, COCO) is unavailable here" in texts(at)


def test_sliding_windows_with_a_stride_and_several_scales(open_page):
    at = open_page("detection", view="sliding", pic="chelsea", window="160", stride="40", scales="0.75,1,1.5")
    assert errors(at) == []
    assert "Windows of **160x160** pixels every **40.0** pixels: **" in texts(at)
    assert "do not line up" in texts(at)
    assert at.multiselect(key="det._scales").value == [0.75, 1.0, 1.5]
