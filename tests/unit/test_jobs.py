"""The server-wide limit on heavy jobs: slots, arrival order, queue positions, one job per session, release."""

import threading
import time

import pytest

from ui.jobs import JobLimiter, JobRefused, job_slots, limited


def _wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_never_more_jobs_than_slots_from_many_threads():
    limiter = JobLimiter(2)
    now, peak, lock = [0], [0], threading.Lock()

    def job(i):
        with limiter.slot(f"session-{i}", poll=0.01):
            with lock:
                now[0] += 1
                peak[0] = max(peak[0], now[0])
            time.sleep(0.03)
            with lock:
                now[0] -= 1

    threads = [threading.Thread(target=job, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak[0] == 2 and now[0] == 0
    assert limiter.running() == 0 and limiter.waiting() == 0


def test_waiting_jobs_see_their_place_and_start_in_arrival_order():
    limiter = JobLimiter(1)
    release, started, positions = threading.Event(), [], {}

    def job(name):
        def on_wait(ahead):
            positions.setdefault(name, []).append(ahead)
        with limiter.slot(name, on_wait=on_wait, poll=0.01):
            started.append(name)
            if name == "first":
                release.wait(5)

    first = threading.Thread(target=job, args=("first",))
    first.start()
    assert _wait_until(lambda: started == ["first"])
    waiting = []
    for name in ("second", "third"):
        waiting.append(threading.Thread(target=job, args=(name,)))
        waiting[-1].start()
        assert _wait_until(lambda name=name: name in positions)
    assert _wait_until(lambda: positions["second"][-1] == 1 and positions["third"][-1] == 2)
    assert limiter.waiting() == 2
    release.set()
    for t in [first, *waiting]:
        t.join(5)
    assert started == ["first", "second", "third"]
    assert limiter.running() == 0 and limiter.waiting() == 0


def test_one_long_job_per_session():
    limiter = JobLimiter(4)
    with limiter.slot("alice"):
        with pytest.raises(JobRefused, match="one at a time"):
            with limiter.slot("alice"):
                pass
        with limiter.slot("bob"):
            assert limiter.running() == 2
    with limiter.slot("alice"):  # the first job ended: a new one may start
        assert limiter.running() == 1


def test_a_second_job_of_a_session_waits_for_the_first_to_finish_its_step():
    limiter = JobLimiter(1)
    finishing = threading.Event()
    order = []

    def stopping_job():  # stopped by its learner: it gives the slot back once its current step ends
        with limiter.slot("alice"):
            finishing.wait(5)
            order.append("first ends")

    first = threading.Thread(target=stopping_job)
    first.start()
    assert _wait_until(lambda: limiter.running() == 1)
    threading.Timer(0.3, finishing.set).start()
    start = time.monotonic()
    with limiter.slot("alice", owner_wait=5.0):
        order.append("second starts")
    assert order == ["first ends", "second starts"] and 0.2 < time.monotonic() - start < 5
    first.join(5)
    with limiter.slot("alice"), pytest.raises(JobRefused, match="one at a time"):  # and never two at once
        with limiter.slot("alice", owner_wait=0.2):
            pass


def test_the_slot_comes_back_when_the_job_raises():
    limiter = JobLimiter(1)
    with pytest.raises(RuntimeError):
        with limiter.slot("alice"):
            raise RuntimeError("the job failed")
    assert limiter.running() == 0
    with limiter.slot("bob"):
        assert limiter.running() == 1


def test_a_stopped_wait_leaves_the_queue():
    # Streamlit stops a waiting run by raising inside the page's next call: here, inside on_wait.
    limiter = JobLimiter(1)

    class Stopped(Exception):
        pass

    def stop(_ahead):
        raise Stopped

    with limiter.slot("alice"):
        with pytest.raises(Stopped):
            with limiter.slot("bob", on_wait=stop):
                pass
        assert limiter.waiting() == 0
    with limiter.slot("bob"):
        assert limiter.running() == 1


def _steps(n, log):
    try:
        yield from range(n)
    finally:
        log.append("engine closed")


def test_limited_releases_on_stop_between_steps_and_closes_the_engine():
    limiter, log = JobLimiter(1), []
    run = limited(_steps(100, log), "Test job", shared=limiter)
    assert [next(run), next(run)] == [0, 1]
    assert limiter.running() == 1
    run.close()  # what a rerun does to a job stopped between two steps
    assert limiter.running() == 0 and log == ["engine closed"]
    assert list(limited(_steps(3, log), "Test job", shared=limiter)) == [0, 1, 2]
    assert limiter.running() == 0


def test_limited_releases_when_the_engine_raises():
    limiter = JobLimiter(1)

    def broken():
        yield 1
        raise ValueError("diverged")

    with pytest.raises(ValueError, match="diverged"):
        list(limited(broken(), "Test job", shared=limiter))
    assert limiter.running() == 0


def test_slots_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CVCORE_JOBS", "3")
    assert job_slots() == 3
    monkeypatch.setenv("CVCORE_JOBS", "zero")
    with pytest.raises(JobRefused, match="expected|got"):
        job_slots()
    monkeypatch.delenv("CVCORE_JOBS")
    monkeypatch.setenv("CVCORE_DEVICE", "cpu")
    assert 1 <= job_slots() <= 1024


def test_a_job_stopped_while_it_waits_leaves_the_queue_and_never_starts():
    limiter, log, said = JobLimiter(1), [], []
    with limiter.slot("alice"):
        run = limited(_steps(5, log), "Test job", owner="bob", shared=limiter, notice=said.append,
                      stopped=lambda: len(said) >= 2)  # Stop, once the page has said twice that it waits
        assert list(run) == []
        assert limiter.waiting() == 0 and limiter.running() == 1
    assert len(said) == 2 and all(text.startswith("Test job: waiting for the server, 1 job ahead of yours in the "
                                                  "queue (") for text in said)
    assert log == []  # the engine never ran a step


def test_a_job_stopped_while_its_sessions_previous_job_ends_leaves_at_once():
    limiter = JobLimiter(4)
    with limiter.slot("alice"):  # the session's previous job, still finishing its step
        start = time.monotonic()
        assert list(limited(_steps(5, []), "Test job", owner="alice", shared=limiter, stopped=lambda: True)) == []
        assert time.monotonic() - start < 5  # not the minute a second job of the session may wait
    assert limiter.running() == 0 and limiter.waiting() == 0


def test_the_notice_is_cleared_when_the_job_starts():
    said = []
    assert list(limited(_steps(2, []), "Test job", owner="carol", shared=JobLimiter(1), notice=said.append)) == [0, 1]
    assert said == [None]
