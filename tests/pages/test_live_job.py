"""``ui.live_job.LiveJob`` on a tiny page (tests/pages/live_job_app.py): its outcomes and its stop rules."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.live_job import Outcome


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(str(Path(__file__).with_name("live_job_app.py")), default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    return app


def _outcome(at: AppTest) -> Outcome | None:
    return at.session_state["toy.outcome"]


def test_nothing_ran_yet(at):
    assert _outcome(at) is None and "toy._job" not in at.session_state


def test_start_runs_to_done_and_keeps_every_record(at):
    at.button(key="toy.go").click().run()
    assert _outcome(at) == Outcome("done", 5, 5, "", True)
    assert at.session_state["toy.kept"] == 5 and at.session_state["toy.stop_seen"] is False
    assert at.session_state["toy._job"]["active"] is False
    assert [e.value for e in at.error] == [] and not at.exception
    at.run()  # a later rerun still reports the same run
    assert _outcome(at).state == "done"


def test_the_payload_tells_two_start_buttons_apart(at):
    at.button(key="toy.go_twice").click().run()
    assert _outcome(at).payload == "twice"
    at.button(key="toy.go").click().run()
    assert _outcome(at).payload is True


def test_a_cvcore_error_is_a_failed_outcome_with_its_message(at):
    at.session_state["toy.fail_at"] = 3
    at.button(key="toy.go").click().run()
    assert _outcome(at) == Outcome("failed", 2, 5, "step must not be 3, got 3", True)
    assert [e.value for e in at.error] == ["step must not be 3, got 3"] and not at.exception
    assert at.session_state["toy.kept"] == 2  # what was kept stays


def test_stop_during_a_step_ends_the_run_after_it(at):
    at.session_state["toy.stop_at"] = 2
    at.button(key="toy.go").click().run()
    assert _outcome(at) == Outcome("stopped", 2, 5, "Stopped at step 2 of 5; what it had so far is kept.", True)
    assert at.session_state["toy.kept"] == 2


def test_a_run_left_running_by_a_click_elsewhere_counts_as_stopped(at):
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 2, "steps": 5, "message": ""}
    at.run()
    outcome = _outcome(at)
    assert outcome.stopped and (outcome.step, outcome.steps) == (2, 5)
    assert outcome.message == "Stopped at step 2 of 5: the page was changed during the run."
    at.button(key="toy.go").click().run()  # settled: the next Start is a first one, not a second
    assert _outcome(at).state == "done" and at.warning.len == 0


def test_a_second_start_stops_the_first_and_says_so_and_stop_without_a_run_says_so(at):
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 3, "steps": 5, "message": ""}
    at.button(key="toy.go").click().run()
    assert any("A run was already going in this session (step 3 of 5)" in w.value for w in at.warning)
    assert _outcome(at).message == "Stopped at step 3 of 5 by a second Start."
    assert "toy.kept" not in at.session_state  # the second Start did not start a run
    at.button(key="toy.stop").click().run()
    assert [w.value for w in at.warning] == ["Nothing is running: press Start."]
    at.button(key="toy.go").click().run()  # a third Start starts
    assert _outcome(at).state == "done" and at.session_state["toy.kept"] == 5


def test_the_stop_message_follows_a_step_the_stopped_loop_kept_after_the_click(at):
    # Streamlit runs the click's callback while the old loop finishes its step, so that step may land afterwards.
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 3, "steps": 5, "message": ""}
    at.button(key="toy.stop").click().run()
    assert _outcome(at).message == "Stopped at step 3 of 5; what it had so far is kept."
    at.session_state["toy._job"] = {**at.session_state["toy._job"], "step": 4}
    at.run()
    assert _outcome(at) == Outcome("stopped", 4, 5, "Stopped at step 4 of 5; what it had so far is kept.")
