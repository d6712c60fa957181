"""Heavy jobs on a shared Ray pool (``cvcore.cluster``), against a real Ray head this module starts on 127.0.0.1.

The head offers one ``cvcore_job``: one job at a time over every process that submits. This process is one driver
(as a web replica is); separate driver processes stand for other replicas. The head is killed at the end with its
process group (GCS, raylet and their helpers); its workers end with their raylet.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from harness.ray_head import local_head
from harness.server import ROOT, free_port

if os.environ.get("CI") == "true":
    import ray  # noqa: F401  (requirements-dev.txt installs it: never skipped under CI)
else:
    pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-dev.txt)")

from cvcore import cluster
from cvcore.conv.learn import learn_kernel
from cvcore.errors import InvalidParameter

pytestmark = pytest.mark.timeout(120)

_ENV = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu", RAY_USAGE_STATS_ENABLED="0")

# A driver in its own process (another replica of the web app): it connects, says READY, waits for the file ``go``
# to exist, then submits jobs learning a filter, one after the other, for the numbers of steps given ("600,10000");
# for each it says STARTED <n> at its first record and prints when its records came as JSON at its end.
_DRIVER = textwrap.dedent("""
    import json, os, sys, time
    import torch
    from cvcore import cluster
    from cvcore.conv.learn import learn_kernel
    where, steps, go = sys.argv[1], sys.argv[2], sys.argv[3]
    cluster.connect(where)
    print("READY", flush=True)
    while not os.path.exists(go):
        time.sleep(0.02)
    for n, count in enumerate(map(int, steps.split(",")), 1):
        job = cluster.Job.of(learn_kernel, image=torch.rand(256, 256, generator=torch.Generator().manual_seed(1)),
                             target=torch.tensor([[1.0, 0, -1]] * 3), steps=count)
        out = {"submitted": time.time(), "records": 0}
        with cluster.submit(job, where=where) as run:
            for record in run.records(poll=0.05):
                if record is cluster.PENDING:
                    continue
                out["records"] += 1
                out.setdefault("first", time.time())
                out["last"] = time.time()
                if out["records"] == 1:
                    print(f"STARTED {n}", flush=True)
        print(json.dumps(out), flush=True)
