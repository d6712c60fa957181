"""The body that the Convolution and Pooling pages share: a computation traced cell by cell, then stepped through.

Below the controls both pages show the size formula, the trace (or why there is none), the course's note on the
chosen example, the stepper, the "How it is computed", "PyTorch code" and "Check" expanders and one section that
applies the settings to a real image, computed only while it is open; then the link is brought up to date.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import streamlit as st

from cvcore.errors import CvcoreError
from ui import state
from ui.code import code_expander
from ui.lazy import lazy_expander
from ui.settings import LabSettings
from ui.stepper import step_view

__all__ = ["Section", "stepped_trace"]


class Section(NamedTuple):
    """A collapsible section whose ``draw()`` runs only while it is open (its key keeps it open across reruns)."""

    title: str
    key: str
    draw: Callable[[], None]


def stepped_trace(settings: type[LabSettings], compute: Callable[[], Any], *, size_formula: Callable[[], None], example,
                  step_panel: Callable[[Any, int], None], computation: Callable[[Any, int], None],
                  snippet: Callable[[Any], str], filename: str, check: Callable[[Any], None], section: Section) -> None:
    """Draw the page below its controls and end it.

    ``settings`` is the lab's ``LabSettings`` class (it declares ``step``); ``compute()`` returns the trace (its
    ``output`` has one cell per step) or raises ``CvcoreError``, shown as the reason there is no output.
    ``example`` is the course example chosen as input, or None; its ``note`` is shown only while the trace computes
    exactly that example (``example.describes(trace)``). ``step_panel(trace, i)`` and
    ``computation(trace, i)`` draw step ``i`` (0-based); ``snippet(trace)`` is the PyTorch code, offered as
    ``filename``; ``check(trace)`` draws the check against PyTorch.
    """
    size_formula()
    try:
        trace = compute()
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        state.stop(settings)

    if example is not None and example.note:
        if example.describes(trace):
            st.info(example.note)
        else:  # a note belongs to the state it explains: the settings moved away from the example's
            st.caption(f"The course's note on this example is about {example.settings_text}; these settings differ, "
                       "so the numbers on screen are not the course's.")

    step_view(settings, "step", trace.output.numel(), lambda i: step_panel(trace, i))

    computation(trace, settings.get("step") - 1)
    code_expander(lambda: snippet(trace), filename=filename)
    check(trace)
    with lazy_expander(section.title, section.key) as is_open:
        if is_open:
            section.draw()
    state.sync(settings)
