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
