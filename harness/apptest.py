"""Opening a lab in Streamlit's AppTest the way a browser opens its address."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from labs import page_file

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["new_app", "open_lab"]


def new_app(timeout: float = 120) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)


def open_lab(at: AppTest, slug: str) -> AppTest:
    """Switch a fresh ``AppTest`` of app.py to the page of ``labs/<slug>/`` (``"home"`` and ``"glossary"`` too).

    Every page file is called ``page.py`` and gets its URL path from ``st.navigation``, which registers the
    pages during a run: so the app runs once (the home page, with the test's query parameters) before the switch.
    The caller runs the lab."""
    at.run()
    return at.switch_page(page_file(slug))
