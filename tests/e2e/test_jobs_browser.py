"""The job limit in the real server: a job stopped by a click gives its slot back, so the next one starts."""

import re

import pytest

from harness.server import health

pytestmark = pytest.mark.e2e


def test_train_stop_and_train_again_in_one_session(app_server, page):
    page.goto(f"{app_server}/learn_filter")
    for _ in range(2):
        page.get_by_role("button", name="Train").click()
        page.wait_for_timeout(300)
        page.get_by_role("button", name="Stop").click()
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Largest difference from the target").wait_for()
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")  # the third run has ended
    body = page.locator("body").inner_text()
    assert "already runs a long job" not in body and "Traceback" not in body
    assert "waiting for the server" not in body  # one session alone never waits


def test_a_reload_mid_job_and_a_tab_closed_mid_upload_leave_the_server_healthy(app_server, browser, page):
    import io

    import numpy as np
    from PIL import Image

    page.goto(f"{app_server}/style_transfer?size=64&steps=2000&preview_every=5")
    page.get_by_role("button", name="Start").click()
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    page.reload()  # mid-job: the old run ends with its browser session, and its job slot comes back
    page.get_by_role("button", name="Start").click()
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for()  # the page says it is working ...
    assert page.get_by_role("button", name="Stop").count() == 1  # ... and offers one Stop: the lab's own
    page.get_by_role("button", name="Stop").click()  # a click inside the lab's part stops the run
    page.get_by_text("the image so far is kept").wait_for()

    noise = np.random.default_rng(0).integers(0, 256, (2400, 2400, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")  # about 17 MB: the upload takes a moment
    other = browser.new_context()
    tab = other.new_page()
    tab.goto(f"{app_server}/convolution")
    tab.get_by_text("Apply the kernel to a real photo").click()
    tab.get_by_text("Upload", exact=True).first.click()
    tab.locator("input[type=file]").first.set_input_files(
        files=[{"name": "big.png", "mimeType": "image/png", "buffer": buffer.getvalue()}])
    other.close()  # the tab is gone mid-upload

    assert health(app_server, timeout=10) == "ok"
    page.goto(f"{app_server}/pooling")  # everyone else's labs still work
    page.get_by_text("max(1, 3, 2, 9) = 9").first.wait_for()
    assert page.get_by_text("Traceback").count() == 0
