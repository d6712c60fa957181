"""A class at once: dozens of learners simulated in one process, each speaking Streamlit's own protocol.

    make load                  # LEARNERS="1 10 30 60" MINUTES=1.5 TOPOLOGY=both (single, nginx)
    .venv/bin/python benchmarks/load/driver.py --learners 1 10 30 60 --minutes 1.5 --topology both --report load.md
    .venv/bin/python benchmarks/load/driver.py --browser --learners 1 2   # Chromium and this driver, same walk, same server

Each learner is one browser tab spoken over the WebSocket by ``benchmarks/load/stclient.py`` (see there for the
protocol: cookies, subprotocol, ``rerun_script`` with every widget state, fragment reruns, ForwardMsg caching). It
walks the labs in course order from a random first lab (seeded), one interaction every 5 to 10 s (think time,
random, seeded): it opens a lab from the navigation, changes the lab's main controls (Convolution: stride and
padding, and the step buttons; Pooling: the window; 1x1/separable: groups; Transposed: stride and a step;
Architectures: the network; Inside a trained CNN: layer, channel, then the heatmaps; Detection: the NMS view, IoU
and score thresholds; Segmentation: the scene; Transfer: the case; Faces: tau). One lab visit in ten (``--jobs``)
is a long job instead: Learning a filter (3000 steps) "Train" or Neural style transfer (128 px, 2000 steps) "Start",
then "Stop" about 2 s later (those 2 s are not counted); meanwhile the learner's tab polls the job's live view, as the
browser's timer does (``Session.poll``).

An interaction's latency runs from sending its BackMsg until its ``script_finished`` (a fragment rerun: the
fragment's); "job start" runs until the page shows the job's first computed step. Kinds: open, inspect, step,
job start, job stop. Errors: an exception in the page, a timeout (``--timeout`` per interaction), a widget that
is not there, a closed socket; lost or reset sessions: a socket that drops (the learner then reloads) or a new
session id where the old one was expected. Recorded per round: p50/p95/p99 per kind, the servers' CPU (cores
used, from /proc) and peak RSS, this process's own CPU (it shares the machine), and the knee: the fewest learners
at which the p95 of "inspect" passes 1 s.

Topologies: ``single`` (one app process) and ``nginx`` (one app process per core behind ``deploy/nginx.conf``,
the route cookie kept per learner). Every round starts fresh servers on 127.0.0.1, opens every lab once on each
replica (not counted), then runs ``--minutes`` (at most 10) or until ``--max-requests`` interactions.
Not part of ``make test``; ``tests/e2e/test_load_driver.py`` runs it briefly.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load.stclient import Run, RunTimeout, Session, SessionLost, WidgetNotFound
from harness.server import ARTIFACTS, app_env, streamlit_app

__all__ = ["KINDS", "WALK", "JOBS", "Record", "Result", "drive", "serving", "measure", "report"]

KINDS = ("open", "inspect", "step", "job start", "job stop")
KNEE_KIND, KNEE_SECONDS = "inspect", 1.0


# --- what a learner does in each lab ------------------------------------------------------------------------------
Action = tuple[str, str, Callable[[Session, random.Random], Awaitable[Run]]]


async def _pick(s: Session, rng: random.Random, label: str, kind: str, avoid: tuple[str, ...] = ()) -> Run:
    """Choose another option of a select box or radio."""
    node = s.widget(label, kind)
    current = s.value(label, kind)
    options = [o for o in node.proto.options if o != current and o not in avoid]
    if not options:
        raise WidgetNotFound(f"{kind} {label!r} offers no other option than {current!r}")
    return await s.set(label, rng.choice(options), kind)


async def _number(s: Session, rng: random.Random, label: str, values, kind: str = "number_input") -> Run:
    """Set a number (input or slider) to one of ``values`` other than its current one."""
    current = s.value(label, kind)
    current = current[0] if isinstance(current, list) and current else current
    choices = [v for v in values if current is None or abs(v - current) > 1e-9]
    return await s.set(label, rng.choice(choices), kind)


async def _step(s: Session, rng: random.Random) -> Run:
    """The stepper's next button, or previous at the last step."""
    forward = s.widget("▶", "button")
    return await s.click("◀" if forward.proto.disabled else "▶")


