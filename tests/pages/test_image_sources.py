"""Changing a lab's image source (a sample, an upload, the camera, a drawing, the live camera) keeps every other
setting, on the server and in what the browser shows, in every lab that has one."""

import io

import pytest
from PIL import Image

from cvcore import faces
from labs.convolution.settings import ConvSettings
from labs.faces.settings import FacesSettings
from labs.inside_cnn.settings import LIVE, InsideSettings
from labs.pooling.settings import PoolSettings
from labs.segmentation.settings import SegmentationSettings
from labs.style_transfer.settings import StyleTransferSettings
from tests.pages.conftest import chart_texts, errors, texts
from tests.pages.mounts import keyed, mismatches
from tests.shared_data import shared_path

_MISSING = "<not in the session>"


def _picture(fmt: str, image: Image.Image | None = None) -> bytes:
    buffer = io.BytesIO()
    (image or Image.linear_gradient("L").resize((160, 120))).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def _held(at, settings, leave_out=()) -> dict:
    state = at.session_state
    return {name: state[settings.key(name)] if settings.key(name) in state else _MISSING
            for name in settings.SETTINGS if name not in leave_out}


def _walk(at, settings, source_key: str, sources, *, upload_key=None, camera_key=None, leave_out=(), shows=None,
          picture: Image.Image | None = None):
    """Choose each source in turn (feeding the uploader and the camera ``picture``, a gradient by default, where
    they appear); after each run
    every setting but the source is as before, the widgets drawn again show their values, and ``shows(at)`` holds."""
    before = _held(at, settings, leave_out)
    for source in sources:
        drawn = set(keyed(at, settings.NS))
        at.radio(key=source_key).set_value(source).run()
        png, jpeg = ("mine.png", _picture("PNG", picture), "image/png"), ("shot.jpg", _picture("JPEG", picture), "image/jpeg")
        feed = {"Upload": (upload_key, "file_uploader", png), "upload": (upload_key, "file_uploader", png),
                "Upload a drawing": (upload_key, "file_uploader", png),
                "Camera": (camera_key, "camera_input", jpeg)}.get(source)
        steps = [f"source {source}"]
        if feed is not None and feed[0] is not None:
            key, kind, file = feed
            assert not at.exception, at.exception
            assert _held(at, settings, leave_out) == before, steps
            assert mismatches(at, settings.NS, drawn) == {}, steps
            drawn = set(keyed(at, settings.NS))
            getattr(at, kind)(key=key).set_value(file).run()
            steps.append(f"a picture in {key}")
        assert not at.exception, at.exception
        assert not errors(at), errors(at)
        assert _held(at, settings, leave_out) == before, steps
        assert mismatches(at, settings.NS, drawn) == {}, steps
        if shows is not None:
            shows(at, source)


def _set(at, changes):
    for kind, key, value in changes:
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, at.exception


def _inside_shows(at, source):
    if source != LIVE:
        assert "features.10: channels sorted by max" in texts(at) + chart_texts(at), source  # the grid's title


def test_inside_keeps_the_view_the_layer_and_the_overlay_through_every_source(open_page):
    at = open_page("inside_cnn", sections_open=False)
    _set(at, [("selectbox", "inside.layer", "features.10"), ("selectbox", "inside.sort", "max"),
              ("slider", "inside.alpha", 0.8), ("selectbox", "inside.colormap", "inferno"),
              ("number_input", "inside.channel", 5)])
    _walk(at, InsideSettings, "inside.pic_source", ["Upload", "Camera", LIVE, "Sample"],
          upload_key="inside.pic_upload", camera_key="inside.pic_camera", leave_out=("pic_source",), shows=_inside_shows)


def test_inside_keeps_the_heatmap_settings_through_an_upload(open_page):
    at = open_page("inside_cnn", sections_open=False, view="heatmaps")
    _set(at, [("slider", "inside.alpha", 0.3), ("selectbox", "inside.colormap", "jet")])
    _walk(at, InsideSettings, "inside.pic_source", ["Upload", "Sample"], upload_key="inside.pic_upload",
          leave_out=("pic_source",))


def test_the_convolution_photo_keeps_the_kernel_and_stride_through_every_source(open_page):
    at = open_page("convolution")
    _set(at, [("number_input", "conv.stride", 2), ("toggle", "conv.pic_gray", False)])
    _walk(at, ConvSettings, "conv.pic_source", ["Upload", "Camera", "Sample"], upload_key="conv.pic_upload",
          camera_key="conv.pic_camera", leave_out=("pic_source",))


def test_the_pooling_photo_keeps_the_window_through_every_source(open_page):
    at = open_page("pooling")
    _set(at, [("number_input", "pool.size", 3), ("number_input", "pool.stride", 1)])
    _walk(at, PoolSettings, "pool.pic_source", ["Upload", "Camera", "Sample"], upload_key="pool.pic_upload",
          camera_key="pool.pic_camera", leave_out=("pic_source",))


def test_face_verification_keeps_the_threshold_through_every_source(open_page, monkeypatch):
    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(shared_path("weights")))
    monkeypatch.delenv("CVCORE_FACES_DIR", raising=False)
    at = open_page("faces")
    _set(at, [("slider", "faces.tau", 0.9)])
    _walk(at, FacesSettings, "faces_b_source", ["Upload", "Camera", "Sample"], upload_key="faces_b_upload",
          camera_key="faces_b_camera", picture=faces.sample_faces()["astronaut_dark"][1])


def test_style_transfer_keeps_its_settings_through_every_content_source(open_page):
    at = open_page("style_transfer")
    _set(at, [("slider", "style.size", 128), ("number_input", "style.steps", 50)])
    _walk(at, StyleTransferSettings, "style.content_source", ["Upload", "Camera", "Sample"],
          upload_key="style.content_upload", camera_key="style.content_camera", leave_out=("content_source",))


def test_segmentation_keeps_the_overlay_through_every_source(open_page):
    at = open_page("segmentation", view="segment")
    _set(at, [("slider", "seg.alpha", 0.8)])
    _walk(at, SegmentationSettings, "seg.source", ["draw", "upload", "scene"], upload_key="seg.upload",
          leave_out=("source",))


@pytest.mark.parametrize("source", ["Draw", "Upload a drawing"])
def test_inside_with_the_digits_network_keeps_the_layer_through_the_digit_sources(open_page, source):
    at = open_page("inside_cnn", sections_open=False, model="digits_cnn")
    assert not errors(at), errors(at)
    _set(at, [("slider", "inside.alpha", 0.8)])
    _walk(at, InsideSettings, "inside.digit_source", [source, "Validation digit"], upload_key="inside.digit_upload",
          leave_out=("digit_source",))
