"""A server-wide limit on heavy jobs (training, learning a filter, synthesising an image, style transfer).

Every session of the server shares one ``JobLimiter``: at most ``job_slots()`` long jobs compute at
once, the others wait in arrival order and see their place in the queue, and a session runs one
long job at a time. A lab adopts it with one line around its engine generator::

    from ui import jobs

    for record in jobs.limited(learn_kernel(image, target, **opts), "Learning a filter"):
        ...  # draw the progress as before

The slot is taken before the first step and given back when the loop ends, when the job raises,
and when Streamlit stops the run (a click on Stop or any widget reruns the page, which closes the
generator; see ``click_pending`` for clicks inside a fragment). ``CVCORE_JOBS`` sets the number of slots; by default one per GPU when the engine runs
on CUDA, else one per CPU core the process may use.
"""

import itertools
import os
import threading
import time
from collections import deque
from contextlib import contextmanager

import streamlit as st

__all__ = ["JobLimiter", "JobRefused", "job_slots", "limiter", "limited", "on_pool", "click_pending", "yield_to_click"]


def click_pending() -> bool:
    """Whether the learner has clicked or changed a control since this script run started, and the new run waits.

    A click on a widget outside any ``st.fragment`` stops the current run at its next Streamlit call; a click on a
    widget inside one (every lab's controls are, see ``ui.page.part``) does not: Streamlit lets the run finish
    first, so a long job would run to its end before its own Stop button was read. The job loops ask this after
    every step instead. Streamlit has no public call for it; if its internals change, this answers False and a
    job runs to its end (or to a click outside the lab's part).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    ctx = get_script_run_ctx()
    requests = getattr(ctx, "script_requests", None)
    return getattr(requests, "_state", None) is ScriptRequestType.RERUN


def yield_to_click() -> None:
    """If a click waits (``click_pending``), end this run now and rerun the whole page with it, as a click outside
    a fragment would: the click's callback (Stop, a second Start) then runs first, and every part is redrawn."""
    if click_pending():
        st.rerun()


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

        ``position`` is 1 for the next job to start. Raises ``JobRefused`` if ``owner`` still has a job after
        ``owner_wait`` seconds (a job that was just stopped gives its slot back at the end of its current step).
        An exception raised by ``on_wait`` (Streamlit stopping the run) leaves the queue.
        """
        deadline = time.monotonic() + owner_wait
        with self._cond:
            while owner in self._owners:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise JobRefused("this session already runs a long job; expected one at a time, got a second: "
                                     "stop the first one (or wait for it to end) and start again")
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


def _owner() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else f"thread-{threading.get_ident()}"


def limited(records, label: str, *, shared: JobLimiter | None = None, job=None):
    """Yield ``records`` (an engine generator) while holding a job slot; show the queue position meanwhile.

    ``job`` (a ``cvcore.cluster.Job``): the same job as plain data. When ``CVCORE_CLUSTER`` names a Ray cluster, it
    runs there instead (``records`` is then never started) and the pool's global limit applies (see ``on_pool``)."""
    from cvcore import cluster

    if job is not None and cluster.address() is not None:
        close = getattr(records, "close", None)
        if close is not None:
            close()
        yield from on_pool(job, label)
        return
    notice = st.empty()
    started = time.monotonic()

    def waiting(ahead: int) -> None:
        yield_to_click()  # Stop (or any click) while in the queue leaves it
        jobs_word = "job" if ahead == 1 else "jobs"
        notice.info(f"{label}: waiting for the server, {ahead} {jobs_word} ahead of yours in the queue "
                    f"({time.monotonic() - started:.0f} s so far). It starts by itself.", icon=":material/hourglass_top:")

    try:
        # A run stopped a moment ago may still be finishing its step: wait for it rather than refuse at once.
        with (shared or limiter()).slot(_owner(), on_wait=waiting, owner_wait=_PREVIOUS_RUN_WAIT):
            notice.empty()
            yield from records
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


_SESSIONS_ON_POOL = JobLimiter(1 << 30)  # no limit of its own (the pool has one): only one job per session


def on_pool(job, label: str, *, poll: float = 0.5):
    """Yield the records of ``job`` (a ``cvcore.cluster.Job``) computed on the Ray cluster ``$CVCORE_CLUSTER``.

    The cluster's ``cvcore_job`` resource limits the jobs of every replica together; while this one waits for it the
    page says so. Leaving the loop (its end, Stop, a click, the session closing: Streamlit stops the run at its
    next call, which closes this generator) cancels the task. Raises ``cvcore.cluster.ClusterUnavailable`` (shown
    by ``ui.live_job``) when Ray is missing or the cluster cannot be reached."""
    from cvcore import cluster

    notice = st.empty()
    started, waiting = time.monotonic(), True
    with _SESSIONS_ON_POOL.slot(_owner(), owner_wait=_PREVIOUS_RUN_WAIT), cluster.submit(job) as run:
        for record in run.records(poll=poll):
            if record is cluster.PENDING:
                yield_to_click()  # Stop (or any click) while waiting or during a long step
                if not run.started:
                    notice.info(f"{label}: waiting for the shared pool of servers, where every job runs in turn "
                                f"({time.monotonic() - started:.0f} s so far). It starts by itself.",
                                icon=":material/hourglass_top:")
                else:  # a long step: still a Streamlit call now and then, where the run of a closed session stops
                    notice.empty()
                continue
            if waiting:
                waiting = False
                notice.empty()
            yield record
