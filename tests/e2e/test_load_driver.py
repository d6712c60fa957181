"""The load driver (``benchmarks/load/driver.py`` over ``benchmarks/load/stclient.py``) against the real app, briefly: one server,
a rerun that changes the page, a fragment rerun, then two simulated learners for 20 s."""

import asyncio
import time

import pytest

from benchmarks.load import driver as load
from benchmarks.load.stclient import Session

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server():
    with load.serving("single", "driver-test") as (url, _, _, _):
        yield url


def test_a_rerun_changes_the_output_and_a_fragment_reruns_alone(server):
    async def check():
        s = Session(server, timeout=60)
        try:
            first = await s.open("/convolution")
            assert first.status == "ok" and not first.exceptions, first.exceptions
            assert s.has("Step (of 16)", "slider")
            before = s.text()
            run = await s.set("Stride s", 2)  # a 6x6 input, a 3x3 kernel: 4x4 outputs become 2x2
            assert run.status == "ok" and not run.exceptions, run.exceptions
            assert run.changed and s.has("Step (of 4)", "slider") and not s.has("Step (of 16)", "slider")
            assert "Output 2x2" in s.text() and "Output 2x2" not in before
            assert s.value("Stride s", "number_input") == 2
            step = s.widget("▶", "button")
            assert step.fragment_id, "the stepper lives in an st.fragment"
            at = s.value("Step (of 4)", "slider")
            run = await s.click("▶")
            assert run.status == "ok" and run.changed and run.fragment_ids == (step.fragment_id,)
            assert s.value("Step (of 4)", "slider") != at
            assert s.has("Stride s", "number_input")  # what the fragment did not draw is still on the page
        finally:
            await s.close()

    asyncio.run(asyncio.wait_for(check(), 120))


def test_two_learners_for_twenty_seconds(server):
    started = time.monotonic()
    result = asyncio.run(load.drive(server, 2, minutes=1 / 3, think=(1.0, 2.0), jobs=0.0, seed=1,
                                    max_requests=200, timeout=45))
    assert time.monotonic() - started < 60
    errors = [f"{r.what}: {r.error}" for r in result.errors]
    assert not errors, errors
    assert (result.lost, result.resets) == (0, 0)
    kinds = {r.kind for r in result.records}
    assert len(result.records) >= 10 and {"open", "inspect"} <= kinds, [r.what for r in result.records]
    changed = [r for r in result.records if r.kind == "inspect" and r.changed]
    assert len(changed) >= 3, [(r.what, r.changed) for r in result.records]
