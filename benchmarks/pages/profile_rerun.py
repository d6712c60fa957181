"""Where a lab's rerun spends its time: cProfile over AppTest reruns, grouped by the file of each function.

    .venv/bin/python -m benchmarks.pages.profile_rerun                          # this checkout, 20 reruns a lab
    .venv/bin/python -m benchmarks.pages.profile_rerun --labs conv,faces --reruns 10
    git worktree add /tmp/before a060213
    .venv/bin/python -m benchmarks.pages.profile_rerun --root /tmp/before --root .   # two checkouts, interleaved

Each lab opens once in AppTest (offline, on the CPU), then one control moves back and forth between two values and
the page reruns after every move. The reruns are profiled with cProfile in both threads: AppTest's own (the harness,
which mostly waits) and the script thread that runs the page. Every function's own time (``tottime``) goes to a
bucket by the file it is defined in. The standard library, packages no bucket names (numpy, PIL, ...) and built-in
functions pass their time on to their callers' buckets, in proportion to the time each caller spent in them, except
protobuf's and torch's built-ins and the waits (sleep, locks), which are recognised by name. The shares are of the
script thread's time without the harness and the waits, which are shown apart, in ms per rerun.

AppTest reruns the whole script on every run: it does not rerun only the fragment (``st.fragment``) that holds
the widget, as the server does for a learner; a page that runs its lab as fragments is timed here as a full rerun.

Every checkout (``--root``, repeatable; default this one) runs in a process of its own, started in its folder with
it first on ``sys.path``, so that two versions of the app never mix; the script stays in this checkout. Weights
that no installed package carries come from ``CVCORE_WEIGHTS_DIR``, by default ``../shared/weights``. With
several roots the labs and their rounds (``--rounds``) alternate between them, so that a change in the machine's
load touches all of them alike.
"""

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
# Weights that no installed package carries (the face lab's MobileFaceNet), as the tests and benchmarks find them.
SHARED_WEIGHTS = HERE.parent / "shared" / "weights"

# lab -> (what is shown, session-state key, AppTest widget kind, its two alternating values, query parameters)
LABS = {
    "convolution": ("stride", "conv.stride", "number_input", (2, 1), {}),
    "inside_cnn": ("layer", "inside.layer", "selectbox", ("features.13", "features.6"), {}),
    "separable": ("n_C", "sep.c", "number_input", (6, 4), {}),
    "detection": ("IoU thr.", "det.iou", "slider", (0.3, 0.5), {"view": "nms"}),
    "pooling": ("size f", "pool.size", "number_input", (3, 2), {}),
    "faces": ("tau", "faces.tau", "slider", (0.55, 0.65), {}),
}
ALIASES = {"conv": "convolution", "inside": "inside_cnn", "sep": "separable", "det": "detection", "pool": "pooling"}

# The buckets in the order of the table; HARNESS and WAIT are shown apart, in ms per rerun, and left out of the shares.
BUCKETS = ("streamlit", "plotly", "torch", "cvcore", "labs/ui", "lessons", "other")
HARNESS, WAIT = "harness", "wait"
BUCKET_HELP = {
    "streamlit": "Streamlit element marshalling and protobuf (streamlit/elements, proto, delta_generator, "
                 "runtime/state, google.protobuf)",
    "plotly": "plotly and the figures built in cvcore/viz",
    "torch": "torch and torchvision",
    "cvcore": "the cvcore engine (without cvcore/viz and cvcore/lessons)",
    "labs/ui": "the labs' and ui/'s own code (and app.py)",
    "lessons": "the lesson and question panels (ui/lessons.py, cvcore/lessons)",
    "other": "the rest of Streamlit's runtime (script runner, caching, ...); what it makes up is listed under each lab",
    "": "(the standard library, numpy, PIL, ... and built-ins count for the bucket of the code that calls them)",
}
_STREAMLIT = ("streamlit/elements/", "streamlit/proto/", "streamlit/delta_generator", "streamlit/runtime/state/",
              "google/protobuf/")


def _relative(filename: str, root: str) -> str:
    """A function's file: relative to the app's root (``app:labs/...``), to site-packages, or as it is."""
    marker = "site-packages" + os.sep
    if marker in filename:
        return filename.split(marker, 1)[1]
    if filename.startswith(root + os.sep):
        return "app:" + filename[len(root) + 1:]
    return filename


