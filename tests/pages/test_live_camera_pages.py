"""The live-camera modes of Inside and Detection in AppTest, which has no server to stream to: each says so and
offers the still camera in its place, its controls work, and a COCO detector without weights is named, not a
traceback. (The streaming itself is tested in Chromium: tests/e2e/test_webcam_browser.py.)"""

from labs.detection.settings import DetectionSettings as D
from labs.inside_cnn.settings import LIVE
from labs.inside_cnn.settings import InsideSettings as S
from tests.pages.conftest import errors


def _infos(at) -> str:
    return " ".join(i.value for i in at.info)


def test_inside_live_camera_without_a_server_offers_the_still_camera(open_page):
    at = open_page("inside_cnn", sections_open=False, pic_source=LIVE)
    assert errors(at) == [] and not at.exception
    assert "Live video is not available on this server" in _infos(at)
    assert len(at.get("camera_input")) == 1
    assert at.radio(key=S.key("live_view")).value == "maps"
    assert at.selectbox(key=S.key("layer")).value == "features.6"  # a third of the way in, as in the maps view
    at.radio(key=S.key("live_view")).set_value("grad_cam").run()
    assert not at.exception and at.selectbox(key=S.key("cam_layer")).value == "features.18"
    assert at.query_params["pic_source"] == LIVE and at.query_params["live_view"] == "grad_cam"  # the link reopens it
    assert not at.get("plotly_chart")  # the still image's prediction is not computed


def test_detection_live_camera_cards_and_missing_detectors(isolated, open_page):
    from cvcore.detect import coco

    at = open_page("detection", sections_open=False, view="live")
    assert errors(at) == [] and not at.exception
    assert [b.label for b in at.get("download_button")] == ["Cards to print (PDF, A4)", "Cards to print (PNG)"]
    assert "Live video is not available on this server" in _infos(at)
    at.selectbox(key=D.key("live_source")).set_value("fasterrcnn").run()
    assert not at.exception and errors(at) == [] and not at.warning
    # No weights folder and an empty hub cache (``isolated``), offline: the notice names the detector and says why,
    # in the box that stands where the video would be, and no camera is offered for a detector that cannot run.
    ready, why = coco.status("fasterrcnn")
    assert not ready and why.startswith("offline, and ")
    label = coco.DETECTORS["fasterrcnn"].label
    assert label.startswith("Faster R-CNN")
    assert [i.value for i in at.info] == [f"**{label} is not available here:** {why}. The tiny YOLO works offline."]
