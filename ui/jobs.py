"""A server-wide limit on heavy jobs (training, learning a filter, synthesising an image, style transfer).

Every session of the server shares one ``JobLimiter``: at most ``job_slots()`` long jobs compute at once, the others
wait in arrival order and see their place in the queue, and a session runs one long job at a time. A job's worker
(``ui.worker``, a thread off the script thread) consumes its engine generator through it::

    from ui import jobs

    for record in jobs.limited(learn_kernel(image, target, **opts), "Learning a filter", owner=session,
                               notice=say, stopped=cancelled):
        ...  # publish the record for the page

The slot is taken before the first step and given back when the loop ends, when the job raises, and when the loop is
left early (Stop: ``stopped()`` says so while the job waits, and the worker leaves the loop between steps, which closes
this generator). ``CVCORE_JOBS`` sets the number of slots; by default one per GPU when the engine runs on CUDA, else
one per CPU core the process may use. Nothing here calls Streamlit but ``session_id``, on the script thread.
"""

import itertools
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager

import streamlit as st

__all__ = ["JobLimiter", "JobRefused", "SESSION_KEY", "job_slots", "limiter", "limited", "on_pool", "session_id"]

SESSION_KEY = "jobs.session"  # where the session keeps its id


def session_id() -> str:
    """This browser session's id, made on first use and kept in ``st.session_state`` (the owner of its jobs)."""
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = uuid.uuid4().hex
    return st.session_state[SESSION_KEY]


class JobRefused(RuntimeError):
    """The server refused a long job: the session already runs one, or ``CVCORE_JOBS`` is not a valid number.

    A refusal of the web app, not of the engine, so it is not a ``CvcoreError``; ``ui.live_job`` shows it."""


def job_slots() -> int:
    """How many heavy jobs may compute at once: ``$CVCORE_JOBS``, else GPUs in use, else usable CPU cores."""
    raw = os.environ.get("CVCORE_JOBS", "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise JobRefused(f"CVCORE_JOBS must be a whole number >= 1, got {raw!r}")
        return value
    from cvcore.device import default_device

    device = default_device()
    if device.type == "cuda":
        import torch

        return max(1, torch.cuda.device_count())
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class JobLimiter:
    """At most ``slots`` jobs at once, first come first served, one per owner (a session)."""

    def __init__(self, slots: int):
        if slots < 1:
            raise JobRefused(f"expected at least 1 job slot, got {slots}")
        self.slots = slots
        self._cond = threading.Condition()
        self._queue: deque[int] = deque()  # waiting tickets, oldest first
        self._running: dict[int, str] = {}  # ticket -> owner
        self._owners: set[str] = set()  # owners with a job waiting or running
        self._tickets = itertools.count()

    def running(self) -> int:
        with self._cond:
            return len(self._running)

    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)

    @contextmanager
    def slot(self, owner: str, *, on_wait=None, poll: float = 0.5, owner_wait: float = 0.0):
        """Hold a slot for the ``with`` block; while waiting, ``on_wait(position)`` is called every ``poll`` s.

        ``position`` is 1 for the next job to start, 0 while ``owner``'s previous job ends its step. Raises ``JobRefused`` if ``owner`` still has a job after
        ``owner_wait`` seconds (a job that was just stopped gives its slot back at the end of its current step).
        An exception raised by ``on_wait`` (the job was stopped while it waits) leaves the queue.
        """
        deadline = time.monotonic() + owner_wait
        with self._cond:
            while owner in self._owners:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise JobRefused("this session already runs a long job; expected one at a time, got a second: "
                                     "stop the first one (or wait for it to end) and start again")
                if on_wait is not None:
                    self._cond.release()  # ``on_wait`` may take a while, or raise: never under the lock
                    try:
                        on_wait(0)
                    finally:
                        self._cond.acquire()
                self._cond.wait(min(poll, left))
            ticket = next(self._tickets)
            self._owners.add(owner)
            self._queue.append(ticket)
        try:
            while True:
                with self._cond:
                    position = self._queue.index(ticket) + 1
                    if position <= self.slots - len(self._running):
                        self._queue.remove(ticket)
                        self._running[ticket] = owner
                        break
                    ahead = position - (self.slots - len(self._running))
                if on_wait is not None:
                    on_wait(ahead)
                with self._cond:
                    self._cond.wait(poll)
            yield
        finally:
            with self._cond:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                self._running.pop(ticket, None)
                self._owners.discard(owner)
                self._cond.notify_all()


