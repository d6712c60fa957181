"""A long job's worker: a thread that computes an engine generator off the script thread and publishes its records.

The page never waits for a step. ``Worker.start`` runs the generator in a thread of the server, through the job limit
(``ui.jobs.limited``: a slot of the server, or a task on the shared Ray pool when ``CVCORE_CLUSTER`` is set); every
record it yields waits in the worker until the page takes it (``take``, on the script thread, where the lab may write
the session). The worker never calls Streamlit.

A worker ends when the generator ends or raises, when it is cancelled (``cancel``: Stop, a second Start), or when its
page stopped asking about it: every look from the page (``seen``, each poll of the live view) is a heartbeat, and a
worker that had none for ``HEARTBEAT_TIMEOUT`` seconds cancels itself (the tab was closed, or the learner went to
another lab). It checks between steps and while it waits for a slot; an engine that takes a stop callback can ask
``stop_requested`` within its own loop and end with a last record of its own.

A worker may be paced (``rate``: records per second): an engine that computes 300 steps in a second would otherwise
be over before a class has seen the first one. It then publishes each record at least ``1 / rate`` seconds after the
one before; the engine is not resumed meanwhile, so its records are the same as unpaced, only later. The wait holds
the job's slot (the run is the learner's, being watched) and ends at once on ``cancel``.

Workers are kept by session and name (``register``, ``lookup``, ``workers_of``) in this module, never in
``st.session_state``, which holds small values only. A worker that ended stays until its page has taken its last
records (``forget``), or for ``FORGET_AFTER`` seconds when its session never comes back.
"""

import threading
import time
from collections import deque

from ui import jobs

__all__ = ["HEARTBEAT_TIMEOUT", "FORGET_AFTER", "PACE_CHECK", "Worker", "stop_requested", "register", "lookup", "forget",
           "workers_of"]

HEARTBEAT_TIMEOUT = 10.0  # seconds without a look from the page after which a worker stops (about 20 polls missed)
FORGET_AFTER = 600.0  # seconds an ended worker's records wait for a session that does not come back
PACE_CHECK = 0.1  # seconds: a paced wait asks at least this often whether the page still looks (``cancel`` is at once)

_CURRENT = threading.local()  # the worker whose thread this is


def stop_requested() -> bool | None:
    """In a worker's thread: whether it should stop now (cancelled, or nobody is watching). Elsewhere: None."""
    worker = getattr(_CURRENT, "worker", None)
    if worker is None:
        return None
    worker.listens = True
    return worker.should_end()