async def _window(s: Session, rng: random.Random) -> Run:
    """Pooling's window, so that the 4x4 example still has more than one output cell to step through."""
    return await _number(s, rng, "Window f", (2, 3) if s.value("Stride s", "number_input") == 1 else (1, 2))


async def _channel(s: Session, rng: random.Random) -> Run:
    node = s.widget("Channel", "number_input")
    top = int(node.proto.max) if node.proto.has_max else 31
    return await _number(s, rng, "Channel", range(0, top + 1))


async def _maps_view(s: Session) -> None:
    """Inside a trained CNN: the layer and channel live in the feature-map view."""
    if not s.has("Layer", "selectbox"):
        raise WidgetNotFound("Inside a trained CNN: no Layer select box (the page is not on its feature maps)")


async def _layer(s: Session, rng: random.Random) -> Run:
    await _maps_view(s)
    return await _pick(s, rng, "Layer", "selectbox")


def _grid(low: float, high: float, step: float) -> list[float]:
    return [round(low + i * step, 2) for i in range(int(round((high - low) / step)) + 1)]


# The lab's actions after opening it, in the order a learner does them (each once per visit).
WALK: dict[str, list[Action]] = {
    "convolution": [
        ("inspect", "stride", lambda s, r: _number(s, r, "Stride s", (1, 2, 3))),
        ("step", "next", _step),
        # "same" padding has no output at stride > 1 (the page says so and hides the stepper)
        ("inspect", "padding", lambda s, r: _pick(s, r, "Padding", "radio", avoid=("same (output size = input size)",))),
        ("step", "next", _step),
    ],
    "pooling": [("inspect", "stride", lambda s, r: _number(s, r, "Stride s", (1, 2))), ("inspect", "window", _window),
                ("step", "next", _step)],
    "separable": [("inspect", "grouped", lambda s, r: s.set("Operation", "Grouped: channels in g groups", "radio")),
                  ("inspect", "groups", lambda s, r: _number(s, r, "Groups g", (1, 2)))],
    "transposed": [("inspect", "stride", lambda s, r: _number(s, r, "Stride s", (1, 2, 3))), ("step", "next", _step)],
    "architectures": [("inspect", "network", lambda s, r: _pick(s, r, "Network", "selectbox"))],
    "inside_cnn": [("inspect", "layer", _layer), ("inspect", "channel", _channel),
                   ("inspect", "heatmaps", lambda s, r: s.set("Look at", "Heatmaps", "radio"))],
    "detection": [("inspect", "NMS view", lambda s, r: s.set("Part", "Non-max suppression", "radio")),
                  ("inspect", "IoU threshold", lambda s, r: _number(s, r, "IoU threshold", _grid(0.3, 0.7, 0.05), "slider")),
                  ("inspect", "score threshold",
                   lambda s, r: _number(s, r, "Score threshold", _grid(0.3, 0.8, 0.05), "slider"))],
    "segmentation": [("inspect", "scene", lambda s, r: _number(s, r, "Scene", range(0, 1000)))],
    "transfer": [("inspect", "case", lambda s, r: _pick(s, r, "Case", "radio"))],
    "faces": [("inspect", "tau", lambda s, r: _number(s, r, "Threshold tau", _grid(0.4, 0.8, 0.01), "slider"))],
}
# Long jobs: the lab, the link that makes the job last (as a teacher's shared link would), its start button.
JOBS = {"learn_filter": ("steps=3000", "Train"), "style_transfer": ("size=128&steps=2000", "Start")}
JOB_SECONDS = 2.0


def _job_step_shown(node) -> bool:
    """The job's progress bar past "Starting ...", or the notice of its place in the queue."""
    if node.kind == "progress":
        return bool(node.proto.text) and not node.proto.text.startswith("Starting")
    return node.kind == "alert" and "in the queue" in node.proto.body


# --- learners -----------------------------------------------------------------------------------------------------
@dataclass
class Record:
    learner: int
    kind: str
    what: str  # "convolution: stride"
    latency: float | None  # None when it failed
    error: str = ""
    alerts: tuple[str, ...] = ()
    changed: bool | None = None  # whether the page showed another output afterwards (None: not a single run)
    queued: bool = False  # a job start that was queued, its place in the queue shown


