"""One output value of a real network recomputed by hand (``cvcore.inside.unit_trace``) and the whole-network
overview (``cvcore.inside.overview``), against the network's own activations caught by forward hooks on a private
copy, ``torch.nn.functional`` and hand-checked numbers."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cvcore import images
from cvcore.errors import InvalidParameter
from cvcore.inside import features, overview, unit_trace
from cvcore.networks import builder

_RTOL, _ATOL = 1e-4, 1e-5


def _hooked(model: nn.Module, x: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
    """The outputs of the modules ``names`` for ``x``, caught by forward hooks on a deep copy (removed at the end)."""
    twin = copy.deepcopy(model).eval()
    caught, handles = {}, []
    try:
        for name in names:
            handles.append(twin.get_submodule(name).register_forward_hook(
                lambda _m, _i, out, name=name: caught.__setitem__(name, out.detach().clone())))
        with torch.no_grad():
            twin(x)
    finally:
        for handle in handles:
            handle.remove()
    return {name: value[0] for name, value in caught.items()}


@pytest.fixture(scope="module")
def cat(entry):
    return features.preprocess(images.sample_image("chelsea"), entry)


@pytest.fixture(scope="module")
def own(mobilenet, cat):
    """MobileNetV2's own outputs for the cat, of every module the tests look at, from one hooked pass on a copy."""
    names = [f"features.{i}" for i in range(19)] + ["classifier.1", "features.2.conv.0", "features.1.conv.0",
                                                    "features.2.conv.1", "features.3.conv.0", "features.3.conv.3"]
    return _hooked(mobilenet, cat, names)


# (unit, channel, row, col, what it checks): the stem (stride 2, 3 input channels, the top-left corner in the
# padding), depthwise 3x3 (stride 1 at the bottom-right corner; stride 2 on the top edge), a 1x1 expansion, a 1x1
# linear projection followed by the residual addition, and the last 1x1 convolution (320 input channels).
CASES = [
    ("features.0", 5, 0, 0, 3, (-1, 0, 1), (-1, 0, 1)),
    ("features.1.conv.0", 7, 111, 111, 1, (110, 111, 112), (110, 111, 112)),
    ("features.2.conv.1", 20, 0, 37, 1, (-1, 0, 1), (73, 74, 75)),
    ("features.3.conv.0", 50, 20, 30, 24, (20,), (30,)),
    ("features.3.conv.2", 7, 5, 9, 144, (5,), (9,)),
    ("features.18", 414, 3, 4, 320, (3,), (4,)),
]


@pytest.mark.parametrize("name, channel, row, col, seen, rows, cols", CASES)
def test_a_traced_value_of_mobilenet_v2_equals_the_network_own(mobilenet, cat, own, name, channel, row, col, seen,
                                                                rows, cols):
    unit = {u.name: u for u in unit_trace.conv_units(mobilenet)}[name]
    t = unit_trace.trace_unit(mobilenet, unit, channel, row, col, x=cat)
    assert len(t.channels) == seen and (t.rows, t.cols) == (rows, cols)
    torch.testing.assert_close(torch.tensor(t.value, dtype=torch.float64), own[unit.output][channel, row, col].double(), rtol=_RTOL,
                               atol=_ATOL)
    torch.testing.assert_close(t.network_value, float(own[unit.output][channel, row, col]), rtol=0, atol=0)
    # The parts add up: products to channel sums to the total, then bias, batch norm and the activation.
    torch.testing.assert_close(t.products.sum(dim=(1, 2)), t.channel_sums)
    assert t.total == pytest.approx(float(t.products.sum()), rel=1e-12) and t.bias is None  # MobileNetV2: no bias
    mean, var, eps, gamma, beta = t.norm
    assert t.normed == pytest.approx((t.pre_norm - mean) / (var + eps) ** 0.5 * gamma + beta, rel=1e-12)
    if unit.activation == "ReLU6":
        assert t.value == min(max(t.normed, 0.0), 6.0)
    else:
        assert unit.activation is None and t.value == t.normed  # the projection is linear
    outside = [(i, j) for i, r in enumerate(rows) for j, c in enumerate(cols) if not (0 <= r < 112 and 0 <= c < 112)]
    assert all(float(t.window[:, i, j].abs().max()) == 0.0 for i, j in outside)  # zero padding
    if unit.block:
        torch.testing.assert_close(torch.tensor(t.block_value, dtype=torch.float64), own[unit.block][channel, row, col].double(),
                                   rtol=_RTOL, atol=_ATOL)


