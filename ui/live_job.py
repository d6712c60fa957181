"""A long job that a learner starts, watches and stops: one runner for the labs' five (learning a filter, training
in Build and Transfer, activation maximization, style transfer).

``LiveJob(key, label)`` keeps a small record of the session's run in the session (under ``f"{key}._job"``, or
``record_key``). ``start_button`` remembers a click for the next run (a callback survives any rerun) and
``stop_button`` stops the run after its current step; a Start while a run is going stops that run and says so (one
run at a time).

``run`` hands the engine's generator to a worker (``ui.worker``: a thread of the server, through the server's job
limit, or a task on the shared Ray pool) and returns at once: the script thread never computes a step. The page draws
the run from a fragment that reruns every ``every`` seconds (``st.fragment(run_every=...)``): it takes the records the
worker published, hands each to the lab (``keep``, which stores what should outlive the run in the session), and
draws the progress bar, the queue position while the job waits, and the live view of the newest record (``draw``).
When the run has ended, the fragment reruns the page, whose ``requested`` settles it (its outcome, and ``then``).
A job whose steps are over before anyone could watch them is paced: ``run(..., rate=25)`` has the worker publish at
most 25 records a second, and ``set_rate`` changes that while it runs (a learner slows it down for a class).

Any other click reruns the page, and the run goes on: ``requested`` draws the live view again where ``run`` drew it.
Each poll tells the worker that the page still looks; a closed tab (or a learner gone to another lab) sends none, and
the worker stops by itself after ``ui.worker.HEARTBEAT_TIMEOUT`` seconds; the next ``requested`` or ``outcome`` calls
such a run stopped, so ``outcome`` always says how far the last run got. What ``keep`` stored stays, whichever way the
run ended.

The record is a small dict: ``active``, ``state`` ("running", "done", "stopped" or "failed"), ``step`` of ``steps``,
``message``, ``payload`` (what the Start button asked for), and the lab's own fields (the ``start`` dict of
``run`` becomes the record, so ``keep`` may write into it). The worker, the engine and its records live in the
server (``ui.worker``), never in the session.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import streamlit as st

from cvcore.errors import CvcoreError
from ui import jobs, worker

_LEFT = ": the page was left during the run."  # nobody watched it: the tab was closed, or another lab opened

__all__ = ["LiveJob", "Outcome"]

_REPLAY_WINDOW = 2.0  # seconds after a click stopped a run in which the same callback, called again, is ignored


@dataclass(frozen=True)
class Outcome:
    """How the last run of a job ended: ``state`` is "done", "stopped" or "failed" ("running" while its worker
    computes); ``step`` of ``steps`` were done; ``payload`` is what its Start button asked for."""

    state: str
    step: float
    steps: float
    message: str = ""
    payload: object = None

    @property
    def stopped(self) -> bool:
        return self.state == "stopped"


def _count(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


@dataclass
class _View:
    """What the page does with a run's records (``LiveJob.run``'s arguments), kept beside its worker in the server."""

    total: float
    step: Callable
    text: Callable
    keep: Callable
    draw: Callable | None
    then: Callable | None
    every: float
    last: object = field(default=None)  # the newest record taken, which the live view shows


class LiveJob:
    """One lab's long job in one session (see the module).

    Args:
        key: the prefix of its session keys (the lab's namespace, e.g. "learn")
        label: what the queue notice calls it ("Learning a filter")
        record_key: where the record lives in the session (default ``f"{key}._job"``)
        unit: what one step is called in the messages ("step", "epoch")
        kept: the clause that says what a stopped run keeps ("the image so far is kept")
    """

    def __init__(self, key: str, label: str, *, record_key: str | None = None, unit: str = "step",
                 kept: str = "what it had so far is kept"):
        self.key, self.label, self.unit, self.kept = key, label, unit, kept
        self._record_key = record_key or f"{key}._job"
        self._go_key, self._payload_key, self._notice_key = f"{key}._go", f"{key}._payload", f"{key}._notice"
        self._error_key = f"{key}._error"
        self._halted_key = f"{key}._halted"  # a click that stopped the run, until the page has drawn that

    # --- the record kept in the session --------------------------------------------------------------------------
    @property
    def record(self) -> dict | None:
        """The last run's record (with the lab's own fields), or None before the first run."""
        return st.session_state.get(self._record_key)

    @property
    def running(self) -> bool:
        record = self.record
        return bool(record and record["active"])

    def should_stop(self) -> bool:
        """For engines that take a stop callback: True once Stop (or a second Start) was clicked. It is called in the
        worker's thread, where it answers for that worker (``ui.worker.stop_requested``)."""
        in_worker = worker.stop_requested()
        return (not self.running) if in_worker is None else in_worker

    def _worker(self) -> worker.Worker | None:
        return worker.lookup(jobs.session_id(), self._record_key)

    def _halt(self, why: str, *, clicked: bool = False) -> None:
        if clicked:
            st.session_state[self._halted_key] = time.monotonic()
        record = self.record
        record["active"], record["state"], record["stopped_by"] = False, "stopped", why
        self._say_where_it_stopped(record)
        running = self._worker()
        if running is not None:
            running.cancel()

    def _say_where_it_stopped(self, record: dict) -> None:
        # Said again by ``outcome``: the worker may still publish the step it was computing (see ``run``).
        record["message"] = (f"Stopped at {self.unit} {_count(record['step'])} of {_count(record['steps'])}"
                             f"{record['stopped_by']}")

    # --- the buttons ----------------------------------------------------------------------------------------------
    def _replayed(self) -> bool:
        """Whether this click's callback already stopped the run. Streamlit calls a button's callback again when the
        run it started was cut short by another rerun (a poll of the live view): a second Start would otherwise
        stop the run, then, called again, start a new one."""
        at = st.session_state.get(self._halted_key)
        return at is not None and time.monotonic() - at < _REPLAY_WINDOW

    def _on_start(self, payload) -> None:
        if self._replayed():
            return
        if self.running:
            record = self.record
            self._halt(" by a second Start.", clicked=True)
            st.session_state[self._notice_key] = (
                f"A run was already going in this session ({self.unit} {_count(record['step'])} of "
                f"{_count(record['steps'])}); one run at a time, so it has been stopped and {self.kept}. Press Start "
                "again to begin a new run.")
        else:
            st.session_state[self._go_key] = payload

    def _on_stop(self) -> None:
        if self._replayed():
            return
        if self.running:
            self._halt(f"; {self.kept}.", clicked=True)
        else:
            st.session_state[self._notice_key] = "Nothing is running: press Start."

    def start_button(self, label: str = "Start", where=None, *, key: str | None = None, payload=True,
                     **kwargs) -> None:
        """A button that starts the job on the next run (``requested`` then returns ``payload``); one job may have
        several (Train, Train both), told apart by their payloads. Keyword arguments go to ``st.button``."""
        (where or st).button(label, key=key or f"{self.key}.start", on_click=self._on_start, args=(payload,),
                             **{"type": "primary", **kwargs})

    def stop_button(self, where=None, *, key: str | None = None, **kwargs) -> None:
        (where or st).button("Stop", key=key or f"{self.key}.stop", on_click=self._on_stop,
                             **{"help": f"Stops after the current {self.unit}; what was done so far is kept.",
                                **kwargs})

    def requested(self):
        """What a Start button asked for since the last script run (its ``payload``), once; None if nothing.

        Call it once per script run, after the buttons: it takes what the running job computed since the last look,
        settles a run that has ended (its messages show here), and, while a run computes, draws its live view here.
        """
        payload = st.session_state.pop(self._go_key, None)
        st.session_state.pop(self._halted_key, None)  # the click that stopped a run has been handled
        computing = self._catch_up()
        notice = st.session_state.pop(self._notice_key, None)
        if notice:
            st.warning(notice)
        error = st.session_state.pop(self._error_key, None)
        if error:
            st.error(error)
        if payload is not None:
            st.session_state[self._payload_key] = payload  # for the ``run`` that follows
        elif computing:
            self._live_view()
        return payload

    # --- the run ---------------------------------------------------------------------------------------------------
    def run(self, records: Iterable, *, total: float, step: Callable, text: Callable, keep: Callable,
            draw: Callable | None = None, start: dict | None = None, every: float = 0.25, job=None,
            then: Callable | None = None, rate: float | None = None) -> None:
        """Start ``records`` (the engine's generator, not started yet) in a worker and draw its live view here.

        ``step(record)`` is how far it is (of ``total``, in the job's units), ``text(record)`` the progress line,
        ``keep(record)`` stores what should outlive the run, ``draw(record, slot)`` redraws the live view into
        ``slot`` (an ``st.empty``) every ``every`` seconds: all three are called on the script thread, with every
        record in order (``draw`` with the newest). ``start``: the lab's own fields; this dict becomes the record (so
        ``keep`` may write into it). ``job``: the same job as a ``cvcore.cluster.Job``, which runs on the shared Ray
        pool when ``CVCORE_CLUSTER`` is set. ``then(outcome)`` is called once the run has ended (done, stopped or
        failed), after the last ``keep``, in a later script run. ``rate``: at most this many records per second (see
        ``ui.worker``; None: each as soon as it is computed)."""
        record = start if start is not None else {}
        record.update(active=True, state="running", step=0, steps=total, message="",
                      payload=st.session_state.pop(self._payload_key, None))
        record.pop("stopped_by", None)
        st.session_state[self._record_key] = record
        session = jobs.session_id()
        running = worker.Worker(records, label=self.label, owner=session, job=job, rate=rate)
        running.view = _View(total, step, text, keep, draw, then, every)
        worker.register(session, self._record_key, running)
        running.start()
        self._live_view()

    def set_rate(self, rate: float | None) -> None:
        """Pace the running job (if any) at ``rate`` records per second from its next record on (None: unpaced)."""
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be > 0 records per second or None, got {rate}")
        running = self._worker()
        if running is not None:
            running.rate = rate

    def _catch_up(self) -> bool:
        """Take the worker's new records (``keep``) and settle its run if it ended; whether a run still computes."""
        record, running = self.record, self._worker()
        if running is None:
            if record is not None and record["active"]:  # its worker is gone (dropped, or the server restarted)
                self._halt(_LEFT)
            return False
        running.seen()
        if not self._take(running):
            return True
        worker.forget(jobs.session_id(), self._record_key, running)
        if record is None:
            return False
        view, exc = running.view, running.error
        if exc is not None:
            record["active"], record["state"], record["message"] = False, "failed", str(exc)
            if not isinstance(exc, (CvcoreError, jobs.JobRefused)):  # a bug: the page shows its traceback
                raise exc
            st.session_state[self._error_key] = str(exc)  # bad input for the engine, or the server refused the job
        elif record["active"]:
            if running.completed:
                record["state"] = "done"
            else:  # it stopped itself: no poll came
                self._halt(_LEFT)
        record["active"] = False
        if view.then is not None:
            view.then(self.outcome())
        return False

    def _take(self, running: worker.Worker) -> bool:
        """Hand the records published since the last look to the lab; whether the worker has ended (and so every
        record it will publish has been taken)."""
        ended = running.ended  # read first: a record published after this is taken at the next look
        view, record = running.view, self.record
        for item in running.take():
            view.last = item
            if record is not None:
                record["step"] = view.step(item)
            view.keep(item)
        return ended

    def _live_view(self) -> None:
        running = self._worker()
        if running is not None:
            st.fragment(run_every=running.view.every)(self._poll)()

    def _poll(self) -> None:
        """The live view (a fragment that reruns on a timer): the newest record, the progress, the queue notice."""
        running = self._worker()
        if running is None:
            st.rerun(scope="app")  # settled elsewhere: the page redraws without the live view, which stops polling
        running.seen()
        if self._take(running):
            st.rerun(scope="app")  # ended: ``requested`` settles it, and the results below are redrawn
        view, record = running.view, self.record
        if view.last is None:
            st.progress(0.0, text="Starting ...")
        else:
            st.progress(min(max(record["step"] / max(view.total, 1), 0.0), 1.0), text=view.text(view.last))
        slot = st.empty()
        if view.draw is not None and view.last is not None:
            view.draw(view.last, slot)
        notice = running.notice
        if notice:
            st.info(notice, icon=":material/hourglass_top:")

    def outcome(self) -> Outcome | None:
        """How the last run ended, or None if there was none; while it computes, its state is "running"."""
        self._catch_up()
        record = self.record
        if record is None:
            return None
        if record.get("stopped_by"):
            self._say_where_it_stopped(record)
        return Outcome(record.get("state", "done"), record.get("step", 0), record.get("steps", 0),
                       record.get("message", ""), record.get("payload"))
