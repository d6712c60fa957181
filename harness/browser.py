"""Debian's Chromium, headless, driven by Playwright (which never downloads a browser of its own): the launch
arguments of DESIGN.md, optionally a fake camera that plays a video file, and the few page helpers that the browser
tests and the browser benchmarks share.

    with chromium_page(viewport={"width": 1400, "height": 1800}) as page:
        page.goto(url + "/convolution")
"""

import os
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["CHROMIUM", "ARGS", "FAKE_CAMERA", "BrowserMissing", "launch_args", "launch", "chromium", "chromium_page",
           "write_y4m", "start_stream", "click_until", "key_class", "widget", "edit_cell"]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


class BrowserMissing(RuntimeError):
    """No Chromium at ``CHROMIUM``."""


def launch_args(video: Path | None = None) -> list[str]:
    """Chromium's arguments; with ``video`` (a y4m file, see ``write_y4m``), a camera that plays it in a loop and
    is allowed without asking."""
    return ARGS + (FAKE_CAMERA + [f"--use-file-for-fake-video-capture={video}"] if video else [])


def launch(playwright, video: Path | None = None):
    """Headless Chromium from ``playwright`` (sync or async: the async one returns an awaitable)."""
    if not Path(CHROMIUM).exists():
        raise BrowserMissing(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=launch_args(video))


@contextmanager
def chromium(video: Path | None = None):
    """A headless Chromium (sync Playwright), closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p, video)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_page(viewport: dict | None = None, timeout_ms: float = 60_000, video: Path | None = None):
    """A page of a fresh headless Chromium (``viewport`` 1400 x 1800 by default), closed at the end."""
    with chromium(video) as browser:
        page = browser.new_page(viewport=viewport or {"width": 1400, "height": 1800})
        page.set_default_timeout(timeout_ms)
        yield page


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


def start_stream(page, tries: int = 3) -> None:
    """Press the WebRTC component's Start until it turns into Stop (a click before its script is ready is lost);
    ``RuntimeError`` after ``tries`` presses."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    component = page.frame_locator('iframe[title*="webrtc"]')
    for _ in range(tries):
        component.get_by_role("button", name="Start").click()
        try:
            component.get_by_role("button", name="Stop").wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    raise RuntimeError(f"the stream did not start after {tries} presses of Start")


def click_until(page, points, in_link: str) -> None:
    """Click the page at ``points`` ((x, y) in page pixels) one after another until the link matches the regular
    expression ``in_link``: a click that lands before a chart listens for it, or between two of its marks, selects
    nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    test = f"() => /{in_link}/.test(window.location.search)"
    for x, y in points:
        page.mouse.click(x, y)
        try:
            page.wait_for_function(test, timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    page.wait_for_function(test)


def key_class(key: str) -> str:
    """The class Streamlit gives the element of a widget with key ``key``: ``conv.stride`` -> ``st-key-conv-stride``."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def widget(page, testid: str, key: str, label: str = ""):
    """The widget of kind ``testid`` (e.g. ``stNumberInput``): the element of key ``key`` (a key ending in ``*``
    matches every key with that start), else the first whose label starts with ``label``."""
    selector = (f'[class*="{key_class(key[:-1])}"]' if key.endswith("*") else f".{key_class(key)}")
    keyed = page.locator(selector).locator(f'[data-testid="{testid}"]')
    if keyed.count() or not label:
        return keyed.first
    name = page.locator('[data-testid="stWidgetLabel"]').filter(has_text=re.compile("^" + re.escape(label)))
    return page.locator(f'[data-testid="{testid}"]').filter(has=name).first


def edit_cell(key: str, row: int, column: int, values: tuple[str, str]):
    """A data editor's cell (``row``, ``column``; 0-based data rows, columns counted after the index): click its
    row, move to the column with the arrow keys (the grid is a canvas: its accessible table says which cell is
    selected), Enter to open the cell's editor, type the value, then Enter. Returns ``act(page, i, arm)``, the
    ``i``-th change (``values[i % 2]``), calling ``arm()`` just before the last Enter."""
    def act(page, i, arm):
        grid = widget(page, "stDataFrame", key)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 35 * (row + 1) + 17)  # 35-px header and rows
        want = column + 2  # aria-colindex: 1 is the index
        in_row = f'tr[aria-rowindex="{row + 2}"] td[aria-selected="true"]'  # aria-rowindex 1 is the header
        selected = grid.locator(in_row).first
        selected.wait_for(state="attached", timeout=10_000)
        at = int(selected.get_attribute("aria-colindex"))
        while at != want:
            key_name, at = ("ArrowRight", at + 1) if at < want else ("ArrowLeft", at - 1)
            page.keyboard.press(key_name)
            grid.locator(f'{in_row}[aria-colindex="{at}"]').wait_for(state="attached", timeout=10_000)
        page.keyboard.press("Enter")  # opens the cell's editor
        editor = page.locator("input.gdg-input, textarea.gdg-input").first
        editor.fill(values[i % 2])
        arm()
        editor.press("Enter")
    return act
