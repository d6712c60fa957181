"""Timing helpers shared by the benchmarks."""

import statistics
import time


def median_ms(fn, repeat: int, warmup: int = 5) -> float:
    """The median wall time of ``fn()`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def paired_ms(fn, reference, repeat: int, warmup: int = 2) -> tuple[float, float]:
    """Medians of ``fn`` and ``reference`` in milliseconds, timed alternately (after ``warmup`` untimed pairs), so that
    drifts of a noisy machine hit both alike."""
    for _ in range(warmup):
        fn()
        reference()
    ours, theirs = [], []
    for _ in range(repeat):
        for f, times in ((fn, ours), (reference, theirs)):
            start = time.perf_counter()
            f()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(ours), statistics.median(theirs)


def rerun_ms(at, change, repeat: int, *, errors_fail: bool = True) -> float:
    """The median time of ``at.run()`` (a Streamlit AppTest) in milliseconds, after ``change(at, i)`` before each run;
    a run that raises (or, with ``errors_fail``, shows an error) stops the benchmark with the page's error."""
    times = []
    for i in range(repeat):
        change(at, i)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        if at.exception or (errors_fail and at.error):
            raise RuntimeError(f"the page failed while timed: {at.exception or [e.value for e in at.error]}")
    return statistics.median(times)
