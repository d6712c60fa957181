"""Learning a filter, paced for a class: at the default speed each look of the live view shows a later kernel and a
longer loss curve (300 steps take about 12 s instead of under one), Stop answers during the pauses, the same seed
learns the same kernel at every speed, the speed is in the link, and the loss axis is written in powers of ten."""

import json
import re
import time

import torch

from harness.apptest import finish_jobs
from tests.pages.conftest import errors, grid_pictures
from ui import jobs, worker

_KERNEL = re.compile(r"Kernel after step (\d+)")
_CELL = re.compile(r'font-size="15" text-anchor="middle"[^>]*>([^<]+)<')  # a cell's number in the grid's picture


def _live(at) -> tuple[int, int, tuple[str, ...]]:
    """What the live view shows: the kernel's step, the number of points of the loss curve, and the kernel's nine
    numbers as the grid writes them."""
    (kernel,) = [p for p in grid_pictures(at) if _KERNEL.search(p)]
    (loss,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return int(_KERNEL.search(kernel).group(1)), len(loss["data"][0]["y"]), tuple(_CELL.findall(kernel))


def _worker(at) -> worker.Worker:
    (running,) = worker.workers_of(at.session_state[jobs.SESSION_KEY])
    return running


def _train(at, timeout: float = 120) -> float:
    """Press Train and wait for the run to end; the seconds it took."""
    started = time.monotonic()
    finish_jobs(at.button(key="learn.train").click().run(), timeout=timeout)
    assert not at.exception and errors(at) == [], (at.exception, errors(at))
    return time.monotonic() - started


def test_each_look_at_a_paced_run_shows_a_later_kernel_and_a_longer_loss_curve(open_page):
    at = open_page("learn_filter")
    assert at.selectbox(key="learn.speed").value == "normal"
    at.button(key="learn.train").click().run()
    seen = []
    for _ in range(4):  # the live view's polls, as a browser's timer makes them
        time.sleep(0.4)
        at.run()
        seen.append(_live(at))
    steps, points = [s for s, _, _ in seen], [n for _, n, _ in seen]
    assert steps == sorted(set(steps)), steps  # a new kernel at every look ...
    assert points == steps  # ... with the loss of every step so far
    assert all(len(grid) == 9 for _, _, grid in seen)
    assert len({grid for _, _, grid in seen}) == 4, seen  # the numbers move
    assert steps[-1] < 100, steps  # 25 steps a second: about 40 after 1.6 s, where an unpaced run has done all 300
    finish_jobs(at)
    run = at.session_state["learn._result"]
    assert len(run["losses"]) == 300 and run["losses"][-1] < 1e-4
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Largest difference from the target"]) < 0.01
    assert run["seconds"] < 6  # the time it computed, without the pauses


def test_stop_answers_during_the_pauses_of_a_slow_run(open_page):
    at = open_page("learn_filter", speed="slow")
    at.button(key="learn.train").click().run()
    running = _worker(at)
    time.sleep(0.5)
    clicked = time.monotonic()
    at.button(key="learn.stop").click().run()
    assert running.wait(0.5), "the paced wait did not answer Stop"
    assert time.monotonic() - clicked < 1.5  # the click's script run included
    finish_jobs(at)
    (warning,) = [w.value for w in at.warning]
    done = int(re.fullmatch(r"Stopped after (\d+) of 300 steps\.", warning).group(1))
    assert 1 <= done <= 15  # 10 steps a second
    assert len(at.session_state["learn._result"]["losses"]) == done


def test_the_same_seed_learns_the_same_kernel_at_every_speed(open_page):
    kernels, took = {}, {}
    for speed in ("full", "normal"):
        at = open_page("learn_filter", steps="50", seed="3", speed=speed)
        took[speed] = _train(at)
        run = at.session_state["learn._result"]
        assert len(run["losses"]) == 50
        kernels[speed] = torch.tensor(run["kernel"])
    torch.testing.assert_close(kernels["normal"], kernels["full"], rtol=0, atol=0)
    assert took["normal"] >= 49 / 25  # 49 pauses of 40 ms after the first step
    assert took["full"] < took["normal"] - 0.5


def test_the_speed_is_a_setting_of_the_link(open_page):
    at = open_page("learn_filter", speed="slow")
    assert at.selectbox(key="learn.speed").value == "slow" and at.query_params["speed"] == "slow"
    at.selectbox(key="learn.speed").set_value("full").run()
    assert at.query_params["speed"] == "full"
    at = open_page("learn_filter", speed="warp")  # not a speed: the default
    assert at.selectbox(key="learn.speed").value == "normal" and not at.exception


def test_the_loss_axis_is_written_in_powers_of_ten(open_page):
    at = open_page("learn_filter", steps="40", speed="full")
    _train(at)
    (loss,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    axis = loss["layout"]["yaxis"]
    assert (axis["type"], axis["exponentformat"], axis["showexponent"]) == ("log", "power", "all")
    assert loss["layout"]["xaxis"]["range"] == [0, 40] and loss["layout"]["xaxis"]["tickformat"] == ",d"
