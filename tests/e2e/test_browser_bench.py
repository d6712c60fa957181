"""The browser benchmark's probe still works: one change of one control, timed against the echo page."""

import math
from pathlib import Path

import pytest

from benchmarks.browser import controls as bench
from harness import browser as chromium
from harness.server import app_env

pytestmark = pytest.mark.e2e


def test_the_probe_times_a_real_change_of_the_convolution_stride(app_server):
    from playwright.sync_api import sync_playwright

    if not Path(chromium.CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {chromium.CHROMIUM}: `make test` installs Debian's chromium package")

    control = next(c for c in bench.CONTROLS if c.title == "convolution: stride (+/-)")
    with sync_playwright() as p, bench.probed_pages(p) as (page, echo), \
            bench.server(bench.ECHO_PAGE, bench.ROOT, app_env()) as echo_server:
        page.set_default_timeout(60_000)
        assert bench.open_page(page, f"{app_server}/convolution") > 0
        bench.open_page(echo, echo_server.url)
        page.get_by_text("Step (of 16)").wait_for()  # stride 1: a 4x4 output
        row = bench.measure_control(page, echo, control, repeat=1, warmup=0)
        page.get_by_text("Step (of 4)").wait_for(timeout=5_000)  # stride 2: a 2x2 output, drawn when timed
        echo.get_by_text("value = 0.61").wait_for(timeout=5_000)  # the echo page's change was real too

    assert len(row.times) == len(row.ref_times) == 1
    assert all(math.isfinite(t) and t > 0 for t in (*row.times, *row.ref_times)), row
    assert row.changed[0] and not row.changed[0].startswith("(no output"), row.changed
