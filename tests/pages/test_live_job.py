"""``ui.live_job.LiveJob`` on a tiny page (tests/pages/live_job_app.py): its outcomes, its stop rules, and its worker
(which computes off the script thread, outlives a rerun, and stops when Stop is clicked or nobody watches)."""

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from harness.apptest import finish_jobs
from ui import jobs, worker
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


def _worker(at: AppTest) -> worker.Worker:
    (running,) = worker.workers_of(at.session_state[jobs.SESSION_KEY])
    return running


def test_start_runs_to_done_and_keeps_every_record(at):
    finish_jobs(at.button(key="toy.go").click().run())
    assert _outcome(at) == Outcome("done", 5, 5, "", True)
    assert at.session_state["toy.kept"] == 5 and at.session_state["toy.stop_seen"] is False
    assert at.session_state["toy._job"]["active"] is False
    assert [e.value for e in at.error] == [] and not at.exception
    at.run()  # a later rerun still reports the same run
    assert _outcome(at).state == "done"


def test_the_payload_tells_two_start_buttons_apart(at):
    finish_jobs(at.button(key="toy.go_twice").click().run())
    assert _outcome(at).payload == "twice"
    finish_jobs(at.button(key="toy.go").click().run())
    assert _outcome(at).payload is True


def test_a_cvcore_error_is_a_failed_outcome_with_its_message(at):
    at.session_state["toy.fail_at"] = 3
    finish_jobs(at.button(key="toy.go").click().run())
    assert _outcome(at) == Outcome("failed", 2, 5, "step must not be 3, got 3", True)
    assert [e.value for e in at.error] == ["step must not be 3, got 3"] and not at.exception
    assert at.session_state["toy.kept"] == 2  # what was kept stays


def test_stop_during_a_step_ends_the_run_after_it(at):
    at.session_state["toy.stop_at"] = 2  # step 2 goes on until Stop is clicked
    at.button(key="toy.go").click().run()
    assert _outcome(at).state == "running"
    at.button(key="toy.stop").click().run()
    finish_jobs(at)
    assert _outcome(at) == Outcome("stopped", 2, 5, "Stopped at step 2 of 5; what it had so far is kept.", True)
    assert at.session_state["toy.kept"] == 2


def test_a_run_survives_a_rerun_of_the_page_and_its_live_view_is_drawn_again(at):
    hold = threading.Event()  # step 3 waits for it
    at.session_state["toy.steps"], at.session_state["toy.hold"] = 30, hold
    at.button(key="toy.go").click().run()
    running = _worker(at)
    assert at.get("progress"), "the live view draws the progress"
    for _ in range(2):  # a click on anything else reruns the page
        at.run()
        assert _outcome(at).state == "running" and running.thread.is_alive() and _worker(at) is running
        assert at.get("progress"), "each run draws the live view again"
    assert at.session_state["toy.kept"] == 2  # what was computed so far is kept, run by run
    hold.set()
    finish_jobs(at)
    assert _outcome(at) == Outcome("done", 30, 30, "", True) and at.session_state["toy.kept"] == 30
    assert not at.get("progress") and worker.workers_of(at.session_state[jobs.SESSION_KEY]) == []


def test_stop_cancels_the_worker_whose_thread_ends(at):
    at.session_state["toy.steps"], at.session_state["toy.pause"] = 1000, 0.02
    at.button(key="toy.go").click().run()
    running = _worker(at)
    at.button(key="toy.stop").click().run()
    assert running.wait(5) and not running.thread.is_alive()
    assert running.cancelled and not running.completed and not running.unwatched
    finish_jobs(at.run())
    outcome = _outcome(at)
    assert outcome.stopped and outcome.step < 1000 and at.session_state["toy.kept"] == outcome.step
    assert outcome.message == f"Stopped at step {outcome.step} of 1000; what it had so far is kept."


def test_a_worker_that_nobody_watches_stops_by_itself(at, monkeypatch):
    monkeypatch.setattr(worker, "HEARTBEAT_TIMEOUT", 0.5)  # a closed tab: no poll, no rerun
    at.session_state["toy.steps"], at.session_state["toy.pause"] = 1000, 0.02
    at.button(key="toy.go").click().run()
    running = _worker(at)
    assert running.wait(10) and not running.thread.is_alive()
    assert running.unwatched and not running.completed
    at.run()  # the learner comes back: what was computed is kept, and the run counts as stopped
    outcome = _outcome(at)
    assert outcome.stopped and 0 < outcome.step < 1000 and at.session_state["toy.kept"] == outcome.step
    assert outcome.message == f"Stopped at step {outcome.step} of 1000: the page was left during the run."


def test_a_run_whose_worker_is_gone_counts_as_stopped(at):
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 2, "steps": 5, "message": ""}
    at.run()
    outcome = _outcome(at)
    assert outcome.stopped and (outcome.step, outcome.steps) == (2, 5)
    assert outcome.message == "Stopped at step 2 of 5: the page was left during the run."
    finish_jobs(at.button(key="toy.go").click().run())  # settled: the next Start is a first one, not a second
    assert _outcome(at).state == "done" and at.warning.len == 0


def test_a_second_start_stops_the_first_and_says_so_and_stop_without_a_run_says_so(at):
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 3, "steps": 5, "message": ""}
    at.button(key="toy.go").click().run()
    assert any("A run was already going in this session (step 3 of 5)" in w.value for w in at.warning)
    assert _outcome(at).message == "Stopped at step 3 of 5 by a second Start."
    assert "toy.kept" not in at.session_state  # the second Start did not start a run
    at.button(key="toy.stop").click().run()
    assert [w.value for w in at.warning] == ["Nothing is running: press Start."]
    finish_jobs(at.button(key="toy.go").click().run())  # a third Start starts
    assert _outcome(at).state == "done" and at.session_state["toy.kept"] == 5


def test_the_stop_message_follows_a_step_the_stopped_loop_kept_after_the_click(at):
    # The worker finishes the step it computes when Stop is clicked, so that step lands afterwards.
    at.session_state["toy._job"] = {"active": True, "state": "running", "step": 3, "steps": 5, "message": ""}
    at.button(key="toy.stop").click().run()
    assert _outcome(at).message == "Stopped at step 3 of 5; what it had so far is kept."
    at.session_state["toy._job"] = {**at.session_state["toy._job"], "step": 4}
    at.run()
    assert _outcome(at) == Outcome("stopped", 4, 5, "Stopped at step 4 of 5; what it had so far is kept.")
