"""Heavy jobs on a shared Ray pool: one global limit of concurrent jobs (and GPUs) for every web replica.

A heavy job (training, learning a filter, synthesising an image, style transfer) is an engine generator of progress
records. ``Job`` describes one as plain data: the generator function's import name and its arguments (numbers,
strings, arrays, small tensors, PIL images, names of models; never a live model shared by the server). In process,
``job.records()`` calls it; on a cluster, ``submit(job)`` runs it as a Ray streaming-generator task and its records
come back one by one as they are computed::

    job = Job.of(learn_kernel, image=image, target=target, steps=50)
    with submit(job) as run:                        # CVCORE_CLUSTER=auto (or an address) names the cluster
        for record in run.records(poll=0.5):        # PENDING while nothing new came within ``poll`` seconds
            ...

Every task asks for one unit of the custom resource ``cvcore_job`` (``JOB_RESOURCE``): its total over the cluster is
the number of jobs that may run at once, whichever replica submitted them; the others wait in Ray's queue. A job that
wants a GPU also asks for ``num_gpus=1`` when the cluster has one, so the replicas share the GPUs. The task's first
record is a start signal (``Submission.started``), which tells a job waiting for the pool from one computing its
first step. Leaving the ``with`` block (the loop ended, Stop, the script run was stopped) cancels the task; a driver
that dies takes its tasks with it (Ray ends the tasks a dead job owns). Ray is imported only here, and only when a job
is submitted, so the engine works without it.
"""

import importlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cvcore.errors import CvcoreError

__all__ = ["JOB_RESOURCE", "PENDING", "ClusterUnavailable", "ClusterJobFailed", "Job", "Submission", "address",
           "connect", "submit"]

JOB_RESOURCE = "cvcore_job"
PENDING = object()  # ``Submission.records``: nothing new within the poll interval
_ENV = "CVCORE_CLUSTER"
_STARTED = "cvcore-job-started"
_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds the ``cvcore`` package
_LOCK = threading.Lock()


class ClusterUnavailable(CvcoreError):
    """``CVCORE_CLUSTER`` is set but Ray is not installed or the cluster cannot be reached."""


class ClusterJobFailed(CvcoreError):
    """A job on the cluster ended without finishing: its worker died, or it was cancelled from elsewhere."""


@dataclass(frozen=True)
class Job:
    """A heavy job as plain data: ``target`` ("package.module:function") returns the engine generator when called
    with ``kwargs``; ``gpu``: the job runs on a GPU when the cluster has one."""

    target: str
    kwargs: dict = field(default_factory=dict)
    gpu: bool = False

    @classmethod
    def of(cls, function: Callable, /, *, gpu: bool = False, **kwargs) -> "Job":
        """The job that calls ``function(**kwargs)``, a module-level function of the engine.

        >>> from cvcore.conv.learn import learn_kernel
        >>> Job.of(learn_kernel, steps=3).target
        'cvcore.conv.learn:learn_kernel'
        """
        return cls(f"{function.__module__}:{function.__qualname__}", dict(kwargs), gpu)

    def function(self) -> Callable:
        module, _, name = self.target.partition(":")
        if not module.startswith("cvcore.") or not name.isidentifier():
            raise CvcoreError(f"a job's target must be a function of the engine ('cvcore.<module>:<name>'), "
                              f"got {self.target!r}")
        return getattr(importlib.import_module(module), name)

    def records(self) -> Iterator:
        """Run the job here, in this process (the reference the cluster's records must equal)."""
        return iter(self.function()(**self.kwargs))


def address() -> str | None:
    """The cluster named by ``$CVCORE_CLUSTER`` ("auto", or an address such as "ray-head:6379"), or None."""
    return os.environ.get(_ENV, "").strip() or None