@dataclass
class Result:
    learners: int
    records: list[Record] = field(default_factory=list)
    lost: int = 0  # sockets that dropped
    resets: int = 0  # new session ids where the old one was expected
    auto_reruns: int = 0
    wall: float = 0.0
    client_cpu: float = 0.0  # cores this process used

    @property
    def errors(self) -> list[Record]:
        return [r for r in self.records if r.error]

    def latencies(self, kind: str | None = None) -> list[float]:
        return [r.latency for r in self.records if r.latency is not None and (kind is None or r.kind == kind)]


class _Stop(Exception):
    """The round's time or request budget is used up."""


class _Learner:
    def __init__(self, number: int, url: str, result: Result, *, deadline: float, budget: list[int], seed: int,
                 think: tuple[float, float], timeout: float, labs: tuple[str, ...], jobs: float):
        self.number, self.url, self.result = number, url, result
        self.deadline, self.budget, self.think, self.timeout = deadline, budget, think, timeout
        self.labs, self.jobs = labs, jobs
        self.rng = random.Random(f"{seed}:{number}")
        self.session: Session | None = None
        self.here = ""  # the lab the page shows

    async def _rest(self, seconds: float) -> None:
        left = self.deadline - time.monotonic()
        if left <= seconds:
            await asyncio.sleep(max(0.0, left))
            raise _Stop
        await asyncio.sleep(seconds)

    def _take(self) -> None:
        if time.monotonic() >= self.deadline or self.budget[0] <= 0:
            raise _Stop
        self.budget[0] -= 1

    async def _do(self, kind: str, what: str, act: Callable[[], Awaitable], *, think: bool = True) -> bool:
        """One interaction, recorded; ``act`` returns a Run (its latency) or a latency in seconds. Returns whether
        it went well."""
        if think:
            await self._rest(self.rng.uniform(*self.think))
        self._take()
        try:
            out = await act()
        except RunTimeout as exc:
            await self._drop()  # the learner gives up on the tab and opens the next lab afresh
            return self._record(kind, what, None, f"timeout: {exc}")
        except WidgetNotFound as exc:
            return self._record(kind, what, None, f"widget not found: {exc}")
        except SessionLost as exc:
            self.result.lost += 1
            await self._drop()
            return self._record(kind, what, None, f"session lost: {exc}")
        if isinstance(out, tuple):  # a job start: (seconds, queued)
            return self._record(kind, what, float(out[0]), "", queued=out[1])
        if out.exceptions:
            return self._record(kind, what, None, f"exception in the page: {out.exceptions[0]}", out.alerts)
        return self._record(kind, what, out.latency, "", out.alerts, changed=out.changed)

    def _record(self, kind, what, latency, error, alerts=(), *, changed=None, queued=False) -> bool:
        self.result.records.append(Record(self.number, kind, what, latency, error, tuple(alerts), changed, queued))
        return not error

    async def _drop(self) -> None:
        if self.session is not None:
            self.result.resets += self.session.resets
            self.result.auto_reruns += self.session.auto_reruns
            await self.session.close()
            self.session, self.here = None, ""

    async def _open(self, lab: str, query: str = "") -> bool:
        """Open a lab from the navigation (the first page, or a reload after a lost socket: a new tab's visit). A
        learner already on that lab stays there (a link to the page one is on is not what a class clicks)."""
        if self.session is None:
            self.session = Session(self.url, timeout=self.timeout)
            ok = await self._do("open", lab, lambda: self.session.open(f"/{lab}", query))
        elif self.here == lab:
            return True
        else:
            ok = await self._do("open", lab, lambda: self.session.goto(lab, query))
        self.here = lab if ok else ""
        return ok

    async def _job(self, lab: str) -> None:
        query, start = JOBS[lab]
        if not await self._open(lab, query):
            return
        s = self.session
        sent = [0.0]

        async def start_job() -> tuple[float, bool]:
            s.timers.clear()
            run = await s.click(start, wait=False)
            sent[0] = run.sent
            shown = asyncio.ensure_future(s.wait_for(_job_step_shown))
            ended = asyncio.ensure_future(s.finish(run))
            done, _ = await asyncio.wait({shown, ended}, return_when=asyncio.FIRST_COMPLETED)
            if ended in done and not shown.done():
                ended.result()  # raises a timeout or a lost session
                if run.exceptions:
                    shown.cancel()
                    return run
                # The job computes off the script thread: its live view, a run_every fragment, shows its steps.
                deadline = time.monotonic() + s.timeout
                while not shown.done() and time.monotonic() < deadline and await s.poll() is not None:
                    pass
            if shown.done():
                ended.cancel()
                when, node = shown.result()
                return when - run.sent, node.kind == "alert"
            shown.cancel()
            raise WidgetNotFound(f"{lab}: the job ended without showing a step ({run.alerts or 'no message'})")

        if await self._do("job start", lab, start_job):
            while time.monotonic() < sent[0] + JOB_SECONDS:  # not counted; the live view polls meanwhile
                if await s.poll() is None:
                    break
            await self._do("job stop", lab, lambda: s.click("Stop"), think=False)

    async def walk(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.think[0]))  # a class does not arrive in one instant
        position = self.rng.randrange(len(self.labs))
        try:
            while True:
                if self.jobs and self.rng.random() < self.jobs:
                    await self._job(self.rng.choice(sorted(JOBS)))
                    continue
                lab = self.labs[position % len(self.labs)]
                position += 1
                if not await self._open(lab):
                    continue  # a page that did not open: the next lab (after a lost socket, a reload)
                s = self.session
                for kind, what, act in WALK[lab]:
                    if not await self._do(kind, f"{lab}: {what}", lambda act=act, s=s: act(s, self.rng)):
                        break  # the page is not what the next step expects
        except _Stop:
            pass
        finally:
            await self._drop()