class Worker:
    """One run of a long job, computed in its own thread (see the module).

    Args:
        records: the engine's generator (not started yet)
        label: what the queue notice calls the job ("Learning a filter")
        owner: the session that runs it (one job per session, see ``ui.jobs.JobLimiter``)
        job: the same job as a ``cvcore.cluster.Job``, for the shared pool
        rate: at most this many records per second (None: each as soon as it is computed); the page may change
            ``rate`` while the job runs
    """

    def __init__(self, records, *, label: str, owner: str, job=None, rate: float | None = None):
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be > 0 records per second or None, got {rate}")
        self.label, self.owner, self.rate = label, owner, rate
        self._records, self._job = records, job
        self._lock = threading.Lock()
        self._pending: deque = deque()  # published, not yet taken by the page
        self._notice: str | None = None
        self._cancelled = threading.Event()
        self._ended = threading.Event()
        self._last_seen = time.monotonic()
        self._ended_at: float | None = None
        self._published_at: float | None = None  # when the last record was published (the thread's own clock)
        self.unwatched = False  # it stopped itself: no look from the page for HEARTBEAT_TIMEOUT seconds
        self.completed = False  # the generator ran to its end, uncancelled
        self.error: BaseException | None = None
        self.listens = False  # the engine asked ``stop_requested`` (it ends itself once asked to stop)
        self.view = None  # what the page does with the records (``ui.live_job`` keeps it here, off the session)
        self.thread = threading.Thread(target=self._run, name=f"job {label}", daemon=True)

    # --- the page's side -------------------------------------------------------------------------------------------
    def start(self) -> "Worker":
        self.thread.start()
        return self

    def cancel(self) -> None:
        """Stop after the current step (and leave the queue, or cancel the pool's task)."""
        self._cancelled.set()

    def seen(self) -> None:
        """The page looked at this job: it is still wanted."""
        with self._lock:
            self._last_seen = time.monotonic()

    def take(self) -> list:
        """The records published since the last ``take``, oldest first."""
        with self._lock:
            items = list(self._pending)
            self._pending.clear()
            return items

    @property
    def notice(self) -> str | None:
        """What the page should say while the job waits for a slot (its place in the queue), else None."""
        with self._lock:
            return self._notice

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the thread has ended (at most ``timeout`` seconds); whether it has."""
        return self._ended.wait(timeout)

    def stale(self, now: float) -> bool:
        """Ended, and not looked at since ``FORGET_AFTER`` seconds."""
        with self._lock:
            return self._ended_at is not None and now - max(self._ended_at, self._last_seen) > FORGET_AFTER

    # --- the thread's side -----------------------------------------------------------------------------------------
    def should_end(self) -> bool:
        if self._cancelled.is_set():
            return True
        with self._lock:
            unwatched = time.monotonic() - self._last_seen > HEARTBEAT_TIMEOUT
        if unwatched:
            self.unwatched = True
            self._cancelled.set()
        return unwatched

    def _keep_pace(self) -> None:
        """Wait until the next record is due (``1 / rate`` seconds after the last one), or until the job should end."""
        rate = self.rate
        if rate is not None and self._published_at is not None:
            due = self._published_at + 1.0 / rate
            while (left := due - time.monotonic()) > 0 and not self.should_end():
                self._cancelled.wait(min(left, PACE_CHECK))
        self._published_at = time.monotonic()

    def _say(self, text: str | None) -> None:
        with self._lock:
            self._notice = text

    def _run(self) -> None:
        _CURRENT.worker = self
        try:
            stream = jobs.limited(self._records, self.label, owner=self.owner, job=self._job, notice=self._say,
                                  stopped=self.should_end)
            try:
                last_word = False  # an engine that listens gets one more record after the stop: its own last one
                for item in stream:
                    self._keep_pace()
                    with self._lock:
                        self._pending.append(item)
                        self._notice = None
                    if self.should_end():
                        if self.listens and not last_word:
                            last_word = True
                            continue
                        break
                else:
                    self.completed = not self._cancelled.is_set()
            finally:
                stream.close()  # gives the slot back (or cancels the pool's task) and closes the engine
        except BaseException as exc:  # handed to the page, which shows it (see ``ui.live_job``)
            self.error = exc
        finally:
            with self._lock:
                self._ended_at = time.monotonic()
                self._notice = None
            self._ended.set()
            _CURRENT.worker = None


_WORKERS: dict[tuple[str, str], Worker] = {}  # (session, job name) -> its current worker
_WORKERS_LOCK = threading.Lock()


def register(session: str, name: str, worker: Worker) -> None:
    """Keep ``worker`` as the session's job ``name``; a worker kept there before is cancelled and dropped."""
    now = time.monotonic()
    with _WORKERS_LOCK:
        for key in [key for key, kept in _WORKERS.items() if kept.stale(now)]:
            del _WORKERS[key]
        previous = _WORKERS.get((session, name))
        _WORKERS[(session, name)] = worker
    if previous is not None:
        previous.cancel()


def lookup(session: str, name: str) -> Worker | None:
    with _WORKERS_LOCK:
        return _WORKERS.get((session, name))


def forget(session: str, name: str, worker: Worker) -> None:
    """Drop ``worker`` (its page has taken everything it had), unless another one has replaced it."""
    with _WORKERS_LOCK:
        if _WORKERS.get((session, name)) is worker:
            del _WORKERS[(session, name)]


def workers_of(session: str) -> list[Worker]:
    """The workers kept for ``session``, running or waiting for their page."""
    with _WORKERS_LOCK:
        return [worker for (owner, _), worker in _WORKERS.items() if owner == session]
