"""Transposed convolution, volumes with groups, costs, 1-D and 3-D, against PyTorch and the course."""

import random

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from cvcore.conv import cost, nd, transposed, volume
from cvcore.errors import InvalidParameter


def test_transposed_both_views_match_pytorch_over_random_settings():
    rng = random.Random(3)
    checked = 0
    for _ in range(400):
        x = torch.randn(rng.randint(1, 5), rng.randint(1, 5), dtype=torch.float64)
        k = torch.randn(rng.randint(1, 4), rng.randint(1, 4), dtype=torch.float64)
        kw = {"stride": (rng.randint(1, 3), rng.randint(1, 3)), "padding": (rng.randint(0, 2), rng.randint(0, 2)),
              "output_padding": (rng.randint(0, 2), rng.randint(0, 2)), "dilation": (rng.randint(1, 2), rng.randint(1, 2))}
        try:
            trace = transposed.conv_transpose_trace(x, k, **kw)
        except InvalidParameter:
            with pytest.raises(RuntimeError):
                F.conv_transpose2d(x[None, None], k[None, None], **kw)
            continue
        ref = F.conv_transpose2d(x[None, None], k[None, None], **kw)[0, 0]
        torch.testing.assert_close(trace.output, ref, rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(trace.stamps.sum(0), ref, rtol=1e-10, atol=1e-10)
        assert int(trace.source_mask.sum()) <= x.numel()
        checked += 1
    assert checked > 100


def test_transposed_zero_insertion_and_stamps_for_a_hand_example():
    trace = transposed.conv_transpose_trace([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=2)
    assert trace.input.tolist() == [[0, 0, 0, 0, 0], [0, 1, 0, 2, 0], [0, 0, 0, 0, 0], [0, 3, 0, 4, 0], [0, 0, 0, 0, 0]]
    assert trace.output.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert trace.stamps[1].tolist() == [[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert trace.flip  # the equivalent convolution uses the kernel rotated by 180 degrees


@pytest.mark.parametrize("n, f, p, s, d, op, expected", [(2, 3, 1, 2, 1, 1, 4), (4, 4, 1, 2, 1, 0, 8), (3, 3, 0, 1, 1, 0, 5),
                                                       (5, 3, 2, 1, 2, 0, 5)])
def test_transpose_output_size(n, f, p, s, d, op, expected):
    assert transposed.transpose_output_size(n, f, p, s, d, op) == expected
    ref = F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f), stride=s, padding=p, output_padding=op, dilation=d)
    assert ref.shape[-1] == expected


@pytest.mark.parametrize("kwargs, fragment", [
    ({"stride": 2, "output_padding": 2}, "output_padding must be smaller than the stride or the dilation"),
    ({"padding": 5}, "no output"),
    ({"stride": 0}, "stride must be >= 1"),
])
def test_transposed_refuses_bad_settings(kwargs, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        transposed.conv_transpose_trace(torch.ones(3, 3), torch.ones(3, 3), **kwargs)


def test_volume_trace_matches_grouped_conv2d_with_bias_and_relu():
    rng = random.Random(4)
    for _ in range(200):
        g = rng.choice([1, 2, 3])
        c, k = g * rng.randint(1, 3), g * rng.randint(1, 3)
        x = torch.randn(c, rng.randint(3, 9), rng.randint(3, 9), dtype=torch.float64)
        f = rng.randint(1, 3)
        w = torch.randn(k, c // g, f, f, dtype=torch.float64)
        b = torch.randn(k, dtype=torch.float64)
        s, p, relu = rng.randint(1, 2), rng.randint(0, 1), rng.random() < 0.5
        trace = volume.volume_conv_trace(x, w, b, stride=s, padding=p, groups=g, relu=relu)
        ref = F.conv2d(x[None], w, b, stride=s, padding=p, groups=g)[0]
        torch.testing.assert_close(trace.output, F.relu(ref) if relu else ref, rtol=1e-10, atol=1e-10)
        layer = torch.nn.Conv2d(c, k, f, groups=g)
        assert trace.parameters == sum(q.numel() for q in layer.parameters())


def test_volume_step_adds_channels_then_bias_then_relu():
    x = torch.stack([torch.full((3, 3), 1.0), torch.full((3, 3), 2.0), torch.full((3, 3), -1.0)])  # R, G, B
    w = torch.stack([torch.ones(3, 3), torch.zeros(3, 3), torch.ones(3, 3)])[None]  # one 3x3x3 filter
    step = volume.volume_conv_trace(x, w, torch.tensor([-1.0]), relu=True).step(0)
    assert step.channel_sums.tolist() == [9, 0, -9]
    assert step.total_expression() == "9 + 0 + (-9) + bias -1 = -1;  ReLU(-1) = 0"
    assert step.channel_expression(0).startswith("1×1 + 1×1") and step.channel_expression(0).endswith("= 9")
    assert len(step.windows.flatten()) == 27  # the course's 27 numbers


def test_volume_trace_refuses_mismatched_groups_and_channels():
    with pytest.raises(InvalidParameter, match="groups must divide"):
        volume.volume_conv_trace(torch.ones(3, 4, 4), torch.ones(2, 1, 3, 3), groups=2)
    with pytest.raises(InvalidParameter, match="each filter must have"):
        volume.volume_conv_trace(torch.ones(3, 4, 4), torch.ones(2, 2, 3, 3))
    with pytest.raises(InvalidParameter, match="kernel does not fit"):
        volume.volume_conv_trace(torch.ones(3, 2, 2), torch.ones(1, 3, 3, 3))
    with pytest.raises(InvalidParameter, match="bias must have one number per filter"):
        volume.volume_conv_trace(torch.ones(3, 4, 4), torch.ones(2, 3, 3, 3), torch.ones(3))


def test_course_costs():
    assert cost.conv_cost(12, 12, 3, 256, 5).multiplications == 8 * 8 * 256 * 5 * 5 * 3 == 1_228_800
    separable = cost.conv_cost(12, 12, 3, 256, 5, kind="depthwise_separable")
    assert [p.multiplications for p in separable.parts] == [4_800, 49_152]
    big = cost.conv_cost(28, 28, 192, 32, 5, padding=2)
    assert big.output_shape == (28, 28, 32) and round(big.multiplications / 1e6) == 120
    neck = cost.bottleneck_cost(28, 28, 192, 16, 32, 5)
    assert [round(p.multiplications / 1e5) / 10 for p in neck.parts] == [2.4, 10.0]
    assert round(neck.multiplications / 1e5) / 10 == 12.4
    assert volume.layer_parameters(5, 1, 6) == 156


@pytest.mark.parametrize("shape, c_out, f, kw", [
    ((12, 12, 3), 256, 5, {}), ((28, 28, 192), 32, 5, {"padding": 2}), ((16, 20, 8), 8, 3, {"groups": 4, "stride": 2}),
    ((10, 10, 6), 12, 3, {"kind": "depthwise_separable"}), ((9, 9, 5), 5, 3, {"kind": "depthwise", "padding": 1}),
    ((7, 7, 32), 6, 1, {"kind": "pointwise"}),
])
def test_costs_agree_with_pytorch_modules_and_flop_counter(shape, c_out, f, kw):
    h, w, c = shape
    result = cost.conv_cost(h, w, c, c_out, f, **kw)
    kind, groups = kw.get("kind", "standard"), kw.get("groups", 1)
    s, p = kw.get("stride", 1), kw.get("padding", 0)
    if kind == "standard":
        layers = [torch.nn.Conv2d(c, c_out, f, stride=s, padding=p, groups=groups)]
    elif kind == "pointwise":
        layers = [torch.nn.Conv2d(c, c_out, 1)]
    elif kind == "depthwise":
        layers = [torch.nn.Conv2d(c, c, f, stride=s, padding=p, groups=c)]
    else:
        layers = [torch.nn.Conv2d(c, c, f, stride=s, padding=p, groups=c), torch.nn.Conv2d(c, c_out, 1)]
    net = torch.nn.Sequential(*layers)
    assert result.parameters == sum(q.numel() for q in net.parameters())
    with FlopCounterMode(display=False) as counter:
        out = net(torch.zeros(1, c, h, w))
    assert result.multiplications * 2 == counter.get_total_flops()  # one multiply-add = 2 FLOPs
    assert result.output_shape == (out.shape[2], out.shape[3], out.shape[1])


def test_cost_refuses_bad_settings():
    with pytest.raises(InvalidParameter, match="groups must divide"):
        cost.conv_cost(8, 8, 6, 4, 3, groups=4)
    with pytest.raises(InvalidParameter, match="realistic"):
        cost.conv_cost(10**9, 8, 3, 4, 3)
    with pytest.raises(InvalidParameter, match="kind must be one of"):
        cost.conv_cost(8, 8, 3, 4, 3, kind="magic")


def test_conv1d_and_conv3d_match_pytorch():
    torch.manual_seed(0)
    x1, w1, b1 = torch.randn(3, 40, dtype=torch.float64), torch.randn(16, 3, 5, dtype=torch.float64), torch.randn(16, dtype=torch.float64)
    trace = nd.conv1d_trace(x1, w1, b1, stride=2, padding=1)
    torch.testing.assert_close(trace.output[:, 0], F.conv1d(x1[None], w1, b1, stride=2, padding=1)[0])
    x3, w3 = torch.randn(2, 9, 8, 7, dtype=torch.float64), torch.randn(4, 2, 3, 3, 3, dtype=torch.float64)
    b3 = torch.randn(4, dtype=torch.float64)
    torch.testing.assert_close(nd.conv3d(x3, w3, b3, stride=2, padding=1), F.conv3d(x3[None], w3, b3, stride=2, padding=1)[0])
    with pytest.raises(InvalidParameter):
        nd.conv3d(x3, torch.randn(4, 3, 3, 3, 3))


def test_course_1d_and_3d_shape_chains():
    rows = nd.shape_chain((14, 1), [(5, 16), (5, 32)])
    assert [(r.output_shape, r.parameters) for r in rows] == [((10, 16), 96), ((6, 32), 2592)]
    rows = nd.shape_chain((14, 14, 14, 1), [(5, 16), (5, 32)])
    assert [(r.output_shape, r.parameters) for r in rows] == [((10, 10, 10, 16), 2016), ((6, 6, 6, 32), 64032)]
    assert sum(q.numel() for q in torch.nn.Conv3d(16, 32, 5).parameters()) == 64032


def test_synthetic_signals_and_volume():
    for kind in nd.SIGNALS:
        s = nd.synth_signal(kind, 150)
        assert s.shape == (150,) and bool(torch.isfinite(s).all())
    assert torch.equal(nd.synth_signal("heartbeat", 100, seed=1), nd.synth_signal("heartbeat", 100, seed=1))
    v = nd.synth_volume(14)
    assert v.shape == (14, 14, 14) and v.max() == 1.0 and v.min() == 0.0


def test_conv1d_and_conv3d_over_random_settings():
    rng = random.Random(5)
    for _ in range(60):
        c, k, f = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 5)
        s, p = rng.randint(1, 3), rng.randint(0, 2)
        x = torch.randn(c, rng.randint(f, 30), dtype=torch.float64)
        w, b = torch.randn(k, c, f, dtype=torch.float64), torch.randn(k, dtype=torch.float64)
        out = nd.conv1d_trace(x, w, b, stride=s, padding=p).output[:, 0]
        torch.testing.assert_close(out, F.conv1d(x[None], w, b, stride=s, padding=p)[0], rtol=1e-10, atol=1e-10)
    for _ in range(30):
        c, k, f = rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 3)
        s, p = rng.randint(1, 2), rng.randint(0, 1)
        x = torch.randn(c, *(rng.randint(f, 7) for _ in range(3)), dtype=torch.float64)
        w = torch.randn(k, c, f, f, f, dtype=torch.float64)
        torch.testing.assert_close(nd.conv3d(x, w, stride=s, padding=p), F.conv3d(x[None], w, stride=s, padding=p)[0],
                                   rtol=1e-10, atol=1e-10)
