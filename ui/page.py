"""What every lab page does first, and the part of a lab page that reruns on its own."""

import functools

import streamlit as st

from ui import a11y, glossary, lessons, presenter, state
from ui.settings import LabSettings

__all__ = ["setup", "start_lab", "part"]

_SLOTS = "_lab.panel_slots"  # where this run's classroom panels go (set by start_lab, read by part)


def setup() -> None:
    """What every page, lab or not, does first: the app's own style sheet and alt-text script."""
    a11y.style()


def start_lab(settings: type[LabSettings], title: str, intro: str) -> None:
    """The top of every lab page: set-up, its settings seeded from the link, the title, the teaching text, and
    the row of classroom panels (lesson, predict-then-reveal questions, presenter mode).

    ``settings`` is the lab's ``LabSettings`` class. The page reads its values after its controls are drawn
    (``settings.current()``), so that a value a control corrects is read corrected. The lesson and the questions
    are drawn by the lab's ``part`` (they follow its settings); presenter mode is drawn here, since it restyles
    the whole page.
    """
    setup()
    lessons.seed_from_link(settings)
    state.init(settings)
    # A widget's new value is in the session before the run starts: put it in the link now, not only at the end
    # of the page, so a link copied (or a step clicked) while the page is still computing already carries it.
    state.sync(settings)
    presenter.presenter_style(presenter.is_presenting())
    st.title(title)
    st.markdown(glossary.start_page(intro))  # the first mention of each glossary term links to its entry
    lesson_col, quiz_col, mode_col = st.columns([3, 3, 2])  # wide enough for "Presenter mode" in large type
    with mode_col:
        presenter.presenter_toggle()
    st.session_state[_SLOTS] = (lesson_col, quiz_col)


def part(settings: type[LabSettings], name: str = "body"):
    """Make the function that draws a lab's controls and the outputs they drive one part of the page that reruns on
    its own (an ``st.fragment``): moving one of its controls reruns the function, not the page (title, teaching
    text, navigation and whatever the page drew before it stay as they are).

    The part also draws the lesson and the questions into their places at the top of the page (Streamlit lets a
    fragment write into a container made outside it, and clears and redraws those writes with the fragment), so they
    always describe the settings this run drew; and it brings the link up to date after each run. The function
    returns nothing (a fragment's value is not passed on).

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
            state.init(settings)  # a setting whose widget the previous run did not draw was dropped by Streamlit
            _panels(settings)  # first: a part that stops early (``state.stop`` after an error) still has them
            try:
                draw(*args, **kwargs)
            finally:
                state.sync(settings)

        return run

    return wrap


def _panels(settings: type[LabSettings]) -> None:
    slots = st.session_state.get(_SLOTS)
    if slots is None:  # a part drawn on a page that did not start with start_lab
        return
    lesson_col, quiz_col = slots
    lessons.prepare(settings)  # what the open questions ask, hidden by the note and the lab until checked
    with lesson_col:
        lessons.lesson_panel(settings)
    with quiz_col:
        lessons.question_panel(settings)