""")


def _wait_for_line(proc: subprocess.Popen, word: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == word or line.startswith(word):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"expected {word!r} from the driver within {timeout} s; it said {proc.stderr.read()[-2000:]}")


@pytest.fixture(scope="module")
def head():
    """A Ray head on 127.0.0.1 with one ``cvcore_job``; yields its address; this process is connected to it."""
    with local_head(1, env=_ENV) as where:
        yield where


def _task_pids() -> list[int]:
    """The worker processes of the head this process is connected to that run a job now: children of its raylet,
    which titles them ``ray::cvcore:<target>`` while they run one."""
    import ray

    socket_name = ray.nodes()[0]["RayletSocketName"].encode()
    titles = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
                titles[int(name)] = (int(stat[1]), Path(f"/proc/{name}/cmdline").read_bytes())
            except OSError:
                continue
    raylets = {pid for pid, (_, title) in titles.items() if b"raylet" in title and socket_name in title}
    assert len(raylets) == 1, "the head's raylet is running"
    return [pid for pid, (parent, title) in titles.items() if parent in raylets and title.startswith(b"ray::cvcore:")]


def _first_record(run: cluster.Submission, timeout: float = 60):
    deadline = time.monotonic() + timeout
    for record in run.records(poll=0.1):
        if record is not cluster.PENDING:
            return record
        assert time.monotonic() < deadline, f"no record within {timeout} s"
    raise AssertionError("the job ended without a record")


def _long_job(steps: int = 10_000) -> cluster.Job:
    return cluster.Job.of(learn_kernel, image=torch.rand(96, 96), target=torch.ones(3, 3), steps=steps)


def _short_job_starts_within(where: str, seconds: float) -> float:
    started = time.monotonic()
    with cluster.submit(_long_job(5), where=where) as run:
        _first_record(run, timeout=seconds)
    return time.monotonic() - started


def test_an_unreachable_cluster_is_a_message_in_the_page_and_the_session_goes_on(monkeypatch):
    import ray

    from harness.apptest import finish_jobs, new_app, open_lab

    assert not ray.is_initialized(), "runs before this process connects to the head (the first test of the module)"
    monkeypatch.setenv("CVCORE_CLUSTER", f"127.0.0.1:{free_port()}")  # nothing answers there
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    monkeypatch.setenv("CVCORE_DEVICE", "cpu")
    at = new_app()
    at.query_params["steps"] = "10"
    open_lab(at, "learn_filter").run()
    finish_jobs(at.button(key="learn.train").click().run())
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("cannot reach the Ray cluster at CVCORE_CLUSTER=127.0.0.1:")
    monkeypatch.delenv("CVCORE_CLUSTER")  # without the setting, the same session trains in the web process
    finish_jobs(at.button(key="learn.train").click().run())
    assert not at.exception and not at.error and len(at.session_state["learn._result"]["losses"]) == 10


def test_records_equal_the_in_process_ones(head):
    image = torch.rand(40, 40, generator=torch.Generator().manual_seed(3))
    job = cluster.Job.of(learn_kernel, image=image, target=torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]),
                         steps=25, lr=0.05, seed=7)
    with cluster.submit(job, where=head) as run:
        remote = [r for r in run.records(poll=0.2) if r is not cluster.PENDING]
    local = list(learn_kernel(image, job.kwargs["target"], steps=25, lr=0.05, seed=7))  # what the lab runs in-process
    assert [r.step for r in remote] == [r.step for r in local] == list(range(1, 26))
    torch.testing.assert_close(torch.tensor([r.loss for r in remote]), torch.tensor([r.loss for r in local]),
                               rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(remote[-1].kernel, local[-1].kernel, rtol=1e-4, atol=1e-6)


def test_style_transfer_on_the_pool_equals_the_lab_in_process(head, mobilenet):
    from cvcore import heavy, images
    from cvcore.style import gatys
    from cvcore.style import images as style_images

    content, stylish = images.sample_image("chelsea"), style_images.style_image("mosaic", 64)
    settings = gatys.StyleSettings(backbone="mobilenet_v2", size=48, steps=3, optimizer="adam", preview_every=1)
    with cluster.submit(cluster.Job.of(heavy.style_transfer, content=content, style=stylish, settings=settings,
                                       gpu=True), where=head) as run:
        remote = [r for r in run.records(poll=0.2) if r is not cluster.PENDING]
    local = list(gatys.transfer(content, stylish, model=mobilenet, settings=settings, device="cpu"))
    assert [r.step for r in remote] == [r.step for r in local] == [0, 1, 2, 3]
    torch.testing.assert_close(torch.tensor([r.total_cost for r in remote]),
                               torch.tensor([r.total_cost for r in local]), rtol=1e-4, atol=1e-6)
    assert np.abs(remote[-1].image.astype(int) - local[-1].image.astype(int)).max() <= 1
    assert remote[-1].done and local[-1].done


def test_transfer_training_on_the_pool_equals_the_lab_in_process_and_brings_the_weights_back(head, mobilenet, entry):
    from cvcore import heavy
    from cvcore.networks import transfer

    data = transfer.image_set(transfer.texture_set(per_class=4), entry)
    job = cluster.Job.of(heavy.fine_tune, data=data, case="small", epochs=2, lr=1e-2, batch_size=16, gpu=True)
    with cluster.submit(job, where=head) as run:
        remote = [r for r in run.records(poll=0.2) if r is not cluster.PENDING]
    net, _ = transfer.make_network(mobilenet, len(data.classes), "small")  # what the lab trains in-process
    local = list(heavy.transfer_records(net, data, epochs=2, lr=1e-2, batch_size=16))
    assert [r.record.epoch for r in remote] == [r.epoch for r in local] == [1, 2]
    assert [r.weights is None for r in remote] == [True, False]  # the weights come with the last epoch
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        torch.testing.assert_close(torch.tensor([getattr(r.record, key) for r in remote]),
                                   torch.tensor([getattr(r, key) for r in local]), rtol=1e-4, atol=1e-5)
    for name, value in net.state_dict().items():
        torch.testing.assert_close(remote[-1].weights[name], value, rtol=1e-4, atol=1e-5)


def test_the_engines_error_comes_back_as_it_was_raised(head):
    job = cluster.Job.of(learn_kernel, image=torch.rand(8, 8), target=torch.ones(3, 3), steps=0)
    with pytest.raises(InvalidParameter, match="steps must be between 1 and 10000, got 0"), \
            cluster.submit(job, where=head) as run:
        list(run.records(poll=0.1))


def test_the_learning_a_filter_lab_runs_its_job_on_the_pool(head, monkeypatch):
    from harness.apptest import finish_jobs, new_app, open_lab

    monkeypatch.setenv("CVCORE_CLUSTER", head)
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    monkeypatch.setenv("CVCORE_DEVICE", "cpu")
    at = new_app()
    at.query_params["steps"] = "20"
    open_lab(at, "learn_filter").run()
    before = cluster.Submission.__init__
    submitted = []

    def spy(self, job, **kw):  # the page's job goes through the pool
        submitted.append(job.target)
        before(self, job, **kw)

    monkeypatch.setattr(cluster.Submission, "__init__", spy)
    finish_jobs(at.button(key="learn.train").click().run())
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert submitted == ["cvcore.conv.learn:learn_kernel"]
    run = at.session_state["learn._result"]
    assert len(run["losses"]) == 20 and run["losses"][-1] < run["losses"][0]
    assert any(c.label == "Largest difference from the target" for c in at.metric)


def test_a_lab_waiting_for_the_pool_says_so_and_then_gets_its_records(head, monkeypatch):
    from ui import jobs

    said = []  # what the page's live view is told to say (None: nothing)
    monkeypatch.setenv("CVCORE_CLUSTER", head)
    with cluster.submit(_long_job(3000), where=head) as other:  # another replica's job holds the only slot
        _first_record(other)
        records = list(jobs.limited(iter(()), "Learning a filter", job=_long_job(5), notice=said.append))
    assert [r.step for r in records] == [1, 2, 3, 4, 5]
    waits = [text for text in said if text]
    assert waits and all(t.startswith("Learning a filter: waiting for the shared pool") for t in waits)
    assert said[-1] is None  # the notice is gone once the job runs


class _Clicked(Exception):
    """Stands for the learner's Stop reaching the job (``stopped()``, asked while the job waits)."""


