"""cvcore.conv against the course's worked examples and against torch.nn.functional.conv2d."""

import random

import pytest
import torch
import torch.nn.functional as F

from cvcore.conv import apply_kernel, conv_trace, output_size, reference_output, same_padding
from cvcore.errors import CvcoreError, InvalidParameter
from cvcore.teach import course

VERTICAL = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]


def test_course_6x6_vertical_edge():
    image = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
             [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]]
    trace = conv_trace(image, VERTICAL)
    assert trace.output.tolist() == [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    assert trace.steps[0].expression() == "3×1 + 1×1 + 2×1 + 0×0 + 5×0 + 7×0 + 1×(-1) + 8×(-1) + 2×(-1) = -5"


def test_course_bright_dark_edges():
    bright_dark = [[10, 10, 10, 0, 0, 0]] * 6
    assert conv_trace(bright_dark, VERTICAL).output.tolist() == [[0, 30, 30, 0]] * 4
    dark_bright = [[0, 0, 0, 10, 10, 10]] * 6
    assert conv_trace(dark_bright, VERTICAL).output.tolist() == [[0, -30, -30, 0]] * 4
    checker = [[10, 10, 10, 0, 0, 0]] * 3 + [[0, 0, 0, 10, 10, 10]] * 3
    horizontal = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]
    assert conv_trace(checker, horizontal).output.tolist() == [[0, 0, 0, 0], [30, 10, -10, -30], [30, 10, -10, -30], [0, 0, 0, 0]]


def test_lecture_5x5_first_cell_is_6():
    image = [[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]]
    step = conv_trace(image, VERTICAL).steps[0]
    assert step.value == 6
    assert step.expression() == "7×1 + 4×1 + 3×1 + 2×0 + 5×0 + 3×0 + 3×(-1) + 3×(-1) + 2×(-1) = 6"


def test_stride_2_example_true_values_and_the_slides_two_misprints():
    image = [[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7], [7, 8, 3, 6, 6, 3, 4],
             [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3], [0, 1, 3, 9, 2, 1, 4]]
    kernel = [[3, 4, 4], [1, 0, 2], [-1, 0, 3]]
    out = conv_trace(image, kernel, stride=2).output
    assert out.tolist() == [[91, 100, 88], [69, 91, 117], [44, 72, 74]]
    printed = torch.tensor(course.conv_examples()["stride_7x7"].printed)
    wrong = (printed != out).nonzero().tolist()
    assert wrong == [[0, 2], [1, 2]]  # the slide prints 83 and 127


def test_every_course_example_matches_what_the_course_prints():
    for ex in course.conv_examples().values():
        out = conv_trace(ex.image, ex.kernel, stride=ex.stride, padding=ex.padding).output
        ref = F.conv2d(torch.tensor(ex.image)[None, None], torch.tensor(ex.kernel)[None, None], stride=ex.stride)[0, 0]
        torch.testing.assert_close(out, ref.double(), rtol=0, atol=0)
        if ex.printed is not None and ex.key != "stride_7x7":
            assert out.tolist() == [list(r) for r in ex.printed]