def test_the_window_and_weights_are_the_layer_own(mobilenet, cat, own):
    """The depthwise filter's weights are its one channel's; the window is the input's 3x3 patch at stride 2."""
    t = unit_trace.trace_unit(mobilenet, "features.2.conv.1", 20, 10, 12, x=cat)
    conv = mobilenet.features[2].conv[1][0]
    assert conv.groups == 96 and t.channels == (20,)
    torch.testing.assert_close(t.weights, conv.weight[20].detach().double())
    previous = own["features.2.conv.0"]
    torch.testing.assert_close(t.window[0], previous[20, 19:22, 23:26].double())


def test_a_whole_map_traced_cell_by_cell_equals_f_conv2d_and_batch_norm(mobilenet, cat):
    """Every cell of one small map against torch.nn.functional, an independent route through the same layer."""
    unit = {u.name: u for u in unit_trace.conv_units(mobilenet)}["features.16.conv.1"]
    acts = unit_trace.unit_activations(mobilenet, cat, unit)
    conv, bn = mobilenet.get_submodule(unit.conv), mobilenet.get_submodule(unit.bn)
    with torch.no_grad():
        ref = F.relu6(F.batch_norm(F.conv2d(acts["input"][None], conv.weight, None, conv.stride, conv.padding,
                                            conv.dilation, conv.groups), bn.running_mean, bn.running_var, bn.weight,
                                   bn.bias, False, 0.0, bn.eps))[0, 3]  # [7, 7]
    ours = torch.tensor([[unit_trace.trace_unit(mobilenet, unit, 3, r, c, activations=acts).value for c in range(7)]
                         for r in range(7)], dtype=torch.float64)
    torch.testing.assert_close(ours, ref.double(), rtol=_RTOL, atol=_ATOL)


def test_mobilenet_units_are_the_stem_the_blocks_and_the_last_convolution(mobilenet):
    units = unit_trace.conv_units(mobilenet)
    assert len(units) == 1 + 2 + 16 * 3 + 1 == 52
    assert [u.kind(mobilenet) for u in units[:6]] == ["3x3", "depthwise 3x3", "1x1 projection (linear)",
                                                       "1x1 expansion", "depthwise 3x3", "1x1 projection (linear)"]
    residual = [u.stage for u in units if u.block]
    assert residual == [f"features.{i}" for i in (3, 5, 6, 8, 9, 10, 12, 13, 15, 16)]  # stride 1, same width
    assert all(not m._forward_hooks for m in mobilenet.modules())


def _digits_net() -> nn.Sequential:
    specs = builder.with_batchnorm([builder.LayerSpec("conv", 6, 3, padding=1), builder.LayerSpec("relu"),
                                    builder.LayerSpec("maxpool", kernel=2, stride=2),
                                    builder.LayerSpec("separable", 8, 3, stride=2, padding=1),
                                    builder.LayerSpec("tanh"), builder.LayerSpec("flatten"),
                                    builder.LayerSpec("linear", 10)])
    net = builder.build_network(specs, (1, 28, 28), seed=1)
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():  # batch norm statistics far from 0 and 1, so that the normalisation matters
        for module in net.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.5, generator=generator)
                module.running_var.uniform_(0.2, 3.0, generator=generator)
                module.weight.normal_(1, 0.3, generator=generator)
                module.bias.normal_(0, 0.3, generator=generator)
    return net.eval()


def test_a_digits_cnn_built_here_traces_to_its_own_values():
    net = _digits_net()
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    units = unit_trace.conv_units(net)
    assert [(u.name, u.bn, u.activation, u.input, u.output) for u in units] == [
        ("0", "1", "ReLU", None, "2"), ("4.0", None, None, "3", "4.0"), ("4.1", "5", "tanh", "4.0", "6")]
    own = _hooked(net, x, ["2", "4.0", "6"])
    generator = torch.Generator().manual_seed(3)
    for unit in units:
        out = own[unit.output]  # [K, H, W]
        acts = unit_trace.unit_activations(net, x, unit)
        for _ in range(6):
            k, r, c = (int(torch.randint(n, (1,), generator=generator)) for n in out.shape)
            t = unit_trace.trace_unit(net, unit, k, r, c, activations=acts)
            torch.testing.assert_close(torch.tensor(t.value, dtype=torch.float64), out[k, r, c].double(), rtol=_RTOL, atol=_ATOL)
        assert t.bias is not None  # the builder's convolutions have biases
    corner = unit_trace.trace_unit(net, "4.0", 2, 0, 0, x=x)  # depthwise, stride 2, padding 1
    assert corner.rows == corner.cols == (-1, 0, 1) and corner.channels == (2,)


