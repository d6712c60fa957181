"""Neural style transfer: Gram matrices and the course's costs against hand computations and direct torch formulas,
both backbones' layers, L-BFGS and Adam, stopping, divergence, multi-scale, initialisations and awkward images."""

import itertools
import math

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from cvcore.errors import InvalidParameter
from cvcore.images import sample_image, to_tensor
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets


@pytest.fixture(scope="module")
def vgg():
    """VGG-19 with random weights: its ImageNet weights cannot be had offline, the mechanics can be tested."""
    torch.manual_seed(0)
    return torchvision.models.vgg19(weights=None).eval()


@pytest.fixture(scope="module")
def pair():
    return sample_image("chelsea"), style_images.style_image("mosaic", 96)


def _run(content, stylish, model, **kw):
    kw.setdefault("size", 48)
    kw.setdefault("steps", 4)
    return list(style.transfer(content, stylish, model=model, device="cpu", **kw))


def test_gram_matrix_is_sum_over_positions_of_channel_products():
    a = torch.tensor([[[[1.0, 2.0], [0.0, -1.0]], [[3.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]]]])  # [1, 3, 2, 2]
    # by hand: <ch0, ch0> = 1 + 4 + 0 + 1 = 6; <ch0, ch1> = 3 + 0 + 0 - 1 = 2; <ch0, ch2> = 0.5 * (1 + 2 + 0 - 1) = 1
    # <ch1, ch1> = 9 + 0 + 1 + 1 = 11; <ch1, ch2> = 0.5 * 5 = 2.5; <ch2, ch2> = 4 * 0.25 = 1
    expected = torch.tensor([[[6.0, 2.0, 1.0], [2.0, 11.0, 2.5], [1.0, 2.5, 1.0]]])
    torch.testing.assert_close(style.gram_matrix(a), expected, rtol=0, atol=1e-6)
    x = torch.randn(2, 5, 7, 3, dtype=torch.float64)
    reference = torch.einsum("bkhw,blhw->bkl", x, x)
    torch.testing.assert_close(style.gram_matrix(x), reference, rtol=1e-12, atol=1e-12)
    with pytest.raises(InvalidParameter, match="expected|got 3 dimensions"):
        style.gram_matrix(torch.ones(3, 2, 2))


def test_costs_follow_the_course_formulas_and_normalisation_constants():
    torch.manual_seed(1)
    a_s, a_g, a_c = (torch.randn(1, 4, 3, 5, dtype=torch.float64) for _ in range(3))
    n_h, n_w, n_c = 3, 5, 4
    # style: 1 / (2 n_H n_W n_C)^2 ||G(S) - G(G)||_F^2, with the course's constant (2 * 60)^2 = 14,400
    gs, gg = a_s[0].reshape(4, -1) @ a_s[0].reshape(4, -1).T, a_g[0].reshape(4, -1) @ a_g[0].reshape(4, -1).T
    expected_style = ((gs - gg) ** 2).sum() / 14_400
    assert (2 * n_h * n_w * n_c) ** 2 == 14_400
    torch.testing.assert_close(style.style_layer_cost(style.gram_matrix(a_s), a_g), expected_style, rtol=1e-12, atol=0)
    # content: 1/2 ||a(C) - a(G)||^2, and the normalised 1 / (4 n_H n_W n_C) = 1/240
    diff = ((a_c - a_g) ** 2).sum()
    torch.testing.assert_close(style.content_cost(a_c, a_g), diff / 2, rtol=1e-12, atol=0)
    torch.testing.assert_close(style.content_cost(a_c, a_g, normalized=True), diff / 240, rtol=1e-12, atol=0)
    torch.testing.assert_close(style.content_cost(a_c, a_g, normalized=True),
                               torch.nn.functional.mse_loss(a_g, a_c, reduction="mean") / 4, rtol=1e-12, atol=0)
    # total variation: a vertical edge of height 1 in a 3x3 image: across-differences 1 in 3 of 6 pairs, none down
    edge = torch.tensor([[[[0.0, 0.0, 1.0]] * 3]])
    assert style.tv_cost(edge).item() == pytest.approx(0.5, abs=1e-7)


