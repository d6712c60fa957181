"""Speed figures for the Convolution and Pooling labs, each as a ratio to a reference timed in the same run.

    make bench

1. ``conv_trace`` on a 32x32 input with a 3x3 kernel (every step recorded) against
   ``torch.nn.functional.conv2d`` computing the same output.          Target: trace < 20 ms.
2. One AppTest rerun of the Convolution page after a stride change against one rerun of a
   trivial one-slider page.                                            Target: < 3x.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from cvcore.conv import conv_trace  # noqa: E402
from cvcore.grids import random_grid  # noqa: E402
from cvcore.pooling import pool_trace  # noqa: E402


def _median_ms(fn, repeat: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_trace() -> "list[tuple[str, float, float, str]]":
    x = random_grid(32, 32, seed=0)
    k = torch.randn(3, 3, dtype=torch.float64)
    rows = []
    trace_ms = _median_ms(lambda: conv_trace(x, k), 300)
    conv_ms = _median_ms(lambda: F.conv2d(x[None, None], k[None, None]), 300)
    rows.append(("conv_trace 32x32, 3x3", trace_ms, conv_ms, "F.conv2d"))
    steps_ms = _median_ms(lambda: conv_trace(x, k).steps, 50)
    rows.append(("conv_trace + all 900 steps", steps_ms, conv_ms, "F.conv2d"))
    pool_ms = _median_ms(lambda: pool_trace(x, kind="max", size=2), 300)
    ref_ms = _median_ms(lambda: F.max_pool2d(x[None, None], 2), 300)
    rows.append(("pool_trace 32x32, f=2", pool_ms, ref_ms, "F.max_pool2d"))
    return rows


def _rerun_ms(at: AppTest, change, repeat: int) -> float:
    times = []
    for i in range(repeat):
        change(at, i)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
    return statistics.median(times)


def bench_rerun(repeat: int = 30) -> "tuple[float, float]":
    trivial = AppTest.from_file(str(ROOT / "benchmarks" / "trivial_page.py"), default_timeout=120)
    trivial.run()
    trivial_ms = _rerun_ms(trivial, lambda at, i: at.slider(key="value").set_value(i % 2 + 1), repeat)

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    page.switch_page("pages/convolution.py")
    page.run()
    page.run()  # warm caches: sample photo, filtered photo, imports
    page_ms = _rerun_ms(page, lambda at, i: at.number_input(key="conv.stride").set_value(2 - i % 2), repeat)
    return page_ms, trivial_ms


def main() -> None:
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"CNN Lab benchmarks (torch {torch.__version__}, {torch.get_num_threads()} threads, CPU)\n")
    print(f"{'measurement':34} {'median ms':>10} {'reference':>14} {'ref ms':>8} {'ratio':>7}")
    for name, ms, ref_ms, ref in bench_trace():
        print(f"{name:34} {ms:10.3f} {ref:>14} {ref_ms:8.3f} {ms / ref_ms:6.1f}x")
    page_ms, trivial_ms = bench_rerun()
    print(f"{'Convolution page rerun (stride)':34} {page_ms:10.1f} {'1-slider page':>14} {trivial_ms:8.1f} "
          f"{page_ms / trivial_ms:6.1f}x")
    trace_ms = bench_trace()[0][1]
    print(f"\ntargets: conv_trace < 20 ms -> {trace_ms:.2f} ms ({'met' if trace_ms < 20 else 'MISSED'}); "
          f"page rerun < 3x trivial -> {page_ms / trivial_ms:.2f}x ({'met' if page_ms / trivial_ms < 3 else 'MISSED'})")


if __name__ == "__main__":
    main()
