"""A tiny page for tests/pages/test_live_job.py: a job of five records (``toy.steps``), each one step.

Session keys the test sets before a run: ``toy.fail_at`` (a step that raises a CvcoreError), ``toy.stop_at`` (a step
that goes on until Stop is clicked, then ends the run as an engine with a stop callback does), ``toy.pause``
(seconds each step takes) and ``toy.hold`` (a ``threading.Event``: step 3 waits until the test sets it).
"""

import time

import streamlit as st

from cvcore.errors import InvalidParameter
from ui.live_job import LiveJob

JOB = LiveJob("toy", "Counting to five")


def count(n: int, fail_at: int | None, stop_at: int | None, pause: float, stop, hold=None):
    for i in range(1, n + 1):
        if i == 3 and hold is not None:
            hold.wait(30)
        if i == fail_at:
            raise InvalidParameter(f"step must not be {fail_at}, got {i}")
        if i == stop_at:
            deadline = time.monotonic() + 30
            while not stop() and time.monotonic() < deadline:  # a long step, during which Stop is clicked
                time.sleep(0.01)
        time.sleep(pause)
        yield i
        if stop():
            return


def keep(i: int) -> None:
    st.session_state["toy.kept"] = i
    st.session_state["toy.stop_seen"] = JOB.should_stop()


JOB.start_button("Start", key="toy.go")
JOB.start_button("Start twice", key="toy.go_twice", payload="twice")
JOB.stop_button(key="toy.stop")
if JOB.requested():
    steps = st.session_state.get("toy.steps", 5)
    JOB.run(count(steps, st.session_state.get("toy.fail_at"), st.session_state.get("toy.stop_at"),
                  st.session_state.get("toy.pause", 0.0), JOB.should_stop, st.session_state.get("toy.hold")),
            total=steps, step=lambda i: i, text=lambda i: f"{i} of {steps}", keep=keep,
            draw=lambda i, slot: slot.write(f"drawn {i}"))
outcome = JOB.outcome()
st.session_state["toy.outcome"] = outcome
if outcome is not None:
    st.caption(f"{outcome.state}: {outcome.step} of {outcome.steps}. {outcome.message}")
