"""A tiny page for tests/pages/test_live_job.py: a job of five records, each one step.

Session keys the test sets before a run: ``toy.fail_at`` (a step that raises a CvcoreError) and ``toy.stop_at``
(a step during which Stop is clicked: its callback is called from ``keep``, as a click's would run between steps).
"""

import streamlit as st

from cvcore.errors import InvalidParameter
from ui.live_job import LiveJob

JOB = LiveJob("toy", "Counting to five")


def count(n: int, fail_at: int | None):
    for i in range(1, n + 1):
        if i == fail_at:
            raise InvalidParameter(f"step must not be {fail_at}, got {i}")
        yield i


def keep(i: int) -> None:
    st.session_state["toy.kept"] = i
    st.session_state["toy.stop_seen"] = JOB.should_stop()
    if i == st.session_state.get("toy.stop_at"):
        JOB._on_stop()


JOB.start_button("Start", key="toy.go")
JOB.start_button("Start twice", key="toy.go_twice", payload="twice")
JOB.stop_button(key="toy.stop")
if JOB.requested():
    JOB.run(count(5, st.session_state.get("toy.fail_at")), total=5, step=lambda i: i, text=lambda i: f"{i} of 5",
            keep=keep, draw=lambda i, slot: slot.write(f"drawn {i}"))
outcome = JOB.outcome()
st.session_state["toy.outcome"] = outcome
if outcome is not None:
    st.caption(f"{outcome.state}: {outcome.step} of {outcome.steps}. {outcome.message}")
