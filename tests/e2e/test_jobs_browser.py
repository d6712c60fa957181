"""The job limit in the real server: a job stopped by a click gives its slot back, so the next one starts."""

import pytest

from tests.e2e.test_browser import browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e


def test_train_stop_and_train_again_in_one_session(app_server, page):  # noqa: F811
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
