"""Long jobs in the real server: a job stopped by a click gives its slot back, so the next one starts; a click
elsewhere leaves a job running (it computes off the script thread, and the page polls its progress); Stop ends it."""

import re
import time

import pytest

from harness.server import ARTIFACTS, ServerFailed, app_env, health, streamlit_app

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


_SVG = "data:image/svg+xml;base64,"


def _live_kernel(page) -> tuple[str, ...]:
    """The nine numbers of the live view's kernel, read from its picture (an SVG image); () while it is redrawn."""
    import base64

    pictures = [base64.b64decode(src[len(_SVG):]).decode() for src in
                page.locator("img").evaluate_all("imgs => imgs.map(i => i.src)") if src.startswith(_SVG)]
    kernels = [p for p in pictures if "Kernel after step" in p]
    assert len(kernels) <= 1, "one live kernel"
    return tuple(re.findall(r'font-size="15" text-anchor="middle"[^>]*>([^<]+)<', kernels[0])) if kernels else ()


def _live_step(page) -> int:
    text = page.get_by_text(re.compile(r"Step \d+ of 300")).first.inner_text()
    return int(re.search(r"Step (\d+) of 300", text).group(1))


def test_a_paced_run_moves_its_kernel_and_loss_in_view_and_writes_the_loss_in_powers_of_ten(app_server, page,
                                                                                            artifacts_dir):
    page.goto(f"{app_server}/learn_filter")  # the default speed: 25 steps a second
    page.get_by_text("to start from random numbers").wait_for()  # the page is drawn
    clicked = time.monotonic()
    page.get_by_role("button", name="Train").click()
    page.get_by_text(re.compile(r"Step \d+ of 300")).first.wait_for()
    seen = []
    while len(seen) < 3:
        page.wait_for_timeout(500)
        step, at = _live_step(page), time.monotonic()
        kernel = _live_kernel(page)
        if not kernel or (seen and step == seen[-1][0]):
            continue  # the next poll has not been drawn yet
        seen.append((step, kernel))
        assert step <= 1 + 25 * (at - clicked) * 1.05, (step, at - clicked)  # never ahead of the pace
    page.screenshot(path=str(artifacts_dir / "e2e-learn-filter-live.png"))
    steps = [s for s, _ in seen]
    assert steps == sorted(set(steps)) and steps[-1] < 300, steps  # it moves, and has not ended
    assert all(len(kernel) == 9 for _, kernel in seen)
    assert len({kernel for _, kernel in seen}) == 3, seen  # a new kernel at each look
    page.get_by_text("Largest difference from the target").wait_for()
    assert time.monotonic() - clicked >= 299 / 25  # 300 steps at 25 a second
    ticks = page.locator(".js-plotly-plot .ytick text").all_text_contents()
    assert ticks and not [t for t in ticks if re.search(r"\d\s*[yzafpnµμmkMGT]$", t)], ticks  # no SI prefixes
    assert any(t.replace("\u200b", "").startswith("10−") for t in ticks), ticks  # written 10⁻⁶
    assert "Traceback" not in page.locator("body").inner_text()


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
    page.locator('[data-testid="stProgress"]').wait_for()  # the page says it is working ...
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


def _step(page) -> int:
    text = page.get_by_text(re.compile(r"Step \d+ of 2000")).first.inner_text()
    return int(re.search(r"Step (\d+) of 2000", text).group(1))


def test_a_click_elsewhere_leaves_the_job_running_and_stop_ends_it(app_server, page):
    page.goto(f"{app_server}/style_transfer?size=64&steps=2000&preview_every=5")
    page.get_by_role("button", name="Start").click()
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    before = _step(page)
    page.get_by_text("Presenter mode").click()  # a control outside the lab's part: the whole page reruns
    page.wait_for_timeout(2000)
    page.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()  # the live view is drawn again ...
    assert _step(page) > before  # ... and the job went on
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("the image so far is kept").wait_for()
    page.locator('[data-testid="stProgress"]').wait_for(state="detached")  # the live view is gone: no more polls
    stopped = int(re.search(r"Stopped at step (\d+) of 2000", page.locator("body").inner_text()).group(1))
    assert before < stopped < 2000
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "already runs a long job" not in body


@pytest.fixture
def one_slot_server():
    """The app served with a single job slot (``CVCORE_JOBS=1``): a second session's job waits for the first."""
    try:
        app = streamlit_app(env=app_env(CVCORE_JOBS="1"), log=ARTIFACTS / "streamlit-one-slot.log").start()
    except ServerFailed as exc:
        pytest.fail(f"the Streamlit server did not start: {exc}")
    yield app.url
    app.stop()


def test_a_closed_tab_stops_its_job_and_the_next_session_gets_the_slot(one_slot_server, browser):
    url = f"{one_slot_server}/style_transfer?size=64&steps=2000&preview_every=5"
    first = browser.new_context()
    tab = first.new_page()
    tab.goto(url)
    tab.get_by_role("button", name="Start").click(timeout=90_000)  # a fresh server: the first visit loads the model
    tab.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for()
    first.close()  # the learner closes the tab mid-job: no more polls
    second = browser.new_context()
    try:
        other = second.new_page()
        other.goto(url)
        other.get_by_role("button", name="Start").click()
        other.get_by_text(re.compile(r"waiting for the server, 1 job ahead of yours")).wait_for()  # the job lives on
        other.get_by_text(re.compile(r"Step \d+ of 2000")).first.wait_for(timeout=45_000)  # ... until it stops
        other.get_by_role("button", name="Stop").click()
        other.get_by_text("the image so far is kept").wait_for()
        assert other.get_by_text("Traceback").count() == 0
    finally:
        second.close()
