"""End to end: live video through the network over WebRTC, in Chromium with a fake camera that plays a known picture
(a y4m file: the sample cat for Inside, a shapes scene for Detection). Frames go to the server on 127.0.0.1, through
the network, and back: the page's results line names what the network saw, and the returned video plays."""

import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from harness import browser as chromium
from harness.browser import write_y4m

pytestmark = pytest.mark.e2e

_PLAYING = """() => { const f = [...document.querySelectorAll('iframe')].find(i => i.title.includes('webrtc'));
  const v = f && f.contentDocument && f.contentDocument.querySelector('video');
  return v ? [v.videoWidth, v.currentTime] : null; }"""


@contextmanager
def _camera_page(y4m: Path):
    """A page of a headless Chromium whose camera plays ``y4m`` (closed at the end)."""
    try:
        with chromium.chromium_page({"width": 1400, "height": 1500}, video=y4m) as page:
            yield page
    except chromium.BrowserMissing as exc:
        pytest.fail(str(exc))


def _stream(page, url: str, results: str) -> str:
    """Open ``url``, press Start in the WebRTC component, and wait for the processed video to play and for the results
    line (which contains ``results``) to come back; returns that line."""
    page.goto(url)
    chromium.start_stream(page)
    line = page.get_by_text("frames/s processed").first
    line.wait_for()
    page.wait_for_function(f"() => document.body.innerText.includes({results!r})")
    first = page.evaluate(_PLAYING)
    time.sleep(1.0)
    later = page.evaluate(_PLAYING)
    assert first and first[0] > 0, first  # the returned video has frames
    assert later[1] > first[1], (first, later)  # and it keeps playing
    return line.inner_text()


def test_inside_live_camera_classifies_the_frames(app_server, tmp_path, artifacts_dir):
    from cvcore import images

    cat = write_y4m(tmp_path / "cat.y4m", images.sample_image("chelsea").convert("RGB").resize((640, 480)))
    with _camera_page(cat) as page:
        line = _stream(page, f"{app_server}/inside_cnn?pic_source=Live+camera", "Top-5:")
        assert "cat" in line.split("Top-5:")[1].split(",")[0], line  # the sample cat, seen through the camera
        page.screenshot(path=str(artifacts_dir / "e2e-webcam-inside.png"), full_page=True)
        page.get_by_text("Grad-CAM", exact=True).click()  # the running stream takes the new view at its next frame
        page.wait_for_function("() => document.body.innerText.includes('Over the crop: the Grad-CAM of')")
        assert page.frame_locator('iframe[title*="webrtc"]').locator("button").first.inner_text().lower() == "stop"
        # the returned video turns into the crop with its heatmap: 224 px wide instead of crop + maps
        page.wait_for_function(f"() => {{ const p = ({_PLAYING})(); return p && p[0] === 224; }}", timeout=20_000)
        time.sleep(0.5)
        page.screenshot(path=str(artifacts_dir / "e2e-webcam-inside-gradcam.png"), full_page=True)


def test_detection_live_camera_finds_the_shapes(app_server, tmp_path, artifacts_dir):
    from cvcore.data import shapes

    scene = shapes.scene(1_000_080)  # the held-out scene of the NMS view: four shapes the tiny YOLO gets right
    picture = Image.new("RGB", (640, 480), (128, 128, 128))
    picture.paste(scene.picture().resize((480, 480), Image.NEAREST), (80, 0))
    video = write_y4m(tmp_path / "shapes.y4m", picture)
    with _camera_page(video) as page:
        line = _stream(page, f"{app_server}/detection?view=live", "kept by NMS")
        kept = int(line.split(" kept by NMS")[0].split(", ")[-1])
        assert kept == len(scene.boxes), line  # one box per shape after NMS
        page.screenshot(path=str(artifacts_dir / "e2e-webcam-detection.png"), full_page=True)
        page.get_by_role("slider").first.press("End")  # score threshold 1: the next frames keep nothing
        page.wait_for_function("() => document.body.innerText.includes('score > 1, 0 kept by NMS')")