def test_hand_checked_numbers_with_bias_batch_norm_and_relu6():
    conv = nn.Conv2d(2, 1, 2, bias=True)
    bn = nn.BatchNorm2d(1, eps=0.0)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1.0, 2.0], [0.0, -1.0]], [[0.5, 0.0], [0.0, 0.0]]]]))
        conv.bias.fill_(1.0)
        bn.running_mean.fill_(2.0)
        bn.running_var.fill_(4.0)
        bn.weight.fill_(3.0)
        bn.bias.fill_(0.5)
    net = nn.Sequential(conv, bn, nn.ReLU6()).eval()
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[6.0, 0.0], [0.0, 0.0]]]])
    t = unit_trace.trace_unit(net, "0", 0, 0, 0, x=x)
    # 1*1 + 2*2 + 3*0 + 4*(-1) = 1 and 6*0.5 = 3: total 4, + bias 1 = 5; (5 - 2) / 2 * 3 + 0.5 = 5; ReLU6(5) = 5
    assert t.channel_sums.tolist() == [1.0, 3.0] and (t.total, t.pre_norm, t.normed, t.value) == (4.0, 5.0, 5.0, 5.0)
    assert t.network_value == 5.0
    assert t.lines()[-1] == "ReLU6: min(max(5.000000, 0), 6) = 5.000000"
    assert t.lines()[1:3] == ["bias: 4.000000 + 1.000000 = 5.000000",
                              "batch norm: (5.000000 - 2.000000) / sqrt(4.000000 + 0) x 3.000000 + 0.500000 = 5.000000"]


def test_negative_terms_are_taken_away_and_no_zero_is_negative():
    conv = nn.Conv2d(1, 1, 1, bias=True)
    bn = nn.BatchNorm2d(1, eps=0.0)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.bias.fill_(-1e-9)
        bn.running_mean.fill_(-2.0)
        bn.running_var.fill_(1.0)
        bn.bias.fill_(-0.5)
    t = unit_trace.trace_unit(nn.Sequential(conv, bn, nn.ReLU()).eval(), "0", 0, 0, 0, x=torch.ones(1, 1, 1, 1))
    text = "\n".join(t.lines())
    assert "+ -" not in text and "- -" not in text and "-0.000000" not in text
    assert "bias: 1.000000 + 0.000000 = 1.000000" in text and "(1.000000 + 2.000000)" in text and "- 0.500000 =" in text


def test_bad_units_and_cells_are_named_in_the_message(mobilenet, cat):
    with pytest.raises(InvalidParameter, match="unit must be a convolution of the model"):
        unit_trace.trace_unit(mobilenet, "features.42", 0, 0, 0, x=cat)
    with pytest.raises(InvalidParameter, match=r"row must be between 0 and 111, got 112"):
        unit_trace.trace_unit(mobilenet, "features.0", 0, 112, 0, x=cat)
    with pytest.raises(InvalidParameter, match=r"channel must be between 0 and 31, got 32"):
        unit_trace.trace_unit(mobilenet, "features.0", 32, 0, 0, x=cat)


def test_the_overview_lists_every_stage_with_its_shape_and_strongest_map(mobilenet, cat, own):
    stages = overview.overview(mobilenet, cat)
    names = [s.name for s in stages]
    assert names == [f"features.{i}" for i in range(19)] + ["adaptive_avg_pool2d", "flatten", "classifier.1"]
    for stage in stages[:19]:
        assert stage.shape == tuple(own[stage.name].shape)
        means = own[stage.name].mean(dim=(1, 2))
        assert float(means[stage.strongest]) == pytest.approx(float(means.max()), rel=1e-5)
        torch.testing.assert_close(stage.thumbnail, own[stage.name][stage.strongest], rtol=_RTOL, atol=_ATOL)
    assert [s.shape for s in stages[19:]] == [(1280, 1, 1), (1280,), (1000,)]
    assert stages[-1].top[0][0] == int(own["classifier.1"].argmax()) == 285  # Egyptian cat
    assert stages[3].units == ("features.3.conv.0", "features.3.conv.1", "features.3.conv.2")
    assert all(not m._forward_hooks for m in mobilenet.modules())