def test_smoothing_is_a_softmax_over_each_map():
    x = torch.randn(2, 3, 4, 5)
    s = style.smooth(x)
    torch.testing.assert_close(s.sum((2, 3)), torch.full((2, 3), 20.0), rtol=1e-5, atol=1e-4)
    reference = torch.exp(x) / torch.exp(x).sum((2, 3), keepdim=True) * 20
    torch.testing.assert_close(s, reference, rtol=1e-5, atol=1e-6)


def test_backbone_layers_are_the_documented_modules(mobilenet, vgg):
    spec = style_nets.backbone("vgg19")
    assert [spec.label_of(n) for n in spec.style_layers] == ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    x = torch.rand(1, 3, 64, 64)
    out = style_nets.extractor(vgg, spec, ("features.22",))(x)
    with torch.no_grad():
        reference = vgg.features[:23](x.clone())  # conv4_2 after its ReLU
    torch.testing.assert_close(out["features.22"].detach(), reference, rtol=1e-5, atol=1e-5)
    pooled = style_nets.extractor(vgg, spec, ("features.11",), avg_pool=True)(x)["features.11"]
    with torch.no_grad():
        h = torch.nn.functional.avg_pool2d(vgg.features[:4](x.clone()), 2)
        h = torch.nn.functional.avg_pool2d(vgg.features[5:9](h), 2)
        reference = vgg.features[10:12](h)
    torch.testing.assert_close(pooled.detach(), reference, rtol=1e-5, atol=1e-5)
    assert any(isinstance(m, torch.nn.MaxPool2d) for m in vgg.features)  # the model keeps its own pooling
    m_spec = style_nets.backbone("mobilenet_v2")
    act = style_nets.extractor(mobilenet, m_spec, ("features.3.conv.0",))(x)["features.3.conv.0"]
    with torch.no_grad():
        reference = mobilenet.features[3].conv[0](mobilenet.features[:3](x))
    torch.testing.assert_close(act.detach(), reference, rtol=1e-5, atol=1e-5)
    assert act.min() >= 0 and act.max() <= 6  # a ReLU6 activation
    with pytest.raises(InvalidParameter, match="average pooling"):
        style_nets.extractor(mobilenet, m_spec, ("features.0",), avg_pool=True)


def _reference_costs(model, spec, c, s, g, layer, styles):
    """The costs written out directly with torch, on the torchvision model's own modules."""
    mean, std = torch.tensor(spec.mean).view(1, 3, 1, 1), torch.tensor(spec.std).view(1, 3, 1, 1)

    def acts(x):
        out, h = {}, (x[None] - mean) / std
        for i, module in enumerate(model.features):
            if spec.name == "mobilenet_v2" and 2 <= i <= 17:
                out[f"features.{i}.conv.0"] = module.conv[0](h)
            h = module(h)
            out[f"features.{i}"] = h
        return out

    ac, as_, ag = acts(c), acts(s), acts(g)
    content = ((ac[layer] - ag[layer]) ** 2).sum() / (4 * ag[layer].numel())
    per = []
    for name in styles:
        _, k, hh, ww = ag[name].shape
        fs, fg = as_[name].reshape(k, -1), ag[name].reshape(k, -1)
        per.append(((fs @ fs.T - fg @ fg.T) ** 2).sum() / (2 * hh * ww * k) ** 2)
    return content, sum(per) / len(per)


@pytest.mark.parametrize("which", ["mobilenet_v2", "vgg19"])
def test_step_zero_costs_match_direct_torch(which, mobilenet, vgg, pair):
    model = {"mobilenet_v2": mobilenet, "vgg19": vgg}[which]
    spec = style_nets.backbone(which)
    first = next(style.transfer(*pair, backbone=which, model=model, device="cpu", size=48, steps=3, init="noise"))
    c, s, _ = style.prepare_pair(*pair, 48)
    g = torch.rand(c.shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        content, style_cost = _reference_costs(model, spec, c, s, g, spec.content_layer, spec.style_layers)
    assert first.step == 0 and first.image.shape == (c.shape[1], c.shape[2], 3)
    assert first.content_cost == pytest.approx(float(content), rel=1e-4)
    assert first.style_cost == pytest.approx(float(style_cost), rel=1e-4)
    assert first.total_cost == pytest.approx(30 * first.content_cost + 1e4 * first.style_cost + 10 * first.tv_cost, rel=1e-5)


@pytest.mark.parametrize("optimizer,backbone", list(itertools.product(style.OPTIMIZERS, ["mobilenet_v2", "vgg19"])))
def test_both_optimisers_lower_the_cost_and_leave_the_model_alone(optimizer, backbone, mobilenet, vgg, pair):
    model = {"mobilenet_v2": mobilenet, "vgg19": vgg}[backbone]
    before = [p.clone() for p in model.parameters()]
    records = _run(*pair, model, backbone=backbone, optimizer=optimizer, steps=6, init="noise", preview_every=3)
    assert [r.step for r in records] == list(range(7)) and records[-1].done
    assert records[-1].total_cost < records[0].total_cost
    assert [r.image is not None for r in records] == [True, False, False, True, False, False, True]
    assert all(p.grad is None and torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))


