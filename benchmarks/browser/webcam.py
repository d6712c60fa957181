"""Live video through the network, as a learner's browser gets it: frames per second that the server processes
over WebRTC from Chromium's fake camera (a y4m file at 30 frames/s, 640 x 480) on 127.0.0.1, for Inside a trained
CNN (MobileNetV2: top-5 and the 16 strongest maps of features.6) and Detection (the tiny YOLO and NMS), against the
same WebRTC path with an identity processor (``benchmarks/browser/webcam_page.py``) measured in the same run, and against
the per-frame work alone in this process (one thread, as the app runs).

    .venv/bin/python -m benchmarks.browser.webcam
"""

import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness import browser as chromium
from harness.browser import write_y4m
from harness.server import streamlit_app

SECONDS = 10.0  # counted after the first processed frames, once the stream has settled
_COUNT = re.compile(r"(\d+) frames so far")


def _pictures() -> dict[str, Image.Image]:
    from cvcore import images
    from cvcore.data import shapes

    scene = Image.new("RGB", (640, 480), (128, 128, 128))
    scene.paste(shapes.scene(1_000_080).picture().resize((480, 480), Image.NEAREST), (80, 0))
    return {"cat": images.sample_image("chelsea").convert("RGB").resize((640, 480)), "shapes": scene}


def _processed_rate(playwright, url: str, y4m: Path, seconds: float = SECONDS) -> float:
    """Frames per second the server processed, from the page's frame counter over ``seconds``."""
    browser = chromium.launch(playwright, video=y4m)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.set_default_timeout(120_000)
        page.goto(url)
        chromium.start_stream(page)
        line = page.get_by_text("frames so far").first
        line.wait_for()
        time.sleep(3.0)  # the first frames (model warm-up, the encoder's start) are not counted

        def count() -> tuple[float, int]:
            return time.monotonic(), int(_COUNT.search(line.inner_text()).group(1))

        t0, n0 = count()
        time.sleep(seconds)
        t1, n1 = count()
        return (n1 - n0) / (t1 - t0)
    finally:
        browser.close()


def _work_rate(work, frame: np.ndarray, repeat: int = 30) -> float:
    work(frame)
    start = time.perf_counter()
    for _ in range(repeat):
        work(frame)
    return repeat / (time.perf_counter() - start)


def rows() -> list[str]:
    from playwright.sync_api import sync_playwright

    from cvcore import zoo
    from cvcore.detect import live as detect_live
    from cvcore.inside import live as inside_live

    pictures = _pictures()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        videos = {name: write_y4m(Path(tmp) / f"{name}.y4m", pic, frames=2, fps=30) for name, pic in pictures.items()}
        with streamlit_app() as app, streamlit_app(script=Path(__file__).with_name("webcam_page.py")) as ref, \
                sync_playwright() as p:
            identity = _processed_rate(p, ref.url, videos["cat"])
            inside = _processed_rate(p, f"{app.url}/inside_cnn?pic_source=Live+camera", videos["cat"])
            detection = _processed_rate(p, f"{app.url}/detection?view=live", videos["shapes"])
            identity_after = _processed_rate(p, ref.url, videos["shapes"])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
        yolo = zoo.load_network("tiny_yolo")
        cat, shapes_frame = (np.asarray(pictures[n]) for n in ("cat", "shapes"))
        inside_alone = _work_rate(lambda f: inside_live.classify_frame(model, entry, f, layer="features.6"), cat)
        detect_alone = _work_rate(lambda f: detect_live.yolo_frame(yolo, f, score=0.2, iou=0.5), shapes_frame, 100)
    finally:
        torch.set_num_threads(threads)
    reference = (identity + identity_after) / 2
    lines.append(f"{'identity processor (same WebRTC path)':44} {reference:6.1f} frames/s (before {identity:.1f}, "
                 f"after {identity_after:.1f}; the camera sends 30)")
    for name, rate, alone in (("Inside: MobileNetV2 top-5 + 16 maps", inside, inside_alone),
                              ("Detection: tiny YOLO + NMS", detection, detect_alone)):
        lines.append(f"{name:44} {rate:6.1f} frames/s  {rate / reference:5.2f}x identity; the work alone "
                     f"{alone:6.1f} frames/s in one thread ({rate / alone:4.2f}x)")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
