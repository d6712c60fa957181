"""A long job repeated 20 times in one process, every other run stopped halfway, keeps its memory bounded."""

import sys

import pytest

from benchmarks.jobs.memory import jobs, repeat, rss_mb


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the resident set size from /proc")
def test_learning_a_filter_twenty_times_grows_resident_memory_by_under_ten_percent():
    make = jobs(small=True)["learn a filter"]
    sizes = repeat(make, 20)
    assert len(sizes) == 20 and sizes[0] > 10  # MB: a Python process with torch loaded
    growth = (max(sizes[1:]) - sizes[0]) / sizes[0]
    assert growth < 0.10, f"RSS went from {sizes[0]:.0f} MB after the first run to {max(sizes[1:]):.0f} MB"


def test_rss_sees_a_big_allocation():
    before = rss_mb()
    block = bytearray(200 * 2**20)
    block[::4096] = b"\x01" * len(block[::4096])  # touch every page so it becomes resident
    assert rss_mb() - before > 150
    del block