def test_the_backbone_comes_from_the_settings_unless_named(vgg, pair):
    run = style.transfer(*pair, model=vgg, device="cpu", settings=style.StyleSettings(backbone="vgg19", size=48, steps=1))
    assert set(next(run).style_costs) == set(style_nets.backbone("vgg19").style_layers)
    with pytest.raises(InvalidParameter, match="must be one of mobilenet_v2's layers"):
        next(style.transfer(*pair, backbone="mobilenet_v2", model=vgg, device="cpu",
                            settings=style.StyleSettings(backbone="vgg19", style_layers=("features.1",))))


def test_lbfgs_step_is_torchs_lbfgs_on_the_same_objective(mobilenet, pair):
    """Three engine steps equal three steps of torch.optim.LBFGS run by hand on the textbook objective."""
    records = _run(*pair, mobilenet, steps=3, tv_weight=0.0, init="content")
    spec = style_nets.backbone("mobilenet_v2")
    c, s, _ = style.prepare_pair(*pair, 48)
    g = c.clone()[None].requires_grad_(True)
    opt = torch.optim.LBFGS([g], lr=1.0, max_iter=1, history_size=50)
    mean, std = torch.tensor(spec.mean).view(1, 3, 1, 1), torch.tensor(spec.std).view(1, 3, 1, 1)
    net = style_nets.extractor(mobilenet, spec, (spec.content_layer, *spec.style_layers))
    with torch.no_grad():
        target_c = net((c[None] - mean) / std)[spec.content_layer]
        grams = {n: style.gram_matrix(a) for n, a in net((s[None] - mean) / std).items()}
    for _ in range(3):
        def closure():
            opt.zero_grad()
            out = net((g - mean) / std)
            j_c = ((out[spec.content_layer] - target_c) ** 2).sum() / (4 * out[spec.content_layer].numel())
            j_s = sum(((grams[n] - style.gram_matrix(out[n])) ** 2).sum() / (2 * out[n][0].numel()) ** 2
                      for n in spec.style_layers) / len(spec.style_layers)
            loss = 30 * j_c + 1e4 * j_s  # the default weights alpha 30, beta 1e4
            g.grad = torch.autograd.grad(loss, g)[0]
            return loss
        opt.step(closure)
        with torch.no_grad():
            g.clamp_(0, 1)
    np.testing.assert_allclose(records[-1].image.astype(int), style.to_image(g).astype(int), atol=1)


def test_stop_at_step_zero_and_a_generator_closed_early(mobilenet, pair):
    records = _run(*pair, mobilenet, stop=lambda: True)
    assert [r.step for r in records] == [0, 0] and records[-1].stopped and records[-1].done
    assert records[-1].image is not None and "Stopped after 0 of 4 steps" in records[-1].message
    calls = iter([False, False, True])
    records = _run(*pair, mobilenet, steps=10, stop=lambda: next(calls))
    assert [r.step for r in records][-1] == 2 and records[-1].stopped
    run = style.transfer(*pair, model=mobilenet, device="cpu", size=48, steps=100)
    next(run), next(run)
    run.close()  # stops cleanly between two steps
    with pytest.raises(StopIteration):
        next(run)