def connect(where: str | None = None):
    """Connect this process to the cluster ``where`` (default ``address()``) once; returns the ``ray`` module.

    A process connects to one cluster for its lifetime: once connected, ``where`` is not looked at again.

    Raises:
        ClusterUnavailable: Ray is not installed, no cluster is named, or it cannot be reached.
    """
    where = where or address()
    try:
        import ray
    except ImportError:
        raise ClusterUnavailable(f"{_ENV}={where} needs Ray: `pip install -r requirements-cluster.txt`, "
                                 "or unset it to run the jobs in the web process") from None
    with _LOCK:
        if not ray.is_initialized():
            if where is None:
                raise ClusterUnavailable(f"no cluster is configured: expected {_ENV}=auto or an address, got nothing")
            _reachable(where)
            try:
                # The workers import the engine from this checkout (same path on every node of the pool).
                ray.init(address=where, namespace="cvcore", log_to_driver=False, configure_logging=False,
                         runtime_env={"env_vars": {"PYTHONPATH": _ROOT}})
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError ... for an absent head
                raise ClusterUnavailable(f"cannot reach the Ray cluster at {_ENV}={where}: {exc}") from None
        if ray.cluster_resources().get(JOB_RESOURCE, 0) < 1:
            raise ClusterUnavailable(f"the Ray cluster at {where} offers no '{JOB_RESOURCE}' resource: start its "
                                     f"nodes with --resources '{{\"{JOB_RESOURCE}\": N}}' (N jobs at once)")
    return ray


def _reachable(where: str, timeout: float = 3.0) -> None:
    """Fail fast for a head that does not answer: Ray itself would keep trying for minutes."""
    if where == "auto":  # Ray finds the cluster started on this machine, or says at once that there is none
        return
    host, _, port = where.split("://")[-1].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise ClusterUnavailable(f"cannot reach the Ray cluster at {_ENV}={where}: expected a Ray head answering "
                                 f"at host:port, got {exc}") from None


def _task(job: Job) -> Iterator:
    """The body of a task on a worker: the start signal, then the job's records, on the device Ray granted."""
    import ray

    os.environ["CVCORE_DEVICE"] = "cuda" if ray.get_gpu_ids() else "cpu"
    yield _STARTED
    yield from job.records()


_REMOTE = []


def _remote_task(ray):
    with _LOCK:
        if not _REMOTE:
            _REMOTE.append(ray.remote(_task))
        return _REMOTE[0]


class Submission:
    """One job submitted to the cluster; use it as a context manager (leaving it cancels the task)."""

    def __init__(self, job: Job, *, where: str | None = None):
        ray = self._ray = connect(where)
        gpus = 1 if job.gpu and ray.cluster_resources().get("GPU", 0) >= 1 else 0
        remote = _remote_task(ray).options(num_returns="streaming", num_cpus=1, num_gpus=gpus,
                                           resources={JOB_RESOURCE: 1}, max_retries=0, retry_exceptions=False,
                                           name=f"cvcore:{job.target}")
        self._stream = remote.remote(job)
        self.started = False
        self.finished = False

    def records(self, poll: float = 0.5) -> Iterator:
        """The job's records in order, with ``PENDING`` whenever none came within ``poll`` seconds.

        Raises:
            CvcoreError: the job's own error (bad input), re-raised as the engine raised it.
            ClusterJobFailed: the worker died or the task was cancelled by someone else.
        """
        ray = self._ray
        while True:
            ready, _ = ray.wait([self._stream], timeout=poll)
            if not ready:
                yield PENDING
                continue
            try:
                ref = next(self._stream)
            except StopIteration:
                self.finished = True
                return
            try:
                record = ray.get(ref)
            except ray.exceptions.RayTaskError as exc:
                self.finished = True
                raise exc.cause if isinstance(exc.cause, CvcoreError) else ClusterJobFailed(
                    f"the job failed on the cluster: {exc.cause!r}") from None
            except ray.exceptions.RayError as exc:
                self.finished = True
                raise ClusterJobFailed(f"the job's worker on the cluster stopped before the end "
                                       f"({type(exc).__name__}); start it again") from None
            if isinstance(record, str) and record == _STARTED:
                self.started = True
                continue
            yield record

    def cancel(self) -> None:
        """Stop the task now (its worker process is killed, which gives the slot back)."""
        if not self.finished:
            self.finished = True
            self._ray.cancel(self._stream, force=True)

    def __enter__(self) -> "Submission":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


def submit(job: Job, *, where: str | None = None) -> Submission:
    """Submit ``job`` to the cluster ``where`` (default ``$CVCORE_CLUSTER``); see ``Submission``."""
    return Submission(job, where=where)