def test_the_window_figures_show_the_trace_own_numbers(mobilenet, cat):
    from cvcore.viz import unit_trace as figures
    from cvcore.viz.grid_svg import grid_svg

    t = unit_trace.trace_unit(mobilenet, "features.0", 5, 0, 0, x=cat)  # the corner: a row and a column of padding
    window, weights, products = figures.window_figures(t, 1, input_name="image")  # the green channel
    z = torch.tensor(window.data[0].z, dtype=torch.float64)  # rows -3 .. 3, columns -3 .. 3
    assert window.data[0].y[0] == -3 and window.data[0].x[0] == -3
    torch.testing.assert_close(z[2:5, 2:5], t.window[1])
    torch.testing.assert_close(z[3:, 3:], cat[0, 1, :4, :4].double())  # the image itself, past the padding
    assert float(z[:3].abs().max()) == 0.0 and float(z[:, :3].abs().max()) == 0.0  # zeros where the padding is
    frame = window.data[1]
    assert (min(v for v in frame.x if v is not None), max(v for v in frame.x if v is not None)) == (-1.5, 1.5)
    torch.testing.assert_close(torch.tensor(weights.data[0].z, dtype=torch.float64),
                               mobilenet.features[0][0].weight[5, 1].detach().double())
    torch.testing.assert_close(torch.tensor(products.data[0].z, dtype=torch.float64), t.window[1] * t.weights[1])
    assert all(grid_svg(fig) is not None for fig in (window, weights, products))  # drawn as pictures in the page


def test_a_click_on_the_cell_picker_names_the_cell_under_it():
    import base64
    import io

    from PIL import Image

    from cvcore.viz import maps as viz
    from cvcore.viz import unit_trace as figures

    values = torch.arange(12, dtype=torch.float32).reshape(3, 4)  # each cell its own colour
    fig = figures.cell_picker_figure(values, title="t", selected=(2, 1), px=40)
    image, points, frame = fig.data
    assert list(zip(points.y, points.x, strict=True)) == [(r, c) for r in range(3) for c in range(4)]  # each cell
    assert points.mode == "markers" and points.marker.maxdisplayed == 1  # clickable, one of them drawn
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(image.source.split(",")[1]))).convert("RGB"))
    colours = viz.colorize(values / 11, "viridis")
    for r, c in ((0, 0), (1, 2), (2, 3)):  # the picture's pixel at a point's place has that cell's colour
        px = round((c - image.x0) / image.dx)
        py = round((r - image.y0) / image.dy)
        assert picture[py, px].tolist() == colours[r, c].tolist()
    assert (min(frame.x), max(frame.x), min(frame.y), max(frame.y)) == (0.5, 1.5, 1.5, 2.5)


def _run_snippet(code: str, model: nn.Module, x: torch.Tensor) -> list[tuple[float, float]]:
    import contextlib
    import io
    import re

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "one_value.py", "exec"), {"model": model, "x": x})
    return [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.e+-]+) network (-?[\d.e+-]+)", out.getvalue())]


@pytest.mark.parametrize("name, channel, row, col", [("features.2.conv.1", 20, 0, 37), ("features.3.conv.2", 7, 5, 9)])
def test_the_pytorch_code_recomputes_the_value(mobilenet, cat, own, name, channel, row, col):
    from cvcore.teach import model_snippets

    unit = {u.name: u for u in unit_trace.conv_units(mobilenet)}[name]
    code = model_snippets.unit_snippet("mobilenet_v2", "chelsea", unit, channel, row, col, head=[
        "import torch", "from torchvision.models.feature_extraction import create_feature_extractor"])
    printed = _run_snippet(code, mobilenet, cat)
    assert len(printed) == (2 if unit.block else 1)
    for (by_hand, network), module in zip(printed, [unit.output, unit.block], strict=False):
        reference = float(own[module][channel, row, col])
        assert by_hand == pytest.approx(reference, rel=1e-4, abs=1e-5) and network == pytest.approx(reference)
