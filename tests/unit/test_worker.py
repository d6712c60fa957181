"""A long job's worker (``ui.worker``): it publishes its records for the page, stops between steps when cancelled or
when no page looks at it any more, lets an engine that listens say its last word, and is kept by session."""

import time

import pytest

from ui import worker
from ui.jobs import JobLimiter


def _steps(n, log, pause=0.0):
    try:
        for i in range(n):
            time.sleep(pause)
            yield i
    finally:
        log.append("engine closed")


def _worker(records, owner="alice"):
    return worker.Worker(records, label="Test job", owner=owner)


@pytest.fixture(autouse=True)
def _own_limiter(monkeypatch):  # these jobs do not take the server's slots
    monkeypatch.setattr("ui.jobs._LIMITER", JobLimiter(8))


def test_the_records_wait_for_the_page_in_order_and_the_engine_is_closed():
    log = []
    job = _worker(_steps(5, log)).start()
    assert job.wait(5) and job.completed and job.error is None
    assert job.take() == [0, 1, 2, 3, 4] and job.take() == [] and log == ["engine closed"]


def test_cancel_stops_between_steps_and_the_thread_ends():
    log = []
    job = _worker(_steps(10_000, log, pause=0.005)).start()
    time.sleep(0.1)
    job.cancel()
    assert job.wait(5) and not job.thread.is_alive()
    assert not job.completed and not job.unwatched and log == ["engine closed"]
    assert 0 < len(job.take()) < 10_000


def test_a_worker_no_page_looks_at_stops_by_itself(monkeypatch):
    monkeypatch.setattr(worker, "HEARTBEAT_TIMEOUT", 0.3)
    job = _worker(_steps(10_000, [], pause=0.005)).start()
    for _ in range(5):  # a page that polls keeps it going
        time.sleep(0.1)
        job.seen()
    assert not job.ended
    assert job.wait(5) and job.unwatched and job.cancelled and not job.completed  # no poll after that


def test_an_engine_that_listens_ends_with_its_own_last_record():
    def engine():
        for i in range(10_000):
            if worker.stop_requested():
                yield "last"  # e.g. style transfer's final image
                return
            time.sleep(0.005)
            yield i

    job = _worker(engine()).start()
    time.sleep(0.1)
    job.cancel()
    assert job.wait(5) and job.listens
    assert job.take()[-1] == "last"
    assert worker.stop_requested() is None  # outside a worker's thread there is nothing to ask


def test_an_engine_error_is_kept_for_the_page():
    def broken():
        yield 1
        raise ValueError("diverged")

    job = _worker(broken()).start()
    assert job.wait(5) and isinstance(job.error, ValueError) and job.take() == [1] and not job.completed


def test_a_new_worker_of_the_same_job_replaces_and_cancels_the_old_one():
    first = _worker(_steps(10_000, [], pause=0.005), owner="s1").start()
    worker.register("s1", "toy._job", first)
    second = _worker(_steps(3, []), owner="s1")
    worker.register("s1", "toy._job", second)
    assert first.wait(5) and first.cancelled
    assert worker.lookup("s1", "toy._job") is second and worker.workers_of("s1") == [second]
    worker.forget("s1", "toy._job", first)  # an old one cannot drop its successor
    assert worker.lookup("s1", "toy._job") is second
    worker.forget("s1", "toy._job", second)
    assert worker.workers_of("s1") == []


def test_an_ended_worker_whose_session_never_comes_back_is_dropped(monkeypatch):
    monkeypatch.setattr(worker, "FORGET_AFTER", 0.2)
    job = _worker(_steps(1, []), owner="gone").start()
    worker.register("gone", "toy._job", job)
    assert job.wait(5)
    time.sleep(0.3)
    worker.register("s2", "toy._job", _worker(iter(()), owner="s2"))  # any later job sweeps
    assert worker.workers_of("gone") == []
    worker.forget("s2", "toy._job", worker.lookup("s2", "toy._job"))