_LIMITER: JobLimiter | None = None
_PREVIOUS_RUN_WAIT = 60.0  # seconds: a long epoch of full fine-tuning on a CPU
_LOCK = threading.Lock()


def limiter() -> JobLimiter:
    """The server's limiter, created on first use with ``job_slots()`` slots."""
    global _LIMITER
    with _LOCK:
        if _LIMITER is None:
            _LIMITER = JobLimiter(job_slots())
        return _LIMITER


class _Stopped(Exception):
    """The job was stopped while it waited (``stopped()`` said so): it leaves the queue."""


def _never() -> bool:
    return False


def limited(records, label: str, *, owner: str | None = None, notice: Callable[[str | None], None] | None = None,
            stopped: Callable[[], bool] = _never, shared: JobLimiter | None = None, job=None):
    """Yield ``records`` (an engine generator) while holding a job slot of ``owner`` (a session; by default this
    thread); ``notice(text)`` is told the queue position meanwhile, and ``notice(None)`` once the job computes.

    ``stopped()`` is asked while the job waits: once it says True the job leaves the queue and nothing is yielded.
    ``job`` (a ``cvcore.cluster.Job``): the same job as plain data. When ``CVCORE_CLUSTER`` names a Ray cluster, it
    runs there instead (``records`` is then never started) and the pool's global limit applies (see ``on_pool``)."""
    from cvcore import cluster

    owner = owner or f"thread-{threading.get_ident()}"
    notice = notice or (lambda text: None)
    if job is not None and cluster.address() is not None:
        close = getattr(records, "close", None)
        if close is not None:
            close()
        yield from on_pool(job, label, owner=owner, notice=notice, stopped=stopped)
        return
    started = time.monotonic()

    def waiting(ahead: int) -> None:
        if stopped():  # Stop while in the queue leaves it
            raise _Stopped
        if ahead:
            jobs_word = "job" if ahead == 1 else "jobs"
            notice(f"{label}: waiting for the server, {ahead} {jobs_word} ahead of yours in the queue "
                   f"({time.monotonic() - started:.0f} s so far). It starts by itself.")

    try:
        # A run stopped a moment ago may still be finishing its step: wait for it rather than refuse at once.
        with (shared or limiter()).slot(owner, on_wait=waiting, owner_wait=_PREVIOUS_RUN_WAIT):
            notice(None)
            yield from records
    except _Stopped:
        return
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


_SESSIONS_ON_POOL = JobLimiter(1 << 30)  # no limit of its own (the pool has one): only one job per session


def on_pool(job, label: str, *, owner: str | None = None, notice: Callable[[str | None], None] | None = None,
            stopped: Callable[[], bool] = _never, poll: float = 0.5):
    """Yield the records of ``job`` (a ``cvcore.cluster.Job``) computed on the Ray cluster ``$CVCORE_CLUSTER``.

    The cluster's ``cvcore_job`` resource limits the jobs of every replica together; while this one waits for it,
    ``notice`` is told so. Leaving the loop (its end, Stop, ``stopped()`` while the task waits or computes a long
    step) cancels the task. Raises ``cvcore.cluster.ClusterUnavailable`` (shown by ``ui.live_job``) when Ray is
    missing or the cluster cannot be reached."""
    from cvcore import cluster

    owner = owner or f"thread-{threading.get_ident()}"
    notice = notice or (lambda text: None)
    started, waiting = time.monotonic(), True
    with _SESSIONS_ON_POOL.slot(owner, owner_wait=_PREVIOUS_RUN_WAIT), cluster.submit(job) as run:
        for record in run.records(poll=poll):
            if record is cluster.PENDING:
                if stopped():  # Stop while waiting or during a long step
                    return
                if not run.started:
                    notice(f"{label}: waiting for the shared pool of servers, where every job runs in turn "
                           f"({time.monotonic() - started:.0f} s so far). It starts by itself.")
                else:
                    notice(None)
                continue
            if waiting:
                waiting = False
                notice(None)
            yield record
