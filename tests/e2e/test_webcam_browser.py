"""End to end: live video through the network over WebRTC, in Chromium with a fake camera that plays a known picture
(a y4m file: the sample cat for Inside, a shapes scene for Detection). Frames go to the server on 127.0.0.1, through
the network, and back: the page's results line names what the network saw, and the returned video plays."""

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.e2e

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
_PLAYING = """() => { const f = [...document.querySelectorAll('iframe')].find(i => i.title.includes('webrtc'));
  const v = f && f.contentDocument && f.contentDocument.querySelector('video');
  return v ? [v.videoWidth, v.currentTime] : null; }"""


def write_y4m(path: Path, picture: Image.Image, frames: int = 2, fps: int = 15) -> Path:
    """``picture`` as a short YUV 4:2:0 video (what Chromium's --use-file-for-fake-video-capture plays in a loop)."""
    rgb = np.asarray(picture.convert("RGB"), dtype=np.float32)
    h, w = rgb.shape[:2]
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b  # BT.601 full range, as the C420jpeg tag says
    u = (b - y) * 0.564 + 128
    v = (r - y) * 0.713 + 128
    planes = [y] + [c.reshape(h // 2, 2, w // 2, 2).mean((1, 3)) for c in (u, v)]
    data = b"".join(np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in planes)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + data)
    return path


@contextmanager
def _camera_page(y4m: Path):
    """A page of a headless Chromium whose camera plays ``y4m`` (closed at the end)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=ARGS + FAKE_CAMERA + [f"--use-file-for-fake-video-capture={y4m}"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def start(page, tries: int = 3) -> None:
    """Press the WebRTC component's Start until it turns into Stop (a click before its script is ready is lost)."""
    component = page.frame_locator('iframe[title*="webrtc"]')
    for _ in range(tries):
        component.get_by_role("button", name="Start").click()
        try:
            component.get_by_role("button", name="Stop").wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail(f"the stream did not start after {tries} presses of Start")


def _stream(page, url: str, results: str) -> str:
    """Open ``url``, press Start in the WebRTC component, and wait for the processed video to play and for the results
    line (which contains ``results``) to come back; returns that line."""
    page.goto(url)
    start(page)
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