def test_stop_while_waiting_for_the_pool_cancels_the_queued_job(head, monkeypatch):
    """A learner who presses Stop while the job waits for the pool's only slot: the queued task is cancelled, so it
    never runs when the slot frees, and the slot goes to the next job at once."""
    from ui import jobs

    said = []

    def click():
        if said:  # the page has said that the job waits: now the learner clicks Stop
            raise _Clicked
        return False

    monkeypatch.setenv("CVCORE_CLUSTER", head)
    with cluster.submit(_long_job(), where=head) as other:  # another replica's job holds the only slot
        _first_record(other)
        with pytest.raises(_Clicked):
            next(jobs.limited(iter(()), "Learning a filter", job=_long_job(), notice=said.append, stopped=click))
        assert said and said[0].startswith("Learning a filter: waiting for the shared pool")
    time.sleep(2.0)  # the other job is cancelled: a queued task that survived the Stop would be running by now
    assert _task_pids() == [], "the job stopped while it waited ran anyway"
    assert _short_job_starts_within(head, 30) < 30


def test_a_job_names_an_engine_function_only():
    with pytest.raises(ValueError, match="a function of the engine"):
        cluster.Job("os:system", {"command": "true"}).records()


def test_without_ray_the_message_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # ``import ray`` fails as if it were not installed
    with pytest.raises(cluster.ClusterUnavailable, match="needs Ray: `pip install -r requirements-cluster.txt`"):
        cluster.connect("auto")


def test_two_replicas_beyond_the_limit_queue_globally_and_a_dead_one_gives_its_slot_back(head, tmp_path):
    go = tmp_path / "go"
    drivers = [subprocess.Popen([sys.executable, "-c", _DRIVER, head, steps, str(go)], cwd=ROOT, env=_ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for steps in ("600,10000", "600")]
    try:
        for proc in drivers:
            _wait_for_line(proc, "READY", 60)
        go.touch()  # both submit now: one job runs, the other waits for the pool's only slot
        runs = [json.loads(_wait_for_line(proc, "{", 90)) for proc in drivers]
        assert [r["records"] for r in runs] == [600, 600]
        first, second = sorted(runs, key=lambda r: r["first"])
        assert second["submitted"] < first["last"], "the second job was submitted while the first ran"
        assert second["first"] >= first["last"] - 0.2, (first, second)  # it started only when the first had ended

        _wait_for_line(drivers[0], "STARTED 2", 60)  # the first replica's long job runs now ...
        (pid,) = _task_pids()
    finally:
        for proc in drivers:
            proc.kill()  # ... and the replica dies (SIGKILL: no chance to cancel anything)
            proc.wait()
    assert _short_job_starts_within(head, 45) < 45  # the dead replica's slot came back
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid), "the dead replica's task still runs"


def test_cancel_stops_a_running_task_and_frees_the_slot(head):
    run = cluster.submit(_long_job(), where=head)
    _first_record(run)
    pids = _task_pids()
    assert pids, "the job's worker is running"
    run.cancel()
    assert _short_job_starts_within(head, 30) < 30
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in pids), "the cancelled worker is gone"


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_killed_worker_gives_its_slot_back_and_the_driver_is_told(head):
    run = cluster.submit(_long_job(), where=head)
    _first_record(run)
    (pid,) = _task_pids()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(cluster.ClusterJobFailed, match="stopped before the end"):
        deadline = time.monotonic() + 30
        for _ in run.records(poll=0.1):
            assert time.monotonic() < deadline, "the driver was not told within 30 s"
    assert _short_job_starts_within(head, 30) < 30
