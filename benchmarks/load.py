"""Many learners at once: the app on 127.0.0.1 and N headless Chromium sessions walking through several labs.

    make load                       # 10 sessions, then 20 (SESSIONS="10 20" by default)
    .venv/bin/python benchmarks/load.py --sessions 10 20 30 --minutes 3

Each session (its own browser context, so its own Streamlit session) repeats a walk until the time is up:
open the Convolution lab and change the stride; open Inside a trained CNN (MobileNetV2 on a photo, top-5)
and switch to its heatmaps; open Learning a filter, press Train and Stop two seconds later; open Neural style transfer, press Start
and Stop two seconds later; open Pooling.
An interaction's latency runs from the click (or the navigation) until the page is drawn and Streamlit's
"running" indicator is gone (the two seconds of training before each Stop are not counted). Recorded: p50/p95 latency, errors (timeouts, tracebacks, failed steps),
the server's peak RSS and its CPU use. Not part of `make test`.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port
from tests.e2e.test_browser import ARGS, CHROMIUM

IDLE = '[data-testid="stStatusWidget"]'  # shown while a script run is in progress


def _proc_stats(pid: int) -> tuple[float, float]:
    """(RSS in MB, CPU seconds) of a process."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Monitor(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.start_cpu = _proc_stats(pid)[1]
        self.start_wall = time.monotonic()

    def run(self):
        while not self.done.wait(0.5):
            self.peak = max(self.peak, _proc_stats(self.pid)[0])

    def stop(self) -> tuple[float, float]:
        """(peak RSS MB, mean CPU use in cores)."""
        self.done.set()
        self.join()
        cpu = _proc_stats(self.pid)[1] - self.start_cpu
        return self.peak, cpu / (time.monotonic() - self.start_wall)


async def _idle(page, timeout_ms: int = 60_000) -> None:
    await page.wait_for_timeout(150)
    await page.locator(IDLE).wait_for(state="hidden", timeout=timeout_ms)


async def _timed(latencies, errors, name, action):
    start = time.monotonic()
    try:
        paused = await action() or 0.0  # seconds the walk itself waited on purpose, not the server
        latencies.append((name, time.monotonic() - start - paused))
    except Exception as exc:  # a timeout or a missing element: counted, the walk goes on
        errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")


async def _session(browser, url: str, until: float, latencies, errors, walks):
    context = await browser.new_context(viewport={"width": 1280, "height": 1400})
    page = await context.new_page()
    page.set_default_timeout(60_000)

    async def conv_open():
        await page.goto(f"{url}/convolution")
        await page.get_by_text("Step (of 16)").wait_for()
        await _idle(page)

    async def conv_stride():
        stride = page.get_by_label("Stride s")
        await stride.fill("2")
        await stride.press("Enter")
        await page.get_by_text("Step (of 4)").wait_for()
        await _idle(page)

    async def inside_open():
        await page.goto(f"{url}/inside_cnn")
        await page.get_by_text("Top-5:").first.wait_for()
        await _idle(page)

    async def inside_heatmaps():
        await page.get_by_text("Heatmaps", exact=True).first.click()
        await _idle(page, 120_000)

    async def run_then_stop(path: str, start: str) -> float:
        """Open a lab with a long job, start it, stop it 2 s later; returns the 2 s waited on purpose."""
        await page.goto(f"{url}{path}")
        await page.get_by_role("button", name=start).wait_for()
        await _idle(page)
        await page.get_by_role("button", name=start).click()
        await page.wait_for_timeout(2000)
        await page.get_by_role("button", name="Stop").click()
        await _idle(page)
        return 2.0

    async def learn_train_stop():
        return await run_then_stop("/learn_filter", "Train")

    async def style_start_stop():
        return await run_then_stop("/style_transfer?size=128&steps=2000", "Start")

    async def pool_open():
        await page.goto(f"{url}/pooling")
        await page.get_by_role("heading", name="Pooling").first.wait_for()
        await _idle(page)

    steps = [("open Convolution", conv_open), ("change the stride", conv_stride), ("open Inside a trained CNN", inside_open),
             ("show heatmaps", inside_heatmaps), ("train and stop a filter", learn_train_stop),
             ("start and stop a style transfer", style_start_stop), ("open Pooling", pool_open)]
    try:
        while time.monotonic() < until:
            for name, action in steps:
                if time.monotonic() >= until:
                    break
                await _timed(latencies, errors, name, action)
                if await page.get_by_text("Traceback").count():
                    errors.append(f"{name}: a traceback in the page")
            walks.append(1)
    finally:
        await context.close()


def _start_server(port: int, log) -> subprocess.Popen:
    env = dict(os.environ, CVCORE_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start within 120 s")


def _percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


async def _round(url: str, pid: int, sessions: int, minutes: float) -> dict:
    from playwright.async_api import async_playwright

    latencies, errors, walks = [], [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        monitor = Monitor(pid)
        monitor.start()
        until = time.monotonic() + minutes * 60
        await asyncio.gather(*(_session(browser, url, until, latencies, errors, walks) for _ in range(sessions)))
        peak, cores = monitor.stop()
        await browser.close()
    values = [s for _, s in latencies]
    return {"sessions": sessions, "interactions": len(values), "walks": len(walks), "errors": errors,
            "p50": statistics.median(values) if values else float("nan"), "p95": _percentile(values, 0.95),
            "peak_rss": peak, "cpu": cores,
            "by_step": {n: _percentile([s for m, s in latencies if m == n], 0.95) for n, _ in latencies}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20])
    parser.add_argument("--minutes", type=float, default=2.0, help="per round (each round: a fresh server)")
    args = parser.parse_args()
    if any(not 1 <= n <= 30 for n in args.sessions) or not 0 < args.minutes <= 10:
        raise SystemExit("expected 1 to 30 sessions and at most 10 minutes per round")
    print(f"Load: {os.cpu_count()} CPU cores seen; each round {args.minutes:g} min on a fresh server")
    ok = True
    for sessions in args.sessions:
        port = free_port()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        with open(ROOT / "test-artifacts" / f"load-server-{sessions}.log", "w") as log:
            server = _start_server(port, log)
            try:
                r = asyncio.run(_round(f"http://127.0.0.1:{port}", server.pid, sessions, args.minutes))
            finally:
                server.terminate()
                server.wait(30)
        print(f"{sessions:3d} sessions: {r['interactions']:4d} interactions in {r['walks']} walks, p50 {r['p50']:.2f} s, "
              f"p95 {r['p95']:.2f} s, errors {len(r['errors'])}, server peak RSS {r['peak_rss']:.0f} MB, "
              f"CPU {r['cpu']:.2f} cores")
        for name, p95 in r["by_step"].items():
            print(f"      p95 {p95:6.2f} s  {name}")
        for e in r["errors"][:10]:
            print(f"      error: {e}")
        ok = ok and not r["errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