def test_too_large_a_learning_rate_is_detected(mobilenet, pair):
    records = _run(*pair, mobilenet, optimizer="lbfgs", lr=1e39, steps=30, init="noise")
    last = records[-1]
    assert last.diverged and last.done and "diverged at step" in last.message and len(records) < 31
    assert "NaN" in last.message and last.image is not None and last.image.dtype == np.uint8
    assert all(math.isfinite(r.total_cost) for r in records)  # the costs reported are those of finite images


def test_multiscale_optimises_at_half_size_then_full(mobilenet, pair):
    records = _run(*pair, mobilenet, size=96, steps=5, multiscale=True)
    c, _, _ = style.prepare_pair(*pair, 96)
    full = tuple(c.shape[1:])
    half = (full[0] // 2, full[1] // 2)
    assert [r.size for r in records] == [half] * 4 + [full] * 2  # step 0 and 3 of 5 steps (60%) at half size
    assert records[-1].image.shape[:2] == full


def test_initialisations(mobilenet, pair):
    c, s, _ = style.prepare_pair(*pair, 48)
    content_start = _run(*pair, mobilenet, init="content")[0]
    style_start = _run(*pair, mobilenet, init="style")[0]
    noise_start = _run(*pair, mobilenet, init="noise")[0]
    np.testing.assert_array_equal(content_start.image, style.to_image(c))
    np.testing.assert_array_equal(style_start.image, style.to_image(s))
    assert content_start.content_cost == 0 and style_start.style_cost == pytest.approx(0, abs=1e-9)
    assert noise_start.content_cost > 0 and noise_start.style_cost > 0
    assert abs(float(noise_start.image.mean()) - 127.5) < 5  # uniform noise
    with pytest.raises(InvalidParameter, match="init must be one of"):
        _run(*pair, mobilenet, init="zeros")


def test_grayscale_style_identical_images_and_huge_images(mobilenet):
    content = sample_image("astronaut")
    gray = sample_image("camera")  # mode L
    records = _run(content, gray, mobilenet)
    assert any("grayscale" in n for n in records[0].notices) and records[-1].image.shape[2] == 3
    same = _run(content, content, mobilenet)
    assert any("same image" in n for n in same[0].notices)
    assert same[0].content_cost == 0 and same[0].style_cost == 0 and all(math.isfinite(r.total_cost) for r in same)
    huge = Image.fromarray(np.asarray(content.resize((3000, 3000))))
    records = _run(huge, style_images.style_image("brush", 64), mobilenet)
    assert any("3000x3000" in n and "resized to 48x48" in n for n in records[0].notices)
    assert records[-1].image.shape == (48, 48, 3)


def test_tensor_inputs_and_bad_settings(mobilenet, pair):
    c = to_tensor(pair[0])
    records = _run(c, to_tensor(pair[1])[None], mobilenet, steps=1)
    assert records[-1].done
    with pytest.raises(InvalidParameter, match=r"values must be finite and in \[0, 1\]"):
        _run(c * 255, pair[1], mobilenet)
    with pytest.raises(InvalidParameter, match="size must be between 32"):
        _run(*pair, mobilenet, size=4000)
    with pytest.raises(InvalidParameter, match="optimizer must be one of"):
        _run(*pair, mobilenet, optimizer="sgd")
    with pytest.raises(InvalidParameter, match="backbone must be one of"):
        _run(*pair, mobilenet, backbone="resnet")
    with pytest.raises(InvalidParameter, match="layer must be one of"):
        _run(*pair, mobilenet, content_layer="features.22")
    with pytest.raises(InvalidParameter, match="style_layer_weights must be 5 numbers"):
        _run(*pair, mobilenet, style_layer_weights=(1.0,))
    with pytest.raises(InvalidParameter, match="unknown"):
        _run(*pair, mobilenet, colour=True)


def test_style_images_are_deterministic_and_distinct():
    seen = set()
    for name in style_images.STYLE_IMAGES:
        a, b = style_images.style_image(name, 64), style_images.style_image(name, 64)
        assert a.mode == "RGB" and a.size == (64, 64) and np.array_equal(np.asarray(a), np.asarray(b))
        assert np.asarray(a).std() > 20  # texture, not a flat colour
        seen.add(np.asarray(a).tobytes())
    assert len(seen) == len(style_images.STYLE_IMAGES)
    with pytest.raises(InvalidParameter, match="style image must be one of"):
        style_images.style_image("cubism")