def _group(rel: str) -> str:
    """Where a file belongs, for the list of what makes up "other": a folder of Streamlit's, a package, a module."""
    if rel.startswith("app:"):
        return rel[4:].split("/")[0]
    parts = rel.split("/")
    if parts[0] == "streamlit":
        return "/".join(parts[:3] if parts[1] == "runtime" else parts[:2])
    return parts[0] if not rel.startswith("/") else parts[-1]


def _bucket_of_file(rel: str) -> str | None:
    """The bucket of a function defined in ``rel``; None for the standard library and the packages that no bucket
    names (numpy, PIL, ...), whose time goes to their callers' buckets."""
    if rel.startswith("app:"):
        path = rel[4:]
        if path.startswith(("cvcore/lessons/", "ui/lessons.py")):
            return "lessons"
        if path.startswith("cvcore/viz/"):
            return "plotly"
        if path.startswith("cvcore/"):
            return "cvcore"
        if path.startswith(("labs/", "ui/", "app.py")):
            return "labs/ui"
        return "other:" + _group(rel)
    if rel.startswith("streamlit/testing/"):
        return HARNESS
    if rel.startswith(_STREAMLIT):
        return "streamlit"
    if rel.startswith("streamlit/"):
        return "other:" + _group(rel)
    if rel.startswith(("plotly/", "_plotly_utils/")):
        return "plotly"
    if rel.startswith(("torch/", "torchvision/", "functorch/")):
        return "torch"
    if rel.endswith(("/threading.py", "/queue.py")):
        return WAIT
    return None


def _bucket_of_builtin(name: str) -> str | None:
    """The bucket of a built-in function recognised by its name, or None (its time goes to its callers')."""
    if "time.sleep" in name or "_thread.lock" in name or "_thread.RLock" in name or "'wait'" in name:
        return WAIT
    if "_upb" in name or "google.protobuf" in name or "_message." in name:
        return "streamlit"
    if "torch" in name:
        return "torch"
    return None


def buckets_of(stats: pstats.Stats, root: str) -> dict[str, float]:
    """Own time in seconds by bucket; "other" comes as ``other:<where>`` (see ``_group``).

    A function of the standard library, of a package no bucket names, or a built-in that is not recognised by its
    name passes its time on to its callers, in proportion to the time it spent for each (through chains of such
    functions; a caller already on the chain is skipped, for recursion)."""
    raw = stats.stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)
    memo: dict = {}
    chain: set = set()

    def of(func) -> dict[str, float]:
        """The fractions of ``func``'s own time that belong to each bucket."""
        if func in memo:
            return memo[func]
        filename, _, name = func
        rel = _relative(filename, root) if filename != "~" else ""
        known = _bucket_of_file(rel) if filename != "~" else _bucket_of_builtin(name)
        if known is not None:
            memo[func] = {known: 1.0}
            return memo[func]
        callers = raw[func][4] if func in raw else {}
        weights = {c: v[2] for c, v in callers.items() if isinstance(v, tuple) and v[2] > 0 and c not in chain}
        chain.add(func)
        parts = [(w, of(caller)) for caller, w in weights.items()]
        chain.discard(func)
        total = sum(w for w, shares in parts if shares)
        if total <= 0:  # only called from the chain (recursion): the first function of the chain decides
            return {} if chain else {"other:" + (_group(rel) if rel else "built-ins"): 1.0}
        result: dict[str, float] = defaultdict(float)
        for w, shares in parts:
            for bucket, share in shares.items():
                result[bucket] += share * w / total
        if not chain:
            memo[func] = dict(result)
        return dict(result)

    by_bucket: dict[str, float] = defaultdict(float)
    for func, (_, _, tottime, _, _) in raw.items():
        for bucket, share in of(func).items():
            by_bucket[bucket] += tottime * share
    return dict(by_bucket)


# ---------------------------------------------------------------------------------------------------------------
# The worker: one process per checkout, started in its folder; it reads one JSON command a line on stdin and
# answers one JSON line on its own copy of stdout (the app's prints go to stderr).


