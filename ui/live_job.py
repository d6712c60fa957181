"""A long job that a learner starts, watches and stops: one runner for the labs' five (learning a filter, training
in Build and Transfer, activation maximization, style transfer).

``LiveJob(key, label)`` keeps a small record of the session's run in the session (under ``f"{key}._job"``, or
``record_key``). ``start_button`` remembers a click for the next run (a callback survives any rerun) and
``stop_button`` ends the run after its current step; a Start while a run is going stops that run and says so (one
run at a time). ``run`` consumes the engine's generator through the server's job limit (``ui.jobs``: the queue
position is shown while it waits), shows a progress bar, hands every record to the lab (``keep``, which stores what
should outlive the run in the session) and redraws the live view at most a few times a second.

A click anywhere reruns the page: Streamlit starts the new script run (and the click's callback) at once, and
stops the old one at its next Streamlit call, so the old loop may still finish and keep the step it is computing;
it then finds its record no longer active and ends (an engine that takes a stop callback gets ``should_stop``). A
click that is not Stop or Start leaves the record marked running; the next ``requested`` or ``outcome`` calls it
stopped, so ``outcome`` always says how far the last run got. What ``keep`` stored stays, whichever way the run
ended.

The record is a small dict: ``active``, ``state`` ("running", "done", "stopped" or "failed"), ``step`` of ``steps``,
``message``, ``payload`` (what the Start button asked for), and the lab's own fields (the ``start`` dict of
``run`` becomes the record, so ``keep`` may write into it).
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import streamlit as st

from cvcore.errors import CvcoreError
from ui import jobs

__all__ = ["LiveJob", "Outcome"]


@dataclass(frozen=True)
class Outcome:
    """How the last run of a job ended: ``state`` is "done", "stopped" or "failed"; ``step`` of ``steps`` were done;
    ``payload`` is what its Start button asked for."""

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
        """For engines that take a stop callback: True once Stop (or a second Start) was clicked."""
        return not self.running

    def _halt(self, why: str) -> None:
        record = self.record
        record["active"], record["state"], record["stopped_by"] = False, "stopped", why
        self._say_where_it_stopped(record)

    def _say_where_it_stopped(self, record: dict) -> None:
        # Said again by ``outcome``: the stopped loop may still keep the step it was computing (see ``run``).
        record["message"] = (f"Stopped at {self.unit} {_count(record['step'])} of {_count(record['steps'])}"
                             f"{record['stopped_by']}")

    # --- the buttons ----------------------------------------------------------------------------------------------
    def _on_start(self, payload) -> None:
        if self.running:
            record = self.record
            self._halt(" by a second Start.")
            st.session_state[self._notice_key] = (
                f"A run was already going in this session ({self.unit} {_count(record['step'])} of "
                f"{_count(record['steps'])}); one run at a time, so it has been stopped and {self.kept}. Press Start "
                "again to begin a new run.")
        else:
            st.session_state[self._go_key] = payload

    def _on_stop(self) -> None:
        if self.running:
            self._halt(f"; {self.kept}.")
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

        Call it once per script run, after the buttons: it shows a pending notice and settles a run that a click
        elsewhere interrupted, so that a later Start is not taken for a second one."""
        self.outcome()
        notice = st.session_state.pop(self._notice_key, None)
        if notice:
            st.warning(notice)
        payload = st.session_state.pop(self._go_key, None)
        if payload is not None:
            st.session_state[self._payload_key] = payload  # for the ``run`` that follows
        return payload

    # --- the run ---------------------------------------------------------------------------------------------------
    def run(self, records: Iterable, *, total: float, step: Callable, text: Callable, keep: Callable,
            draw: Callable | None = None, start: dict | None = None, every: float = 0.25, job=None) -> Outcome:
        """Consume ``records`` live. ``step(record)`` is how far it is (of ``total``, in the job's units),
        ``text(record)`` the progress line, ``keep(record)`` stores what should outlive the run, ``draw(record, slot)``
        redraws the live view into ``slot`` (an ``st.empty``), at most every ``every`` seconds and at the last
        record. ``start``: the lab's own fields; this dict becomes the record (so ``keep`` may write into it). ``job``: the
        same job as a ``cvcore.cluster.Job``, which runs on the shared Ray pool when ``CVCORE_CLUSTER`` is set."""
        record = start if start is not None else {}
        record.update(active=True, state="running", step=0, steps=total, message="",
                      payload=st.session_state.pop(self._payload_key, None))
        st.session_state[self._record_key] = record
        bar = st.progress(0.0, text="Starting ...")
        slot = st.empty()
        last_draw = 0.0
        stream = jobs.limited(records, self.label, job=job)
        try:
            for item in stream:
                record["step"] = step(item)
                keep(item)
                now = time.perf_counter()
                if now - last_draw > every or record["step"] >= total:
                    last_draw = now
                    bar.progress(min(max(record["step"] / max(total, 1), 0.0), 1.0), text=text(item))
                    if draw is not None:
                        draw(item, slot)
                if not record["active"]:  # Stop, a second Start or another click came during this step
                    break
                jobs.yield_to_click()  # a click inside the lab's part: let it in now (the record stays running)
            else:
                record["state"] = "done"
        except (CvcoreError, jobs.JobRefused) as exc:  # bad input for the engine, or the server refused the job
            record["state"], record["message"] = "failed", str(exc)
            st.error(str(exc))
        finally:
            stream.close()  # gives the job slot back now, also when a click stops the script run
        # Not in the ``finally``: a click that interrupts the loop leaves the record marked running, which is how the
        # next run learns that this one was stopped (see ``outcome``).
        record["active"] = False
        bar.empty()
        slot.empty()
        return self.outcome()

    def outcome(self) -> Outcome | None:
        """How the last run ended, or None if there was none. A run still marked running here was interrupted by a
        click (this is a later script run), so it counts as stopped."""
        record = self.record
        if record is None:
            return None
        if record["active"]:
            self._halt(": the page was changed during the run.")
        elif record.get("stopped_by"):
            self._say_where_it_stopped(record)
        return Outcome(record.get("state", "done"), record.get("step", 0), record.get("steps", 0),
                       record.get("message", ""), record.get("payload"))
