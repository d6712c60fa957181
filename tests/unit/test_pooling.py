"""cvcore.conv.pooling against the course's examples and torch's max_pool2d / avg_pool2d."""

import random

import pytest
import torch
import torch.nn.functional as F

from cvcore.conv.pooling import pool_image, pool_trace, reference_output
from cvcore.errors import InvalidParameter
from cvcore.teach import course


def test_course_max_pooling():
    x = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]]
    trace = pool_trace(x, kind="max", size=2, stride=2)
    assert trace.output.tolist() == [[9, 2], [6, 3]]
    assert trace.steps[0].expression() == "max(1, 3, 2, 9) = 9"
    assert trace.steps[0].winner == (1, 1)


def test_course_average_pooling():
    x = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]]
    trace = pool_trace(x, kind="avg", size=2, stride=2)
    assert trace.output.tolist() == [[3.75, 1.25], [4, 2]]
    assert trace.steps[0].expression() == "(1 + 3 + 2 + 9) / 4 = 3.75"
    assert trace.steps[0].winner is None


def test_overlapping_windows_example():
    ex = course.pool_examples()["max_5x5_f3"]
    assert pool_trace(ex.image, kind="max", size=3, stride=1).output.tolist() == [[9, 9, 5], [9, 9, 5], [8, 6, 9]]


def test_course_examples_match_their_printed_outputs():
    for ex in course.pool_examples().values():
        out = pool_trace(ex.image, kind=ex.kind, size=ex.size, stride=ex.stride).output
        if ex.printed is not None:
            assert out.tolist() == [list(r) for r in ex.printed]


def test_pool_trace_matches_pytorch_over_random_settings():
    rng = random.Random(1)
    for _ in range(300):
        c, h, w = rng.randint(1, 4), rng.randint(1, 10), rng.randint(1, 10)
        f = (rng.randint(1, 4), rng.randint(1, 4))
        s = (rng.randint(1, 3), rng.randint(1, 3))
        p = (rng.randint(0, f[0] // 2), rng.randint(0, f[1] // 2))
        kind = rng.choice(["max", "avg"])
        x = torch.randn(c, h, w, dtype=torch.float64)
        pool = F.max_pool2d if kind == "max" else F.avg_pool2d
        try:
            trace = pool_trace(x, kind=kind, size=f, stride=s, padding=p)
        except InvalidParameter:
            with pytest.raises(RuntimeError):
                pool(x[None], f, s, p)
            continue
        torch.testing.assert_close(trace.output, pool(x[None], f, s, p)[0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(reference_output(trace), trace.output)


def test_pooling_keeps_the_channel_count_and_steps_cover_every_channel():
    x = torch.arange(3 * 6 * 6, dtype=torch.float64).reshape(3, 6, 6)
    trace = pool_trace(x, kind="max", size=2)
    assert trace.output.shape == (3, 3, 3)
    assert len(trace.steps) == 27
    assert [s.channel for s in trace.steps[8:10]] == [0, 1]
    for step in trace.steps:
        assert step.value == trace.output[step.channel, step.row, step.col]
        r, c = step.winner
        assert step.window[r, c] == step.window.max()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"size": 0}, "size must be >= 1, got 0"),
    ({"size": 2, "stride": 0}, "stride must be >= 1, got 0"),
    ({"size": 2, "stride": -1}, "stride must be >= 1, got -1"),
    ({"size": 5}, "kernel does not fit"),
    ({"size": 2, "padding": 2}, "padding must be at most half the window"),
    ({"kind": "median"}, "kind must be one of"),
])
def test_pool_trace_refuses_bad_settings(kwargs, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        pool_trace(torch.ones(4, 4), **kwargs)


def test_pool_image_matches_torch():
    maps = torch.rand(8, 30, 31)
    torch.testing.assert_close(pool_image(maps, kind="avg", size=3, stride=2), F.avg_pool2d(maps[None], 3, 2)[0])
    with pytest.raises(InvalidParameter):
        pool_image(maps, size=40)


def test_max_pooling_over_padding_writes_the_padded_cells_as_minus_infinity():
    # PyTorch pads max pooling with -inf; the step shows those cells instead of failing to round them.
    trace = pool_trace([[1, 2], [3, 4]], kind="max", size=2, stride=2, padding=1)
    assert trace.steps[0].expression() == "max(-inf, -inf, -inf, 1) = 1"
    assert trace.output.tolist() == torch.nn.functional.max_pool2d(
        torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), 2, 2, padding=1).tolist()[0]