def _reference(x, k, stride, padding, dilation, mode, flip):
    """An independent path: nn.Conv2d with its own padding_mode where it can, else F.pad + F.conv2d."""
    w = torch.flip(k, dims=(0, 1)) if flip else k
    if padding == "same":
        return F.conv2d(x[None, None], w[None, None], padding="same", dilation=dilation)[0, 0] if mode == "zeros" else None
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    layer = torch.nn.Conv2d(1, 1, tuple(k.shape), stride=stride, padding=(ph, pw), dilation=dilation, bias=False,
                            padding_mode=mode, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(w[None, None])
        return layer(x[None, None])[0, 0]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
def test_conv_trace_matches_pytorch_over_random_settings():
    rng = random.Random(0)
    checked = 0
    while checked < 400:
        h, w = rng.randint(1, 12), rng.randint(1, 12)
        kh, kw = rng.randint(1, 5), rng.randint(1, 5)
        stride = rng.choice([1, 2, 3, (1, 2), (2, 1)])
        dilation = rng.choice([1, 1, 2, (1, 2)])
        mode = rng.choice(["zeros", "reflect", "replicate", "circular"])
        padding = rng.choice([0, 1, 2, (1, 0), (0, 2), "same"])
        flip = rng.random() < 0.5
        if padding == "same" and (stride != 1 or mode != "zeros"):
            continue
        x = torch.randn(h, w, dtype=torch.float64)
        k = torch.randn(kh, kw, dtype=torch.float64)
        try:
            trace = conv_trace(x, k, stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip)
        except InvalidParameter as refused:
            with pytest.raises(RuntimeError):  # PyTorch must refuse the same settings
                ref = _reference(x, k, stride, padding, dilation, mode, flip)
                if ref is None or ref.numel() == 0:
                    raise RuntimeError("no output") from refused
            continue
        ref = _reference(x, k, stride, padding, dilation, mode, flip)
        torch.testing.assert_close(trace.output, ref, rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(reference_output(trace), ref, rtol=1e-10, atol=1e-10)
        checked += 1


def test_steps_are_row_major_and_hold_windows_products_and_values():
    x = torch.arange(1.0, 50.0).reshape(7, 7)
    k = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
    trace = conv_trace(x, k, stride=2, padding=1, dilation=2)
    assert len(trace.steps) == trace.output.numel()
    for step in trace.steps:
        assert step.index == step.row * trace.output.shape[1] + step.col
        window = trace.padded[list(step.rows)][:, list(step.cols)]
        torch.testing.assert_close(step.window, window)
        torch.testing.assert_close(step.products, window * k)
        assert step.value == pytest.approx(float(trace.output[step.row, step.col]))
        assert step.rows == tuple(step.row * 2 + 2 * m for m in range(2))


def test_flip_gives_true_convolution():
    x = torch.zeros(5, 5, dtype=torch.float64)
    x[2, 2] = 1
    k = torch.arange(1.0, 10.0).reshape(3, 3)
    # Convolving an impulse with a kernel reproduces the kernel; cross-correlation reproduces it rotated.
    assert conv_trace(x, k, flip=True).output.tolist() == k.tolist()
    assert conv_trace(x, k).output.tolist() == torch.flip(k, dims=(0, 1)).tolist()


@pytest.mark.parametrize("n, f, p, s, d, expected", [
    (6, 3, 0, 1, 1, 4), (6, 3, 1, 1, 1, 6), (7, 3, 0, 2, 1, 3), (32, 5, 2, 1, 1, 32), (8, 3, 0, 1, 2, 4),
    (5, 2, 0, 2, 1, 2), (1, 1, 0, 1, 1, 1), (28, 5, 0, 1, 1, 24),
])
def test_output_size_formula(n, f, p, s, d, expected):
    assert output_size(n, f, p, s, d) == expected
    assert output_size(n, f, p, s, d) == F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f),
                                                  stride=s, padding=p, dilation=d).shape[-1]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"n": 3, "f": 5}, "kernel does not fit"),
    ({"n": 5, "f": 3, "d": 3}, "kernel does not fit"),
    ({"n": 5, "f": 3, "s": 0}, "s must be >= 1, got 0"),
    ({"n": 5, "f": 3, "s": -2}, "s must be >= 1, got -2"),
    ({"n": 5, "f": 0}, "f must be >= 1, got 0"),
    ({"n": 5, "f": 3, "p": -1}, "p must be >= 0, got -1"),
    ({"n": 5, "f": 2.5}, "whole number"),
])
def test_output_size_refuses_impossible_settings(kwargs, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        output_size(**kwargs)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"stride": 0}, "stride must be >= 1, got 0"),
    ({"dilation": -1}, "dilation must be >= 1, got -1"),
    ({"padding": "same", "stride": 2}, "'same' padding keeps the size only at stride 1"),
    ({"padding": 6, "padding_mode": "reflect"}, "reflect padding must be smaller than the input"),
    ({"padding": 7, "padding_mode": "circular"}, "circular padding can wrap at most once"),
    ({"padding_mode": "mirror"}, "padding_mode must be one of"),
    ({"padding": "full"}, "padding must be 'valid', 'same' or a number"),
])
def test_conv_trace_refuses_bad_settings(kwargs, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        conv_trace(torch.ones(6, 6), torch.ones(3, 3), **kwargs)


def test_conv_trace_refuses_bad_grids():
    with pytest.raises(InvalidParameter, match="must be 2-D"):
        conv_trace(torch.ones(2, 3, 3), torch.ones(3, 3))
    with pytest.raises(InvalidParameter, match="must not be empty"):
        conv_trace(torch.ones(0, 3), torch.ones(1, 1))
    with pytest.raises(InvalidParameter, match="finite"):
        conv_trace([[1.0, float("nan")]], [[1.0]])
    with pytest.raises(InvalidParameter, match="kernel does not fit"):
        conv_trace(torch.ones(3, 3), torch.ones(5, 5))
    with pytest.raises(InvalidParameter, match="grid of numbers"):
        conv_trace("abc", [[1]])


def test_errors_are_value_errors():
    assert issubclass(InvalidParameter, CvcoreError) and issubclass(CvcoreError, ValueError)


def test_same_padding_keeps_size_for_odd_and_even_kernels():
    for f in range(1, 8):
        for d in (1, 2):
            top, bottom = same_padding(f, d)
            assert output_size(9, f, (top, bottom), 1, d) == 9


def test_apply_kernel_filters_each_channel_like_conv2d():
    torch.manual_seed(0)
    image = torch.rand(3, 20, 30)
    k = torch.randn(3, 3, dtype=torch.float64)
    out = apply_kernel(image, k, padding="same", padding_mode="replicate")
    for c in range(3):
        ref = F.conv2d(F.pad(image[c][None, None], (1, 1, 1, 1), mode="replicate"), k.float()[None, None])[0, 0]
        torch.testing.assert_close(out[c], ref, rtol=1e-5, atol=1e-5)
    assert apply_kernel(image, k, stride=2, padding=0).shape == (3, 9, 14)
    with pytest.raises(InvalidParameter):
        apply_kernel(torch.rand(20, 30), k)