async def drive(url: str, learners: int, *, minutes: float = 2.0, max_requests: int = 5000, seed: int = 0,
                think: tuple[float, float] = (5.0, 10.0), timeout: float = 60.0, labs: tuple[str, ...] | None = None,
                jobs: float = 0.1) -> Result:
    """``learners`` simulated learners against the app at ``url`` (127.0.0.1 only) for ``minutes`` or
    ``max_requests`` interactions in all; returns what each interaction took."""
    labs = tuple(labs or WALK)
    unknown = [lab for lab in labs if lab not in WALK]
    if unknown:
        raise ValueError(f"expected labs from {sorted(WALK)}, got {unknown}")
    if not 0 < minutes <= 10 or not 1 <= learners <= 500 or max_requests < 1:
        raise ValueError(f"expected 1 to 500 learners, at most 10 minutes and a request cap, got {learners}, "
                         f"{minutes}, {max_requests}")
    result = Result(learners)
    budget = [max_requests]
    start, cpu = time.monotonic(), time.process_time()
    deadline = start + minutes * 60
    walkers = [_Learner(i, url, result, deadline=deadline, budget=budget, seed=seed, think=think, timeout=timeout,
                        labs=labs, jobs=jobs) for i in range(learners)]
    await asyncio.gather(*(w.walk() for w in walkers))
    result.wall = time.monotonic() - start
    result.client_cpu = (time.process_time() - cpu) / result.wall
    return result


# --- servers ------------------------------------------------------------------------------------------------------
def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def serving(topology: str, name: str):
    """Fresh app servers on 127.0.0.1: ``single`` (one process) or ``nginx`` (one per core behind
    deploy/nginx.conf). Yields (the URL learners use, app pids, front pids, each replica's own URL)."""
    from harness.nginx import NGINX, behind_nginx

    env = app_env(weights=True)
    if topology == "single":
        with streamlit_app(env=env, log=ARTIFACTS / f"load-{name}-1.log", within=120) as app:
            yield app.url, [app.proc.pid], [], [app.url]
        return
    if not Path(NGINX).exists():
        raise SystemExit(f"nginx is missing at {NGINX}: `make nginx` installs Debian's nginx package")
    with tempfile.TemporaryDirectory(prefix="load-nginx-") as work, \
            behind_nginx(_cores(), Path(work), log_name=f"load-{name}", env=env, connections=2048, within=120) as front:
        yield front.url, [s.proc.pid for s in front.replicas], [front.proc.pid], [s.url for s in front.replicas]


