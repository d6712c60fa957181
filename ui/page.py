"""What every lab page does first."""

import streamlit as st

from ui import a11y, lessons, state

__all__ = ["setup", "start_lab"]


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
    lesson_col, quiz_col, mode_col = st.columns([3, 3, 1.3])
    with lesson_col:
        lessons.lesson_panel(settings)
    with quiz_col:
        lessons.question_panel(settings)
    with mode_col:
        lessons.presenter_toggle()