class _Worker:
    def __init__(self, root: str):
        self.root = root
        os.chdir(root)
        sys.path[:] = [root] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
        os.environ.setdefault("CVCORE_OFFLINE", "1")
        os.environ.setdefault("CVCORE_DEVICE", "cpu")
        from streamlit.testing.v1 import AppTest
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.AppTest = AppTest
        self.apps: dict = {}
        self.shown: dict[str, int] = {}
        self.script_profiles: list[cProfile.Profile] | None = None
        original = LocalScriptRunner._run_script_thread
        worker = self

        def profiled(runner):  # the script thread: profiled while a round is being profiled
            profiles = worker.script_profiles
            if profiles is None:
                return original(runner)
            profile = cProfile.Profile()
            profile.enable()
            try:
                return original(runner)
            finally:
                profile.disable()
                profiles.append(profile)

        LocalScriptRunner._run_script_thread = profiled

    def _widget(self, at, lab: str):
        _, key, kind, _, _ = LABS[lab]
        return getattr(at, kind)(key=key)

    def open(self, lab: str) -> dict:
        from labs import page_file

        _, _, _, values, query = LABS[lab]
        start = time.perf_counter()
        at = self.AppTest.from_file(str(Path(self.root) / "app.py"), default_timeout=300)
        for name, value in query.items():
            at.query_params[name] = value
        at.run()
        at.switch_page(page_file(lab)).run()
        for value in (values[0], values[1]):  # warm the caches of both values
            self._widget(at, lab).set_value(value)
            at.run()
        if at.exception:
            raise RuntimeError(f"{lab}: {at.exception}")
        self.apps[lab] = at
        self.shown[lab] = 1  # the index of the value the control holds
        return {"open_s": time.perf_counter() - start}

    def rerun(self, lab: str, reruns: int, profile: bool) -> dict:
        at = self.apps[lab]
        values = LABS[lab][3]
        main = cProfile.Profile() if profile else None
        self.script_profiles = [] if profile else None
        times = []
        try:
            for _ in range(reruns):
                self.shown[lab] = 1 - self.shown[lab]  # every rerun follows a change
                self._widget(at, lab).set_value(values[self.shown[lab]])
                start = time.perf_counter()
                if main:
                    main.enable()
                at.run()
                if main:
                    main.disable()
                times.append(time.perf_counter() - start)
                if at.exception:
                    raise RuntimeError(f"{lab}: {at.exception}")
        finally:
            script_profiles, self.script_profiles = self.script_profiles, None
        out = {"times": times}
        if profile:
            buckets = buckets_of(pstats.Stats(*script_profiles), self.root)
            harness = buckets_of(pstats.Stats(main), self.root)
            # AppTest's thread is all harness: its waits apart, the rest (parsing the element tree, ...) together.
            wait = buckets.pop(WAIT, 0.0) + harness.pop(WAIT, 0.0)
            own = buckets.pop(HARNESS, 0.0) + sum(harness.values())
            files = {k.split(":", 1)[1]: v for k, v in buckets.items() if k.startswith("other:")}
            buckets = {b: sum(v for k, v in buckets.items() if k.split(":")[0] == b) for b in BUCKETS}
            out.update(buckets=buckets, files=files, wait=wait, harness=own)
        return out


def _worker_main(root: str) -> None:
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the app prints goes to stderr
    sys.stdout = sys.stderr
    worker = _Worker(root)
    channel.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["do"] == "open":
                answer = worker.open(command["lab"])
            else:
                answer = worker.rerun(command["lab"], command["reruns"], command["profile"])
        except Exception as e:  # reported to the parent, which stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        channel.write(json.dumps(answer) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# The parent: starts the workers, alternates the labs and rounds between them, and prints the tables.


