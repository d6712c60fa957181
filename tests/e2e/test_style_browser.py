"""End to end: a live style-transfer run in Chromium, a second Start during it, and Stop."""

import re

import pytest

pytestmark = pytest.mark.e2e


def test_a_live_run_a_second_start_and_stop(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/style_transfer?size=64&steps=2000&preview_every=5")
    start = page.get_by_role("button", name="Start")
    start.click()
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    start.click()  # one run at a time: the second start stops the first and says so
    page.get_by_text("A run was already going in this session").wait_for()
    page.get_by_text(re.compile(r"Stopped at step \d+ of 2000 by a second Start")).wait_for()
    start.click()
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile(r"Stopped at step \d+ of 2000; the image so far is kept")).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(artifacts_dir / "e2e-style-transfer.png"), full_page=True)
