"""The convolution labs' engine (cvcore.conv) on the device against the CPU: traces, pooling, volumes, transposed,
1-D and 3-D convolutions, and learning a filter.

The traces take float64 inputs: on the device they stay float64, so the reference is the same trace on the CPU and
only the order of summation may differ (n x 2**-53 of the terms' magnitudes). Integer-valued inputs make every
product and sum exact in float64 (all below 2**53), so those compare with no tolerance at all. Photos run in float32
on the device against a float64 reference.
"""

import random

import torch

from cvcore import images
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from cvcore.conv.nd import conv1d_trace, conv3d, synth_signal, synth_volume
from cvcore.conv.pooling import pool_image, pool_trace
from cvcore.conv.trace import PADDING_MODES, apply_kernel, conv_trace
from cvcore.conv.transposed import conv_transpose_trace
from cvcore.conv.volume import apply_filters, filter_bank, volume_conv_trace
from cvcore.errors import CvcoreError
from cvcore.inside import features
from tests.device.bounds import U32, U64, assert_close, assert_relative, assert_trajectory, f64, network_terms


def _rng(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _conv_settings(count: int):
    """``count`` random (image size, kernel size, settings) that the engine accepts, the same on every call."""
    rng, found = random.Random(0), []
    while len(found) < count:
        hw, k = (rng.randint(3, 12), rng.randint(3, 12)), (rng.randint(1, 5), rng.randint(1, 5))
        kw = dict(stride=(rng.randint(1, 3), rng.randint(1, 3)), dilation=rng.randint(1, 2),
                  padding=rng.choice(["valid", "same", 0, 1, 2, (1, 2)]), padding_mode=rng.choice(PADDING_MODES),
                  flip=rng.random() < 0.3)
        if kw["padding"] == "same":
            kw["stride"] = 1
        try:
            conv_trace(torch.zeros(hw, dtype=torch.float64), torch.ones(k, dtype=torch.float64), **kw)
        except CvcoreError:
            continue
        found.append((hw, k, kw))
    return found


def test_conv_trace_over_40_random_settings(device):
    g = _rng(1)
    for hw, k, kw in _conv_settings(40):
        x, w = torch.randn(hw, generator=g, dtype=torch.float64), torch.randn(k, generator=g, dtype=torch.float64)
        got, want = conv_trace(x.to(device), w.to(device), **kw), conv_trace(x, w, **kw)
        terms = w.numel()
        # each output sums kh x kw products, each at most max|x| max|w|: n u64 times their magnitudes
        assert_close(got.output, want.output, terms * U64 * terms * float(x.abs().max() * w.abs().max()), f"{kw} output")
        # a product is one correctly rounded multiplication on any IEEE device: identical
        assert_close(got.products, want.products, 0.0, f"{kw} products")


def test_apply_kernel_on_a_photo_with_six_kernels(device, full):
    photo = images.to_tensor(images.sample_image("astronaut"))  # [3, 512, 512] in [0, 1]
    photo = photo if full else photo[:, 192:320, 192:320]  # a 128 px crop on the CPU
    for name, size, mode in (("sobel_x", 3, "zeros"), ("scharr_y", 3, "reflect"), ("laplacian", 3, "replicate"),
                             ("gaussian", 7, "zeros"), ("box_blur", 5, "circular"), ("emboss", 3, "zeros")):
        k = kernels.make_kernel(name, size)
        got = apply_kernel(photo.to(device), k.to(device), padding="same", padding_mode=mode)
        want = apply_kernel(photo.double(), k.double(), padding="same", padding_mode=mode)
        # size^2 float32 products summed, each at most max|k| x 1 (pixels in [0, 1]); +1 for the kernel's own rounding
        assert_close(got, want, (size * size + 1) * U32 * float(k.abs().sum()), f"{name} {mode}")


def test_pool_trace_max_and_avg_over_12_settings(device):
    g = _rng(2)
    for i in range(12):
        kind, size, stride, padding = ("max", "avg")[i % 2], 2 + i % 3, 1 + i % 2, (i // 4) % 2
        x = torch.randn(3, 9, 10, generator=g, dtype=torch.float64)
        got = pool_trace(x.to(device), kind=kind, size=size, stride=stride, padding=padding)
        want = pool_trace(x, kind=kind, size=size, stride=stride, padding=padding)
        # a maximum picks one of its inputs: exact; a mean sums size^2 values, then one division
        bound = 0.0 if kind == "max" else (size * size + 1) * U64 * float(x.abs().max())
        assert_close(got.output, want.output, bound, f"{kind} {size}/{stride}/{padding}")
        for s in range(0, want.output.numel(), 7):
            assert got.step(s).winner == want.step(s).winner, f"{kind} {size}/{stride}/{padding} step {s}"


def test_pool_image_on_mobilenets_first_layer(device, mobilenet_on, mobilenet64, entry):
    photo = features.preprocess(images.sample_image("chelsea"), entry)
    got_map = features.extract(mobilenet_on, photo.to(device), ["features.0"])["features.0"][0]
    want_map = features.extract(mobilenet64, photo.double(), ["features.0"])["features.0"][0]
    layer = network_terms(mobilenet64, upto="features.0")  # one 3x3x3 convolution (then batch norm, ReLU6)
    for kind in ("max", "avg"):
        for size in (2, 3):
            # the feature map's rounding, then (for a mean) size^2 more terms
            terms = layer + 1 + (size * size if kind == "avg" else 0)
            assert_relative(pool_image(got_map, kind=kind, size=size), pool_image(want_map, kind=kind, size=size),
                            terms, f"{kind} {size}")


def test_learn_kernel_40_sgd_and_40_adam_steps(device):
    image = images.gray_crop(images.sample_image("camera"), 48)  # [48, 48]
    target = kernels.make_kernel("sobel_x")
    for optimizer, lr in (("sgd", 0.1), ("adam", 0.05)):
        got = list(learn_kernel(image.to(device), target.to(device), steps=40, optimizer=optimizer, lr=lr))
        want = list(learn_kernel(image.double(), target.double(), steps=40, optimizer=optimizer, lr=lr))
        # the first loss: a 3x3 convolution of the crop (9 terms) and a mean of 48 x 48 squared residuals (the
        # squares double the relative error); the loss is nonnegative, so its own size is the scale
        first = (2 * 9 + 48 * 48) * U32 * abs(want[0].loss)
        assert_trajectory([r.loss for r in got], [r.loss for r in want], first, f"{optimizer} losses")
        # the learnt kernel: both runs descend the same convex loss, so after 40 steps the kernels agree within
        # what the kernel moved in those steps, twice over (see assert_trajectory)
        moved = float((f64(want[-1].kernel) - f64(want[0].kernel)).abs().max())
        assert_close(got[-1].kernel, want[-1].kernel, first + 2 * moved, f"{optimizer} kernel")


def _volume_inputs(g: torch.Generator):
    """(x, kernels, groups, stride, padding, relu) for a standard layer, 1x1, depthwise and grouped convolution, with
    small integers: every product and sum is exact in float64."""
    cases = []
    for c, k, f, groups, stride, padding, relu in ((3, 4, 3, 1, 1, 0, True), (3, 5, 1, 1, 1, 0, False),
                                                   (4, 4, 3, 4, 2, 1, False), (4, 6, 3, 2, 1, 1, True)):
        x = torch.randint(-3, 4, (c, 7, 8), generator=g).double()
        w = torch.randint(-1, 2, (k, c // groups, f, f), generator=g).double()
        cases.append((x, w, groups, stride, padding, relu))
    return cases


def test_volume_conv_trace_with_biases_is_exact(device):
    for x, w, groups, stride, padding, relu in _volume_inputs(_rng(3)):
        bias = torch.arange(w.shape[0], dtype=torch.float64) - 1
        kw = dict(stride=stride, padding=padding, groups=groups, relu=relu)
        got = volume_conv_trace(x.to(device), w.to(device), bias.to(device), **kw)
        want = volume_conv_trace(x, w, bias, **kw)
        assert_close(got.output, want.output, 0.0, f"{kw} output")
        for i in range(0, want.output.numel(), 5):
            assert (got.step(i).z, got.step(i).value) == (want.step(i).z, want.step(i).value), f"{kw} step {i}"


def test_volume_conv_trace_without_bias_1x1_depthwise_grouped_is_exact(device):
    for x, w, groups, stride, padding, _ in _volume_inputs(_rng(4)):
        got = volume_conv_trace(x.to(device), w.to(device), stride=stride, padding=padding, groups=groups)
        want = volume_conv_trace(x, w, stride=stride, padding=padding, groups=groups)
        assert_close(got.output, want.output, 0.0, f"groups {groups}")


def test_apply_filters_on_a_photo(device):
    photo = images.to_tensor(images.sample_image("chelsea"))
    for bank in ("colour_edges", "brightness_edges"):
        filters = filter_bank(bank, 3)  # [K, 3, 3, 3]
        got = apply_filters(photo.to(device), filters.to(device), relu=True)
        want = apply_filters(photo.double(), filters.double(), relu=True)
        # 27 products per output, pixels in [0, 1]: 27 u times the largest filter's sum of |w| (+1 for the pixels)
        terms = filters[0].numel() + 1
        assert_close(got, want, terms * U32 * float(filters.abs().flatten(1).sum(1).max()), bank)


def test_conv_transpose_trace_over_6_settings_is_exact(device):
    g = _rng(5)
    for stride, padding, output_padding, dilation, f in ((1, 0, 0, 1, 3), (2, 0, 0, 1, 3), (2, 1, 1, 1, 3),
                                                         (3, 1, 0, 1, 2), (2, 1, 0, 2, 3), (2, 0, 1, 1, 4)):
        x = torch.randint(-2, 3, (3, 4), generator=g).double()
        k = torch.randint(-1, 2, (f, f), generator=g).double()
        kw = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
        got, want = conv_transpose_trace(x.to(device), k.to(device), **kw), conv_transpose_trace(x, k, **kw)
        assert got.output.device.type == device.type, f"{kw}: computed on {got.output.device.type}"
        assert_close(got.output, want.output, 0.0, f"{kw} output")
        assert_close(got.stamps, want.stamps, 0.0, f"{kw} stamps")


def test_conv1d_trace_on_three_signals(device):
    taps = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64)
    for kind in ("heartbeat", "chirp", "steps"):
        signal = synth_signal(kind, 200)
        got = conv1d_trace(signal.to(device), taps.to(device), padding=1).output
        want = conv1d_trace(signal, taps, padding=1).output
        assert_close(got, want, 3 * U64 * 3 * scale_of(signal), kind)


def scale_of(t: torch.Tensor) -> float:
    return float(t.abs().max())


def test_conv3d_on_a_volume_and_dilated_conv_trace(device):
    g = _rng(6)
    w, bias = torch.randn(2, 1, 3, 3, 3, generator=g, dtype=torch.float64), torch.tensor([0.5, -0.5], dtype=torch.float64)
    volume = synth_volume(14)[None].double()
    got = conv3d(volume.to(device), w.to(device), bias.to(device), padding=1)
    want = conv3d(volume, w, bias, padding=1)
    # 27 products and the bias
    assert_close(got, want, 28 * U64 * (27 * scale_of(volume) * scale_of(w) + 0.5), "3-D output")
    image, k = torch.randn(14, 14, generator=g, dtype=torch.float64), torch.randn(3, 3, generator=g, dtype=torch.float64)
    for d in (1, 2, 3):
        got = conv_trace(image.to(device), k.to(device), dilation=d, padding="same").output
        want = conv_trace(image, k, dilation=d, padding="same").output
        assert_close(got, want, 9 * U64 * 9 * scale_of(image) * scale_of(k), f"dilation {d}")
