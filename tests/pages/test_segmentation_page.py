"""The Segmentation page in AppTest: the five tasks, the class map with its IoU, and instances."""

import torch

from labs.segmentation.settings import SegmentationSettings as S
from tests.pages.conftest import errors, image_captions, texts

CLASSES = ["background", "ellipse", "rectangle", "triangle"]


def _default_scene():
    """The page's default scene and the segmentation network's class for every pixel of it (Tensor[128, 128])."""
    from cvcore import zoo
    from cvcore.data import shapes

    scene = shapes.scene(S.field("seed").default)
    with torch.inference_mode():
        return scene, zoo.load_network("tiny_fcn")(scene.image[None]).argmax(1)[0]


def _markdown(at, start: str) -> str:
    found = [m.value for m in at.markdown if m.value.startswith(start)]
    assert len(found) == 1, [m.value for m in at.markdown]
    return found[0]


def test_five_tasks_on_one_image(open_page):
    at = open_page("segmentation")
    assert errors(at) == []
    captions = image_captions(at)
    assert captions[0].startswith("1. Classification: ")
    assert any(c.startswith("4. Semantic segmentation") for c in captions)
    assert any(c.startswith("5. Instance segmentation: ") for c in captions)


def test_a_class_for_every_pixel_with_the_u_shape_and_iou(open_page):
    at = open_page("segmentation", view="segment")
    assert errors(at) == []
    # The IoU of each class in this image, counted here pixel by pixel: right / (predicted + true - right).
    scene, pred = _default_scene()
    expected = {}
    for c, name in enumerate(CLASSES):
        right = int(((pred == c) & (scene.semantic == c)).sum())
        union = int((pred == c).sum()) + int((scene.semantic == c).sum()) - right
        if union:
            expected[name] = right / union
    line = _markdown(at, "**This image**: IoU per class ")
    shown = dict(part.rsplit(" ", 1) for part in line.removeprefix("**This image**: IoU per class ").rstrip(".").split(", "))
    assert list(shown) == list(expected) and "background" in shown
    assert all(abs(float(shown[name]) - iou) <= 0.005 for name, iou in expected.items()), (shown, expected)
    table = at.dataframe[0].value
    assert list(table["class"]) == CLASSES
    assert all(0.5 <= v <= 1 for v in table["IoU, first 100 of them (now)"])
    # The training script's numbers, as saved beside the weights.
    from cvcore.detect import segmentation

    saved = torch.load(segmentation.ASSET, weights_only=True)
    assert list(table["IoU, 300 held-out scenes (training script)"]) == [round(float(v), 3) for v in saved["iou"]]
    assert _markdown(at, "**Mean IoU ").startswith(f"**Mean IoU {float(saved['mean_iou']):.3f}** on scenes")


def test_instances_and_an_upload_that_is_missing(open_page):
    at = open_page("segmentation", view="instances")
    assert errors(at) == []
    from cvcore.detect import segmentation

    scene, pred = _default_scene()
    _, found = segmentation.instances(pred)
    assert _markdown(at, "A semantic map says").endswith(f" The scene really has {len(scene.labels)} objects.")
    table = at.dataframe[0].value
    assert list(table["instance"]) == list(range(1, len(found) + 1)) and len(found) >= 1
    assert list(table["class"]) == [CLASSES[f.label] for f in found]
    assert list(table["pixels"]) == [f.pixels for f in found]
    at.radio(key="seg.source").set_value("upload").run()
    assert errors(at) == [] and "No drawing yet" in texts(at)
