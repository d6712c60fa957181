"""Opening a lab in Streamlit's AppTest the way a browser opens its address."""

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from labs import page_file
from ui import jobs, worker

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["new_app", "open_lab", "finish_jobs"]


def new_app(timeout: float = 120) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)


def open_lab(at: AppTest, slug: str) -> AppTest:
    """Switch a fresh ``AppTest`` of app.py to the page of ``labs/<slug>/`` (``"home"`` and ``"glossary"`` too).

    Every page file is called ``page.py`` and gets its URL path from ``st.navigation``, which registers the
    pages during a run: so the app runs once (the home page, with the test's query parameters) before the switch.
    The caller runs the lab."""
    at.run()
    return at.switch_page(page_file(slug))


def finish_jobs(at: AppTest, timeout: float = 300) -> AppTest:
    """Let the long jobs that the last run of ``at`` started (``ui.live_job``) compute to their end, then run ``at``
    once more: that run takes their last records and settles them, as the rerun that a browser's live view asks for
    at the end of a job. While they compute, this looks at them as that live view would (a heartbeat), so that they
    do not stop for want of a watcher. Returns ``at``."""
    session = at.session_state[jobs.SESSION_KEY] if jobs.SESSION_KEY in at.session_state else None
    running = worker.workers_of(session) if session else []
    if not running:
        return at
    deadline = time.monotonic() + timeout
    for job in running:
        while not job.wait(0.5):
            if time.monotonic() > deadline:
                raise AssertionError(f"the job {job.label!r} did not end within {timeout} s")
            job.seen()
    return at.run(timeout=timeout)