class _Process:
    def __init__(self, root: Path):
        self.root = root
        self.log = tempfile.NamedTemporaryFile("w+", prefix="profile_rerun_", suffix=".log", delete=False)
        env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu", PYTHONDONTWRITEBYTECODE="1")
        if not env.get("CVCORE_WEIGHTS_DIR") and SHARED_WEIGHTS.is_dir():
            env["CVCORE_WEIGHTS_DIR"] = str(SHARED_WEIGHTS)
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(root)],
                                     cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, bufsize=1)
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.log.seek(0)
            tail = self.log.read()[-3000:]
            raise SystemExit(f"the worker for {self.root} stopped:\n{tail}")
        answer = json.loads(line)
        if "error" in answer:
            raise SystemExit(f"{self.root}: {answer['error']}")
        return answer

    def ask(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.log.close()
        os.unlink(self.log.name)


def _describe(root: Path) -> str:
    try:
        commit = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %s"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "not a git checkout"
    return f"{root} ({commit[:90]})"


def _table(root: Path, results: dict, reruns: int) -> list[str]:
    head = (f"{'lab (control)':24} {'ms/rerun':>9} {'prof ms':>8} |" + "".join(f"{b:>10}" for b in BUCKETS)
            + f" | {'harness':>8} {'wait':>8}")
    lines = [_describe(root), head, "-" * len(head)]
    for lab, r in results.items():
        buckets = r["buckets"]
        total = sum(buckets.get(b, 0.0) for b in BUCKETS) or 1.0
        n = len(r["profiled"])
        plain = 1000 * sum(r["plain"]) / max(len(r["plain"]), 1)
        prof = 1000 * sum(r["profiled"]) / n
        lines.append(f"{lab + ' (' + LABS[lab][0] + ')':24} {plain:9.1f} {prof:8.1f} |"
                     + "".join(f"{100 * buckets.get(b, 0.0) / total:9.1f}%" for b in BUCKETS)
                     + f" | {1000 * r['harness'] / n:8.1f} {1000 * r['wait'] / n:8.1f}")
        top = sorted(r["files"].items(), key=lambda kv: -kv[1])[:3]
        if top:
            lines.append(f"{'':24} other: "
                         + ", ".join(f"{f.removeprefix('app:')} {100 * s / total:.1f}%" for f, s in top))
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labs", default=",".join(LABS),
                        help=f"comma-separated labs (default: all of {', '.join(LABS)}; conv, det, ... work too)")
    parser.add_argument("--reruns", type=int, default=20, help="profiled reruns per lab and checkout (default 20)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="the reruns of each lab come in this many rounds, alternating between checkouts")
    parser.add_argument("--root", action="append", type=Path,
                        help="the app's checkout to profile (repeatable; default this one)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker_main(args.worker)
        return
    labs = [ALIASES.get(name.strip(), name.strip()) for name in args.labs.split(",") if name.strip()]
    unknown = [lab for lab in labs if lab not in LABS]
    if unknown:
        parser.error(f"unknown labs {unknown}; known: {', '.join(LABS)}")
    roots = [root.resolve() for root in (args.root or [HERE])]
    rounds = max(1, min(args.rounds, args.reruns))
    sizes = [args.reruns // rounds + (i < args.reruns % rounds) for i in range(rounds)]

    print("cProfile over AppTest reruns. AppTest reruns the whole script on every run (it does not rerun only the "
          "fragment\nthat holds the widget, as the server does), so a page whose labs run as fragments is timed "
          f"here as a full rerun.\n{args.reruns} reruns per lab in {rounds} round(s), the control moving between two "
          "values (both warmed first); offline, CPU.\nms/rerun: mean wall time of unprofiled reruns (as many as "
          "profiled, run just before them); prof ms: the same under cProfile.\nShares: own time (tottime) summed by "
          "bucket over the script thread, without the harness and the waits, which are ms per\nprofiled rerun "
          "(harness: AppTest's own code; wait: sleeping and waiting on locks, in both threads).")
    for bucket, meaning in BUCKET_HELP.items():
        print(f"  {bucket:10} {meaning}")
    print(flush=True)

    started = time.perf_counter()
    processes = [_Process(root) for root in roots]
    results = {root: {} for root in roots}
    try:
        for index, lab in enumerate(labs):
            order = processes if index % 2 == 0 else processes[::-1]
            for p in order:
                p.ask(do="open", lab=lab)
                results[p.root][lab] = {"plain": [], "profiled": [], "buckets": defaultdict(float),
                                        "files": defaultdict(float), "harness": 0.0, "wait": 0.0}
            for r, size in enumerate(sizes):
                for p in (order if r % 2 == 0 else order[::-1]):
                    acc = results[p.root][lab]
                    acc["plain"] += p.ask(do="rerun", lab=lab, reruns=size, profile=False)["times"]
                    answer = p.ask(do="rerun", lab=lab, reruns=size, profile=True)
                    acc["profiled"] += answer["times"]
                    for key in ("buckets", "files"):
                        for name, seconds in answer[key].items():
                            acc[key][name] += seconds
                    acc["harness"] += answer["harness"]
                    acc["wait"] += answer["wait"]
            print(f"[{lab} done, {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
    finally:
        for p in processes:
            p.close()
    for root in roots:
        print("\n".join(_table(root, results[root], args.reruns)) + "\n")
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
