"""Time the Detection lab's "Sliding windows" lesson step in Streamlit's AppTest, offline on the CPU.

    python scripts/time_sliding_lesson.py [--repeat 3]

Each repeat starts a fresh Python process, so the first click is cold (empty caches, the classifier not yet
loaded); then a second browser session clicks the same step (warm: the caches are shared by the server's
sessions), and picks another class to find. Prints the seconds of each and the load average, since the
timings are only comparable on an otherwise idle machine.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEP = "_lesson.det.2"  # the lab's second lesson step: window 224, stride 0 (aligned), the photo 'coffee'
OTHER_CLASS = 968  # 'cup', another class to find in the same photo


def _one_process() -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.apptest import new_app, open_lab

    def click() -> tuple[object, float]:
        at = new_app(timeout=600)
        open_lab(at, "detection").run()
        start = time.perf_counter()
        at.button(key=STEP).click().run()
        seconds = time.perf_counter() - start
        if at.exception or at.error:
            raise SystemExit(f"the step failed: {at.exception or [e.value for e in at.error]}")
        return at, seconds

    _, cold = click()
    at, warm = click()
    start = time.perf_counter()
    at.selectbox(key="det.klass").set_value(OTHER_CLASS).run()
    other = time.perf_counter() - start
    return {"cold": cold, "warm": warm, "other class": other}


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
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()) + f"  (load average {load:.1f})")


if __name__ == "__main__":
    main()
