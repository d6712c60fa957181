"""What one interaction costs the server: CPU seconds of the server process per control change, for a lab's main
controls against the one-slider echo page (``benchmarks/browser/echo_page.py``), measured in the same run.

Two servers on 127.0.0.1 (the app and the echo page, each ``streamlit run`` with the app's own config), one
simulated learner on each speaking Streamlit's protocol (``benchmarks/load/stclient.py``, no browser on the machine's
cores). Each batch changes one control back and forth ``--changes`` times and reads the server's CPU time from
``/proc/<pid>/stat`` before and after; lab and echo batches alternate, ``--rounds`` times, and the medians are printed
with their ratio. A change counts from its request until its run (or fragment run) has finished.

    .venv/bin/python -m benchmarks.load.server_cpu [--changes 10] [--rounds 3]
"""

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load.stclient import Session
from harness.server import Server, app_env, streamlit_app

# (name, page, widget label, widget kind, two values)
CONTROLS = [
    ("convolution: stride", "/convolution", "Stride s", "number_input", (2, 1)),
    ("pooling: window f", "/pooling", "Window f", "number_input", (3, 2)),
    ("detection: IoU threshold", "/detection?view=nms", "IoU threshold", "slider", (0.3, 0.5)),
    ("faces: tau", "/faces", None, "slider", None),
]
ECHO = ("echo: value", "/", "Value", "slider", (0.7, 0.6))
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def server(script: Path) -> Server:
    """``streamlit run script`` (offline, CPU, the face-embedding weights of ../shared for the faces lab)."""
    return streamlit_app(script=script, env=app_env(weights=True))


async def batch(session: Session, label: str, kind: str, values, changes: int, pid: int) -> float:
    """CPU seconds per change over ``changes`` changes of one control."""
    before = cpu_seconds(pid)
    for i in range(changes):
        await session.set(label, values[i % 2], kind)
    return (cpu_seconds(pid) - before) / changes


async def measure(changes: int, rounds: int) -> list[tuple[str, float, float]]:
    rows = []
    with server(ROOT / "app.py") as app, server(ROOT / "benchmarks" / "browser" / "echo_page.py") as echo:
        echo_session = Session(echo.url)
        await echo_session.open("/")
        for name, path, label, kind, values in CONTROLS:
            page, _, query = path.partition("?")
            session = Session(app.url)
            await session.open(page, query)
            if label is None:  # the faces threshold: its label carries the metric, so take the first slider
                node = session.widgets("slider")[0]
                label, low = node.label, session.value(node.label, "slider")
                low = float(low[0] if isinstance(low, list) else low)
                values = (round(low + 0.05, 2), low)
            for _ in range(2):  # warm: the first changes load what the control needs
                await batch(session, label, kind, values, 2, app.proc.pid)
            lab, ref = [], []
            for _ in range(rounds):
                lab.append(await batch(session, label, kind, values, changes, app.proc.pid))
                ref.append(await batch(echo_session, ECHO[2], ECHO[3], ECHO[4], changes, echo.proc.pid))
            rows.append((name, statistics.median(lab), statistics.median(ref)))
            await session.close()
        await echo_session.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10, help="changes per batch")
    parser.add_argument("--rounds", type=int, default=3, help="lab and echo batches, alternating")
    args = parser.parse_args(argv)
    rows = asyncio.run(measure(args.changes, args.rounds))
    print(f"Server CPU per interaction (one simulated learner, medians of {args.rounds} batches of {args.changes} "
          "changes, alternating with the one-slider echo page)")
    print(f"{'control':34s} {'CPU ms':>8s} {'echo CPU ms':>12s} {'ratio':>7s}")
    for name, lab, ref in rows:
        print(f"{name:34s} {lab * 1000:8.1f} {ref * 1000:12.1f} {lab / ref if ref else float('inf'):6.2f}x")


if __name__ == "__main__":
    main()
