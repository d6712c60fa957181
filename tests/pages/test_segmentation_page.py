"""The Segmentation page in AppTest: the five tasks, the class map with its IoU, and instances."""

from tests.pages.conftest import errors, image_captions, texts


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
    assert "**This image**: IoU per class background" in texts(at)
    table = at.dataframe[0].value
    assert list(table["class"]) == ["background", "ellipse", "rectangle", "triangle"]
    assert all(0.5 <= v <= 1 for v in table["IoU, first 100 of them (now)"])
    assert "**Mean IoU" in texts(at)


def test_instances_and_an_upload_that_is_missing(open_page):
    at = open_page("segmentation", view="instances")
    assert errors(at) == [] and "The scene really has" in texts(at)
    assert len(at.dataframe[0].value) >= 1
    at.radio(key="seg.source").set_value("upload").run()
    assert errors(at) == [] and "No drawing yet" in texts(at)
