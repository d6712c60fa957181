"""What every lab page does first."""

import contextvars
import functools

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import a11y, lessons, state

__all__ = ["setup", "start_lab", "part", "current_part", "in_fragment_rerun"]

_PART: contextvars.ContextVar[str | None] = contextvars.ContextVar("lab_part", default=None)


def setup() -> None:
    """What every page, lab or not, does first: the app's own style sheet and alt-text script."""
    a11y.style()


def start_lab(settings, title: str, intro: str) -> None:
    """The top of every lab page: set-up, its settings seeded from the link, the title, the teaching text, and
    the classroom panels (lesson, predict-then-reveal questions, presenter mode).

    ``settings`` is the lab's ``LabSettings`` class. The page reads its values after its controls are drawn
    (``settings.current()``), so that a value a control corrects is read corrected.
    """
    setup()
    lessons.seed_from_link(settings)
    state.init(settings)
    # A widget's new value is in the session before the run starts: put it in the link now, not only at the end
    # of the page, so a link copied (or a step clicked) while the page is still computing already carries it.
    state.sync(settings)
    lessons.presenter_style(lessons.is_presenting())
    st.title(title)
    st.markdown(intro)
    lessons.panels(settings)


def part(settings, name: str = "body"):
    """Make a function that draws some of a lab's controls and the outputs they drive one part of the page that
    reruns on its own (an ``st.fragment``): moving one of its controls reruns the function, not the page. After
    each run the link is brought up to date, and the classroom panels follow when they depend on the settings
    (``ui.lessons.panels_live``). The function returns nothing (a fragment's value is not passed on).

        @part(ConvSettings)
        def body():
            ...
        body()
    """
    key = f"{settings.NS}.{name}"

    def wrap(draw):
        @st.fragment(key=key)
        @functools.wraps(draw)
        def run(*args, **kwargs) -> None:
            token = _PART.set(key)
            try:
                draw(*args, **kwargs)
            finally:
                _PART.reset(token)
                state.sync(settings)
            if in_fragment_rerun():
                lessons.refresh_panels(settings)

        return run

    return wrap


def current_part() -> str | None:
    """The key of the part being drawn, if any."""
    return _PART.get()


def in_fragment_rerun() -> bool:
    """Whether this run reruns fragments only (not the whole page)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)
