"""Time the Detection lab's "Sliding windows" lesson step in Streamlit's AppTest, offline on the CPU.

    python benchmarks/pages/sliding_lesson.py [--repeat 3]

Each repeat starts a fresh Python process, so the first click is cold (empty caches, the classifier not yet
loaded); then a second browser session clicks the same step (warm: the caches are shared by the server's
sessions), and picks another class to find. Prints the wall-clock seconds of each, the CPU seconds the process
used (all its threads), and the load average: on a busy machine the wall clock grows, the CPU time much less.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEP = "_lesson.det.2"  # the lab's second lesson step: window 224, stride 0 (aligned), the photo 'coffee'
OTHER_CLASS = 968  # 'cup', another class to find in the same photo


def _one_process() -> dict:
    sys.path.insert(0, str(ROOT))
    from harness.apptest import new_app, open_lab

    def timed(run) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        at = run()
        if at.exception or at.error:
            raise SystemExit(f"the step failed: {at.exception or [e.value for e in at.error]}")
        return time.perf_counter() - wall, time.process_time() - cpu

    def opened():
        at = new_app(timeout=600)
        return open_lab(at, "detection").run()

    first, second = opened(), opened()
    return {"cold": timed(lambda: first.button(key=STEP).click().run()),
            "warm": timed(lambda: second.button(key=STEP).click().run()),
            "other class": timed(lambda: second.selectbox(key="det.klass").set_value(OTHER_CLASS).run())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_one_process()))
        return
    env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu")
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        done = subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr[-2000:])
        times = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"run {i + 1}: " + ", ".join(f"{k} {wall:.2f} s ({cpu:.2f} s CPU)" for k, (wall, cpu) in times.items())
              + f"  (load average {load:.1f})")


if __name__ == "__main__":
    main()
