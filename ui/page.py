"""What every lab page does first."""

import streamlit as st

from ui import a11y, lessons, state

__all__ = ["setup", "start_lab"]


def setup() -> None:
    """What every page, lab or not, does first: the app's own style sheet and alt-text script."""
    a11y.style()


def start_lab(lab, title: str, intro: str) -> str:
    """The top of every lab page: set-up, its settings seeded from the link, the title, the teaching text, and
    the classroom panels (lesson, predict-then-reveal questions, presenter mode).

    ``lab`` is the lab's ui module (its ``NS``, ``DEFAULTS`` and optional ``CHOICES`` and ``LIMITS``).
    Returns the namespace of the lab's settings.
    """
    setup()
    lessons.seed_from_link(lab)
    state.init(lab.NS, lab.DEFAULTS, choices=getattr(lab, "CHOICES", None), limits=getattr(lab, "LIMITS", None))
    # A widget's new value is in the session before the run starts: put it in the link now, not only at the end
    # of the page, so a link copied (or a step clicked) while the page is still computing already carries it.
    state.sync(lab.NS, lab.DEFAULTS)
    lessons.presenter_style(lessons.is_presenting())
    st.title(title)
    st.markdown(intro)
    lesson_col, quiz_col, mode_col = st.columns([3, 3, 1.3])
    with lesson_col:
        lessons.lesson_panel(lab)
    with quiz_col:
        lessons.question_panel(lab)
    with mode_col:
        lessons.presenter_toggle()
    return lab.NS