async def warm_up(urls: list[str], timeout: float = 180.0) -> list[str]:
    """Open every lab once on each replica (models load, caches fill), as a teacher does before class; returns
    what went wrong. The replicas warm up side by side."""
    problems = []

    async def one(url: str) -> None:
        s = Session(url, timeout=timeout)
        try:
            await s.open("/")
            for lab in (*WALK, *JOBS):
                run = await s.goto(lab)
                problems.extend(f"{lab}: {e}" for e in run.exceptions)
        except (RunTimeout, SessionLost, WidgetNotFound) as exc:
            problems.append(f"warm-up on {url}: {exc}")
        finally:
            await s.close()

    await asyncio.gather(*(one(url) for url in urls))
    return problems


# --- the servers' CPU and memory ----------------------------------------------------------------------------------
def _descendants(pids: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _usage(pids: list[int]) -> tuple[float, float]:
    """(RSS in MB, CPU seconds) of these processes together; a process that is gone counts 0."""
    rss = cpu = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                rss += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0) / 1024
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            continue
    return rss, cpu


class Monitor(threading.Thread):
    """Samples the processes (and their children) every half second: peak RSS, CPU used over the round."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.done = _descendants(pids), 0.0, threading.Event()
        self.start_cpu, self.start_wall = _usage(self.pids)[1], time.monotonic()

    def run(self):
        while not self.done.wait(0.5):
            self.peak = max(self.peak, _usage(self.pids)[0])

    def stop(self) -> tuple[float, float]:
        """(peak RSS MB, mean CPU use in cores)."""
        self.done.set()
        self.join()
        rss, cpu = _usage(self.pids)
        self.peak = max(self.peak, rss)
        return self.peak, (cpu - self.start_cpu) / (time.monotonic() - self.start_wall)


@dataclass
class Round:
    topology: str
    result: Result
    app_cpu: float
    app_rss: float
    front_cpu: float
    warm_problems: list[str]


def measure(topology: str, learners: int, **drive_args) -> Round:
    """One round on fresh servers: start, warm up, drive ``learners``, stop."""
    with serving(topology, f"{topology}-{learners}") as (url, app_pids, front_pids, direct):
        problems = asyncio.run(warm_up(direct))
        app, front = Monitor(app_pids), Monitor(front_pids)
        app.start()
        front.start()
        result = asyncio.run(drive(url, learners, **drive_args))
        rss, cores = app.stop()
        front_cores = front.stop()[1] if front_pids else 0.0
    return Round(topology, result, cores, rss, front_cores, problems)


# --- the report ---------------------------------------------------------------------------------------------------
def _q(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank); nan when there are none."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(-(-q * len(values) // 1)) - 1))]


def _s(x: float) -> str:
    return "-" if x != x else f"{x:.2f} s"


def knee(rounds: list[Round], topology: str) -> str:
    """The fewest learners at which p95 of the inspections passes 1 s, in words."""
    mine = sorted((r for r in rounds if r.topology == topology), key=lambda r: r.result.learners)
    below = None
    for r in mine:
        p95 = _q(r.result.latencies(KNEE_KIND), 0.95)
        if p95 > KNEE_SECONDS:
            return (f"{r.result.learners} learners (p95 of inspect {p95:.2f} s"
                    + (f"; under 1 s at {below} learners)" if below else ", the fewest measured)"))
        below = r.result.learners
    return f"not reached (p95 of inspect under 1 s up to {below} learners)" if below else "-"


def report(rounds: list[Round], *, minutes: float, seed: int) -> str:
    cores = _cores()
    out = [f"Load driver (`benchmarks/load/driver.py`): {cores} CPU cores, {minutes:g} min per round, seed {seed}, "
           "think time 5-10 s; learners, servers and this driver on the same machine.", "",
           "| Topology | Learners | Interactions | p50 | p95 | p95 inspect | Errors | Lost / reset | Unchanged "
           "| Jobs queued | Server CPU | Server peak RSS | Driver CPU |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rounds:
        res = r.result
        every = res.latencies()
        front = f" + nginx {r.front_cpu:.2f}" if r.topology == "nginx" else ""
        runs = [rec for rec in res.records if rec.changed is not None and rec.kind in ("inspect", "step")]
        starts = [rec for rec in res.records if rec.kind == "job start" and not rec.error]
        out.append(f"| {r.topology} | {res.learners} | {len(res.records)} | {_s(_q(every, .5))} | {_s(_q(every, .95))} "
                   f"| {_s(_q(res.latencies(KNEE_KIND), .95))} | {len(res.errors)} | {res.lost} / {res.resets} "
                   f"| {sum(not rec.changed for rec in runs)} of {len(runs)} "
                   f"| {sum(rec.queued for rec in starts)} of {len(starts)} "
                   f"| {r.app_cpu:.2f} cores{front} | {r.app_rss:,.0f} MB | {res.client_cpu:.2f} cores |")
    out += ["", "Unchanged: inspections and steps after which the page showed no other output (text, figure, image). "
            "Jobs queued: job starts that waited for a slot with their place in the queue shown, of those started.",
            "", "p50 / p95 / p99 per kind of interaction (count):", "",
            "| Topology | Learners | " + " | ".join(KINDS) + " |", "|---|---|" + "---|" * len(KINDS)]
    for r in rounds:
        cells = []
        for kind in KINDS:
            values = r.result.latencies(kind)
            cells.append("-" if not values else
                         f"{_q(values, .5):.2f} / {_q(values, .95):.2f} / {_q(values, .99):.2f} s ({len(values)})")
        out.append(f"| {r.topology} | {r.result.learners} | " + " | ".join(cells) + " |")
    out.append("")
    for topology in dict.fromkeys(r.topology for r in rounds):
        out.append(f"Knee ({topology}, where p95 of inspect passes 1 s): {knee(rounds, topology)}.  ")
    slow = Counter()
    for r in rounds:
        for rec in r.result.records:
            if rec.latency is not None:
                slow[rec.what] = max(slow[rec.what], rec.latency)
    out += ["", "Slowest single interactions: " + ", ".join(f"{w} {t:.1f} s" for w, t in slow.most_common(6)) + "."]
    same = Counter(rec.what for r in rounds for rec in r.result.records
                   if rec.changed is False and rec.kind in ("inspect", "step"))
    if same:
        out += ["", "Inspections and steps after which no output changed (a setting that only matters later, such as "
                "the case before Transfer's training): " + ", ".join(f"{w} x{n}" for w, n in same.most_common(6)) + "."]
    for r in rounds:
        errors = Counter(f"{e.kind} {e.what}: {e.error[:160]}" for e in r.result.errors)
        alerts = Counter(a[:120] for rec in r.result.records for a in rec.alerts)
        if errors or alerts or r.warm_problems:
            out += ["", f"{r.topology}, {r.result.learners} learners:"]
            out += [f"- error x{n}: {text}" for text, n in errors.most_common(8)]
            out += [f"- error message shown x{n}: {text}" for text, n in alerts.most_common(4)]
            out += [f"- warm-up: {p}" for p in r.warm_problems[:4]]
    return "\n".join(out) + "\n"


# --- the browser check --------------------------------------------------------------------------------------------
async def _protocol_walk(url: str, walks: int, latencies: list, errors: list) -> None:
    """``benchmarks/load/walk.py``'s walk over the protocol: each open is a page load (a new tab's session), as page.goto is."""
    from benchmarks.load.walk import STEPS, STYLE_LINK

    s: Session | None = None

    async def visit(path: str, query: str = "") -> Run:
        nonlocal s
        if s is not None:
            await s.close()
        s = Session(url, timeout=60)
        return await s.open(path, query)

    async def run_then_stop(lab: str, start: str, query: str = "") -> float:
        t0 = time.monotonic()
        await visit(f"/{lab}", query)
        await s.click(start, wait=False)
        await asyncio.sleep(JOB_SECONDS)
        await s.click("Stop")
        return time.monotonic() - t0 - JOB_SECONDS

    async def stride() -> Run:
        run = await s.set("Stride s", 2)
        s.widget("Step (of 4)", "slider")
        return run

    actions = (lambda: visit("/convolution"), stride, lambda: visit("/inside_cnn"),
               lambda: s.set("Look at", "Heatmaps", "radio"), lambda: run_then_stop("learn_filter", "Train"),
               lambda: run_then_stop("style_transfer", "Start", STYLE_LINK), lambda: visit("/pooling"))
    try:
        for _ in range(walks):
            for name, action in zip(STEPS, actions, strict=True):
                try:
                    out = await action()
                    latencies.append((name, out.latency if isinstance(out, Run) else out))
                    if isinstance(out, Run) and out.exceptions:
                        errors.append(f"{name}: exception in the page: {out.exceptions[0]}")
                except (RunTimeout, WidgetNotFound, SessionLost) as exc:
                    errors.append(f"{name}: {type(exc).__name__}: {exc}"[:200])
    finally:
        if s is not None:
            await s.close()


def browser_check(learners: list[int], walks: int) -> int:
    """Chromium (``benchmarks/load/walk.py``) and this driver walk the same steps on the same server, one after
    the other; prints the medians side by side."""
    from benchmarks.load.walk import STEPS, browser_round

    if any(not 1 <= n <= 2 for n in learners):
        raise SystemExit("the browser check runs 1 or 2 learners")
    rows = ["| Learners | Step | Chromium p50 | Driver p50 | Chromium max | Driver max |", "|---|---|---|---|---|---|"]
    problems = []
    for n in learners:
        with serving("single", f"browser-{n}") as (url, _, _, direct):
            problems += asyncio.run(warm_up(direct))
            seen, errors = asyncio.run(browser_round(url, n, walks))
            ours, our_errors = [], []

            async def protocol(n=n, url=url, ours=ours, our_errors=our_errors):
                await asyncio.gather(*(_protocol_walk(url, walks, ours, our_errors) for _ in range(n)))

            asyncio.run(protocol())
        problems += [f"Chromium, {n}: {e}" for e in errors] + [f"driver, {n}: {e}" for e in our_errors]
        for step in STEPS:
            a = [t for name, t in seen if name == step]
            b = [t for name, t in ours if name == step]
            rows.append(f"| {n} | {step} | {_s(statistics.median(a)) if a else '-'} | "
                        f"{_s(statistics.median(b)) if b else '-'} | {_s(max(a)) if a else '-'} | "
                        f"{_s(max(b)) if b else '-'} |")
    print("Chromium counts until the page is drawn and the running indicator is gone (at least 0.15 s by "
          "construction); the driver until script_finished.\n")
    print("\n".join(rows))
    for p in problems:
        print(f"- {p}")
    return 0 if not problems else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 10, 30, 60])
    parser.add_argument("--minutes", type=float, default=1.5, help="per round (each round: fresh servers)")
    parser.add_argument("--topology", choices=("single", "nginx", "both"), default="both")
    parser.add_argument("--max-requests", type=int, default=5000, help="interactions per round, at most")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per interaction before it is an error")
    parser.add_argument("--jobs", type=float, default=0.1, help="share of lab visits that run a long job")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="also write the markdown report here")
    parser.add_argument("--browser", action="store_true", help="Chromium and the driver on 1-2 learners, compared")
    parser.add_argument("--walks", type=int, default=1, help="with --browser: walks per learner")
    args = parser.parse_args()
    if args.browser:
        return browser_check(args.learners, args.walks)
    if any(not 1 <= n <= 500 for n in args.learners) or not 0 < args.minutes <= 10:
        raise SystemExit("expected 1 to 500 learners and at most 10 minutes per round")
    topologies = ("single", "nginx") if args.topology == "both" else (args.topology,)
    rounds = []
    for topology in topologies:
        for n in args.learners:
            print(f"{topology}: {n} learners for {args.minutes:g} min ...", flush=True)
            rounds.append(measure(topology, n, minutes=args.minutes, max_requests=args.max_requests, seed=args.seed,
                                  timeout=args.timeout, jobs=args.jobs))
            text = report(rounds, minutes=args.minutes, seed=args.seed)
            if args.report:
                args.report.write_text(text)  # after every round: a long run leaves what it has measured
    print(text)
    return 0 if not any(r.result.errors or r.result.lost or r.result.resets for r in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
