"""Stepping through a computation: a step slider, previous/next buttons and play."""

from collections.abc import Callable, Collection

import streamlit as st

from ui import lessons, state
from ui.settings import LabSettings

__all__ = ["step_view"]

_PLAY_SECONDS = 0.8


def _move(step_key: str, delta: int, n_steps: int) -> None:
    st.session_state[step_key] = min(max(1, st.session_state[step_key] + delta), n_steps)


def _restart_if_at_end(step_key: str, play_key: str, n_steps: int) -> None:
    if st.session_state.get(play_key) and st.session_state[step_key] >= n_steps:
        st.session_state[step_key] = 1


# Questions whose answer a step count gives away when it is the output's number of cells (16 steps: a 4x4 output).
_COUNT_FACTS = ("out_side", "out_count")


def step_view(settings: type[LabSettings], name: str, n_steps: int, render: Callable[[int], None], *,
              single: str = "the output has a single cell", count_facts: Collection[str] = _COUNT_FACTS) -> None:
    """Controls for the setting ``name`` of the lab ``settings`` (a ``LabSettings`` class; the step is 1-based)
    and ``render(step_index_0_based)``.

    Runs as a fragment: stepping reruns only this part of the page. While "Play" is on the
    fragment advances one step every 0.8 s and stops at the last step. Keyboard: Tab reaches every
    control, the arrow keys move the focused slider, and P / N step back and forward from anywhere
    on the page (outside text fields). ``single`` says why there is only one step, when there is one.
    The number of steps is not written while a question about one of ``count_facts`` is open and unchecked.
    """
    step_key = settings.key(name)
    play_key = f"{step_key}_play"
    st.session_state[step_key] = min(max(1, int(st.session_state.get(step_key, 1))), n_steps)
    playing = bool(st.session_state.get(play_key, False))

    @st.fragment(run_every=_PLAY_SECONDS if playing and n_steps > 1 else None)
    def _view() -> None:
        if st.session_state.get(play_key, False):
            if st.session_state[step_key] >= n_steps:
                st.session_state[play_key] = False
                st.rerun()
            elif playing:
                st.session_state[step_key] += 1
        prev_col, slider_col, next_col, play_col = st.columns([1, 6, 1, 1.3], vertical_alignment="bottom")
        prev_col.button("◀", key=f"{step_key}_prev", help="Previous step (key P)", on_click=_move,
                        args=(step_key, -1, n_steps), shortcut="P",
                        disabled=st.session_state[step_key] <= 1, width="stretch")
        next_col.button("▶", key=f"{step_key}_next", help="Next step (key N)", on_click=_move,
                        args=(step_key, 1, n_steps), shortcut="N",
                        disabled=st.session_state[step_key] >= n_steps, width="stretch")
        if n_steps > 1 and lessons.awaited(settings.NS, count_facts) is not None:
            # A slider writes its last step at its end: while the count is predicted, a box that does not
            slider_col.number_input("Step", 1, n_steps, key=step_key)
        elif n_steps > 1:
            slider_col.slider(f"Step (of {n_steps})", 1, n_steps, key=step_key)
        else:
            slider_col.markdown(lessons.shown(settings.NS, count_facts, f"Step 1 of 1: {single}.", "Step 1."))
        play_col.toggle("Play", key=play_key, disabled=n_steps <= 1, help="Advance one step every 0.8 s",
                        on_change=_restart_if_at_end, args=(step_key, play_key, n_steps))
        if bool(st.session_state.get(play_key, False)) != playing:
            st.rerun()  # the timer is set when the whole page runs
        render(st.session_state[step_key] - 1)
        state.sync(settings, [name])
        if lessons.leave_moved_step(settings):
            st.rerun()  # the lesson panel, drawn by the page's part, says the step was left

    _view()
