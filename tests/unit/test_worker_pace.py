"""A paced worker (``ui.worker.Worker(rate=...)``): its records come at the rate asked for, a Stop (or a page that
stopped looking) ends a paced wait at once, the rate can change during the run, and the records are the ones the
engine computes unpaced: the same seed learns the same kernel."""

import time

import pytest
import torch

from cvcore import images
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from ui import worker
from ui.jobs import JobLimiter


@pytest.fixture(autouse=True)
def _own_limiter(monkeypatch):  # these jobs do not take the server's slots
    monkeypatch.setattr("ui.jobs._LIMITER", JobLimiter(8))


def _timed(n: int, resumed: list[float]):
    """n records; ``resumed`` gets the time at which the worker asked for the record after each one, which is the
    moment it published that one."""
    for i in range(n):
        yield i
        resumed.append(time.monotonic())


def _paced(records, rate):
    return worker.Worker(records, label="Paced job", owner="alice", rate=rate)


def _photo_job(**kwargs):
    image = images.gray_crop(images.sample_image("camera"), 64)
    return learn_kernel(image, kernels.make_kernel("sobel_x"), **kwargs)


def test_records_come_at_the_rate_asked_for():
    resumed: list[float] = []
    started = time.monotonic()
    job = _paced(_timed(21, resumed), rate=40).start()
    assert job.wait(5) and job.completed and job.take() == list(range(21))
    took = time.monotonic() - started
    gaps = [b - a for a, b in zip(resumed, resumed[1:], strict=False)]
    assert len(gaps) == 20
    assert min(gaps) >= 0.9 / 40, gaps  # never two records at once ...
    assert sum(gaps) / len(gaps) == pytest.approx(1 / 40, rel=0.25), gaps  # ... and no slower than asked
    assert 20 / 40 <= took < 20 / 40 + 0.4  # 20 waits of 25 ms after the first record


def test_unpaced_records_come_as_fast_as_they_are_computed():
    started = time.monotonic()
    job = _paced(_timed(200, []), rate=None).start()
    assert job.wait(5) and job.completed and len(job.take()) == 200
    assert time.monotonic() - started < 0.5


def test_stop_during_a_paced_wait_ends_the_run_at_once():
    log = []

    def engine():
        try:
            yield from range(100)
        finally:
            log.append("engine closed")

    job = _paced(engine(), rate=0.2).start()  # 5 s between records
    deadline = time.monotonic() + 5
    while not job.take() and time.monotonic() < deadline:  # the first record is published at once
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the wait for the second one
    clicked = time.monotonic()
    job.cancel()
    assert job.wait(1), "the wait did not answer Stop"
    assert time.monotonic() - clicked < 0.25
    assert not job.completed and log == ["engine closed"]
    assert job.take() == [1]  # the step computed before the click is published, as an unpaced run's would be


def test_a_paced_run_nobody_looks_at_stops_by_itself(monkeypatch):
    monkeypatch.setattr(worker, "HEARTBEAT_TIMEOUT", 0.3)
    job = _paced(iter(range(100)), rate=0.2).start()
    assert job.wait(0.3 + 2 * worker.PACE_CHECK + 0.3), "a paced wait kept a job nobody watches"
    assert job.unwatched and not job.completed


def test_the_rate_can_change_during_the_run():
    job = _paced(_timed(50, []), rate=2).start()  # 25 s at this rate
    time.sleep(0.2)
    job.rate = None  # "As fast as possible", chosen during the run
    assert job.wait(1.5) and job.completed and len(job.take()) == 50


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="rate must be > 0 records per second or None, got 0"):
        _paced(iter(()), rate=0)


def test_the_same_seed_learns_the_same_kernel_paced_and_unpaced():
    unpaced = _paced(_photo_job(steps=30, seed=5), rate=None).start()
    assert unpaced.wait(10) and unpaced.completed
    paced = _paced(_photo_job(steps=30, seed=5), rate=200).start()
    assert paced.wait(10) and paced.completed
    fast, slow = unpaced.take(), paced.take()
    assert [r.step for r in slow] == [r.step for r in fast] == list(range(1, 31))
    torch.testing.assert_close(torch.tensor([r.loss for r in slow]), torch.tensor([r.loss for r in fast]),
                               rtol=0, atol=0)
    torch.testing.assert_close(slow[-1].kernel, fast[-1].kernel, rtol=0, atol=0)
    assert slow[-1].seconds < 29 / 200  # the engine's own time leaves out the waits between records
