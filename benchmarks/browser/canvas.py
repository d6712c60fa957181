"""What a learner waits for after a stroke on the drawing canvas, in Chromium against the real server.

In *Build your own CNN*'s "Draw a digit and watch the network" (the shipped digits CNN, before any training), a
stroke is drawn with Playwright's mouse; the time runs from the mouse-up (the pointer event, as the page sees it)
until the changed prediction, Grad-CAM and feature maps are on screen and the page has settled, decided by
``benchmarks/browser/controls.py``'s in-page probe. The reference is the same probe on the one-slider echo page
(``benchmarks/browser/echo_page.py``, a second server in the same run): an arrow key on its slider until the new value is
written back. Strokes and echo changes are interleaved; medians.

The canvas itself waits 200 ms after a stroke ends before it sends the drawing (a debounce in the component's
frontend, so that a burst of strokes is sent once), so a stroke cannot come within 200 ms of the echo page's time; the
row also gives the time less that wait.

    .venv/bin/python -m benchmarks.browser.canvas [--repeat 7]
"""

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.browser import controls as browser

_CANVAS = ".st-key-build-canvas canvas"
# ``arm()`` listens for the first key or pointer press; a stroke's input is its release, so that is the start here.
_ARM_ON_RELEASE = """() => {
  window.__bench.arm();
  window.addEventListener("pointerup", (e) => { if (window.__bench.t0 === null) window.__bench.t0 = e.timeStamp; },
                          {capture: true, once: true});
}"""


def _stroke(page, i: int) -> None:
    """Stroke ``i``: a short segment somewhere else on the 280x280 canvas each time, drawn up to the release."""
    box = page.locator(_CANVAS).last.bounding_box()
    x, y = box["x"] + 60 + (i * 47) % 160, box["y"] + 50 + (i * 31) % 120
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + 6 * step, y + 12 * step, steps=2)


def _timed_stroke(page, i: int) -> float:
    page.bring_to_front()
    _stroke(page, i)
    page.evaluate(_ARM_ON_RELEASE)
    page.mouse.up()
    return page.evaluate("([s, t, o]) => window.__bench.changed(s, t, o)",
                         [browser.SETTLE_MS, browser.CHANGE_TIMEOUT_MS, True])


def measure(repeat: int = 7, warmup: int = 1) -> browser.Row:
    from playwright.sync_api import sync_playwright

    env = browser.server_env()
    ours, ref = [], []
    with sync_playwright() as p, browser.probed_pages(p) as (page, echo), \
            browser.server(ROOT / "app.py", ROOT, env) as app, browser.server(browser.ECHO_PAGE, ROOT, env) as echo_server:
        browser.open_page(page, f"{app.url}/build_cnn")
        page.get_by_text("Draw a digit on the black square").wait_for()
        page.locator(_CANVAS).last.scroll_into_view_if_needed()
        browser.open_page(echo, echo_server.url)
        for i in range(warmup + repeat):
            ms = _timed_stroke(page, i)
            if "The network reads a" not in page.locator(".stMain").inner_text():
                raise RuntimeError(f"stroke {i}: no prediction on the page")
            ref_ms = browser.timed(echo, lambda arm, i=i: browser.ECHO(echo, i, arm))
            if i >= warmup:
                ours.append(ms)
                ref.append(ref_ms)
    ms, ref_ms = statistics.median(ours), statistics.median(ref)
    return browser.Row("Build: canvas stroke (mouse up) to prediction", ms, ref_ms, "echo", "", True, ours, ref)


COMPONENT_WAIT_MS = 200  # the canvas's debounce before it sends a finished stroke


def rows(repeat: int = 7) -> list[str]:
    row = measure(repeat)
    ours = row.ms - COMPONENT_WAIT_MS
    return [f"{row.name:48} {row.ms:9.1f} {'1-slider echo':>14} {row.ref_ms:8.1f} {row.ratio:7.2f}x",
            f"{'  the same less the canvas own 200 ms wait':48} {ours:9.1f} {'1-slider echo':>14} {row.ref_ms:8.1f} "
            f"{ours / row.ref_ms:7.2f}x  (strokes {[round(t) for t in row.times]} ms, echo "
            f"{[round(t) for t in row.ref_times]} ms)"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    print("\n".join(rows(parser.parse_args().repeat)))
