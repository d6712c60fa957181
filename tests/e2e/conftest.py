"""The browser tests' fixtures: the app served on 127.0.0.1 (in the light theme, and a second server in the dark one)
and headless Chromium (``harness``), a failed start failing the test."""

import pytest

from harness import browser as chromium
from harness.server import ARTIFACTS, ServerFailed, streamlit_app


def _serving(log_name: str, *args: str):
    """``streamlit run app.py *args`` (offline, CPU), logging to ``test-artifacts/<log_name>``; yields its URL."""
    try:
        app = streamlit_app(*args, log=ARTIFACTS / log_name).start()
    except ServerFailed as exc:
        pytest.fail(f"the Streamlit server did not start: {exc}")
    yield app.url
    app.stop()


@pytest.fixture(scope="session")
def app_server():
    """The app served by `streamlit run` on 127.0.0.1; yields its base URL."""
    yield from _serving("streamlit-server.log")


@pytest.fixture(scope="module")
def dark_server():
    """A second server of the app in Streamlit's dark theme."""
    yield from _serving("streamlit-dark-server.log", "--theme.base", "dark")


@pytest.fixture(scope="module")
def browser():
    try:
        with chromium.chromium() as launched:
            yield launched
    except chromium.BrowserMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()
