"""What a learner waits for when tau moves, measured in Chromium against the real server.

AppTest reruns a whole page for every change; a running server reruns only the ``st.fragment`` that holds the
threshold slider. This times, in headless Chromium, an arrow-key press on the verification view's tau slider until
the verdict shows the new tau, against the same press on a one-slider page (``benchmarks/echo_page.py``) until
its script has written the new value back. Both servers run on 127.0.0.1.

    .venv/bin/python -m benchmarks.faces_browser
"""

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

sys.path.insert(0, str(ROOT))
from tests.conftest import free_port, stop


def serve(script: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` on a free port of 127.0.0.1 with ``env``; (process, URL) once it answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{script.name} did not start within 90 s")


def _presses(page, slider, shown, start: float, repeat: int) -> list[float]:
    """Arrow right, then left, alternately; each until ``shown(value)`` is on the page. Returns milliseconds."""
    times, value = [], start
    slider.focus()
    for i in range(repeat + 2):
        key, value = ("ArrowRight", round(value + 0.01, 2)) if i % 2 == 0 else ("ArrowLeft", round(value - 0.01, 2))
        t0 = time.perf_counter()
        slider.press(key)
        page.get_by_text(shown(value)).first.wait_for()
        times.append((time.perf_counter() - t0) * 1000)
    return times[2:]


def rows(repeat: int = 20) -> list[str]:
    from playwright.sync_api import sync_playwright

    weights = os.environ.get("CVCORE_WEIGHTS_DIR") or str(SHARED / "weights")
    env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu", CVCORE_WEIGHTS_DIR=weights)
    app, app_url = serve(ROOT / "app.py", env)
    echo, echo_url = serve(ROOT / "benchmarks" / "echo_page.py", env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(120_000)
            page.goto(f"{app_url}/faces")
            page.get_by_text("tau = 0.60").first.wait_for()  # detection and embeddings done, before any timing
            tau = _presses(page, page.get_by_role("slider").first, lambda v: f"tau = {v:.2f}", 0.60, repeat)
            page.goto(echo_url)
            page.get_by_text("value = 0.60").wait_for()
            ref = _presses(page, page.get_by_role("slider").first, lambda v: f"value = {v:.2f}", 0.60, repeat)
            browser.close()
    finally:
        for proc in (app, echo):
            stop(proc)
    ours, theirs = statistics.median(tau), statistics.median(ref)
    return [f"{'browser: tau moved until the verdict':40} {ours:10.1f} {'1-slider echo':>16} {theirs:8.1f} "
            f"{ours / theirs:7.2f}x (real server: only the fragment reruns)"]


if __name__ == "__main__":
    print("\n".join(rows()))
