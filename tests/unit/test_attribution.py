"""cvcore.attribution against Captum, against the papers' equations written out again, and against what a
heatmap should show on a photo whose answer is known."""

import pytest
import torch
import torch.nn.functional as F
from captum.attr import GuidedGradCam, LayerAttribution, LayerGradCam
from PIL import Image

from cvcore import attribution, images
from cvcore.attribution import cams
from cvcore.errors import InvalidParameter
from cvcore.inside import features


def _x(entry, name="chelsea"):
    return features.preprocess(images.sample_image(name), entry)


def _tiny(seed=0, head_layers=1):
    """Conv -> ReLU -> Conv -> ReLU -> global average pooling -> linear head (one or two linear layers)."""
    torch.manual_seed(seed)
    head = [torch.nn.Linear(6, 5)] if head_layers == 1 else [torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 5)]
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 6, 3, stride=2),
                               torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), *head).eval()


def _captum_reference(model, x, target, module):
    coarse = LayerGradCam(model, module).attribute(x, target=target, relu_attributions=True)
    up = LayerAttribution.interpolate(coarse, tuple(x.shape[2:]), interpolate_mode="bilinear")[0, 0].detach()
    up = up - up.min()
    return up / up.max()


@pytest.mark.parametrize("layer, target", [("features.18", 285), ("features.13", 281), ("features.6", 7)])
def test_grad_cam_equals_captum_layer_grad_cam_on_mobilenet_v2(mobilenet, entry, layer, target):
    x = _x(entry)
    ours = attribution.grad_cam(mobilenet, x, target, layer)
    reference = _captum_reference(mobilenet, x, target, mobilenet.get_submodule(layer))
    assert ours.shape == (224, 224) and float(ours.min()) == 0.0 and float(ours.max()) == pytest.approx(1.0)
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-5)
    assert all(not m._forward_hooks and not m._backward_hooks for m in mobilenet.modules())


@pytest.mark.parametrize("seed", range(5))
def test_grad_cam_equals_captum_on_random_tiny_models(seed):
    model = _tiny(seed)
    x = torch.randn(1, 3, 17, 13, generator=torch.Generator().manual_seed(seed))
    for target in range(5):
        ours = attribution.grad_cam(model, x, target, "3")
        coarse = LayerGradCam(model, model[3]).attribute(x, target=target, relu_attributions=True)
        if float(coarse.detach().max()) <= 0:
            assert float(ours.max()) == 0.0
            continue
        torch.testing.assert_close(ours, _captum_reference(model, x, target, model[3]), rtol=1e-4, atol=1e-5)


def test_the_engine_function_matches_captum_on_its_private_copy(mobilenet, entry):
    x = _x(entry, "coffee")
    torch.testing.assert_close(attribution.captum_grad_cam(mobilenet, x, 967, "features.18"),
                               attribution.grad_cam(mobilenet, x, 967, "features.18"), rtol=1e-4, atol=1e-5)


def test_cam_is_grad_cam_times_the_map_size_on_a_global_average_pooling_head(mobilenet, entry):
    x = _x(entry, "astronaut")
    g = attribution.layer_gradients(mobilenet, x, 834, "features.18")
    h, w = g.activation.shape[1:]
    # dy/dA_ij = W_c / (h w) for every position, so Grad-CAM's weights are CAM's divided by h w (Selvaraju et al., Sec. 3.1).
    torch.testing.assert_close(g.gradient, mobilenet.classifier[1].weight[834][:, None, None].expand_as(g.gradient) / (h * w))
    raw_cam = cams.Cam(attribution.classifier_weights(mobilenet)).raw(g)
    torch.testing.assert_close(raw_cam / (h * w), cams.GradCam().raw(g), rtol=1e-5, atol=1e-7)
    maps = attribution.class_activation_maps(mobilenet, x, 834, "features.18", ["cam", "grad_cam"])
    torch.testing.assert_close(maps["cam"], maps["grad_cam"], rtol=1e-4, atol=1e-5)


def test_grad_cam_plus_plus_and_layer_cam_follow_their_equations():
    torch.manual_seed(3)
    activation = torch.relu(torch.randn(4, 3, 5))
    gradient = torch.randn(4, 3, 5)
    g = cams.LayerGradients(activation, gradient, torch.zeros(10), 2, (6, 10))
    # Grad-CAM++ (Chattopadhay et al., Eq. 19), one map and one position at a time.
    expected = torch.zeros(3, 5)
    for kk in range(4):
        weight = 0.0
        for i in range(3):
            for j in range(5):
                g1 = float(gradient[kk, i, j])
                denominator = 2 * g1 ** 2 + float(activation[kk].sum()) * g1 ** 3
                alpha = g1 ** 2 / denominator if denominator != 0 else 0.0
                weight += alpha * max(g1, 0.0)
        expected += weight * activation[kk]
    torch.testing.assert_close(cams.GradCamPlusPlus().raw(g), torch.relu(expected), rtol=1e-5, atol=1e-6)
    # LayerCAM (Jiang et al., Eq. 5): each position weighted by its own positive gradient.
    expected = sum(torch.clamp(gradient[kk], min=0) * activation[kk] for kk in range(4))
    torch.testing.assert_close(cams.LayerCam().raw(g), torch.relu(expected))
    assert cams.LayerCam()(g).shape == (6, 10)


def test_grad_cam_finds_the_cat_on_a_grey_canvas(mobilenet, entry):
    # Chelsea's photo, shrunk into the top-left of a grey canvas: the cat is at x 20..130, y 20..93 of the 224x224 input.
    canvas = Image.new("RGB", (448, 448), (128, 128, 128))
    canvas.paste(images.sample_image("chelsea").convert("RGB").resize((220, 146)), (40, 40))
    x = features.preprocess(canvas, entry)
    assert features.predict(mobilenet, x, entry.categories)[0].label in {"Egyptian cat", "tabby", "tiger cat"}
    for method in ("grad_cam", "grad_cam_pp", "layer_cam"):
        heat = attribution.heatmaps(mobilenet, x, 285, [method], layer="features.18")[method]
        row, col = divmod(int(heat.argmax()), 224)
        assert 20 <= col < 130 and 20 <= row < 93, (method, row, col)
        inside = heat[20:93, 20:130].mean()
        assert inside > 3 * (heat.sum() - heat[20:93, 20:130].sum()) / (224 * 224 - 73 * 110)


def test_on_the_chelsea_photo_the_peak_is_on_the_cat(mobilenet, entry):
    # The whole photo (451x300) resized to 336x224 without cropping: the cat fills x 0..280, the background is at the right.
    x = features.TF.normalize(images.to_tensor(images.sample_image("chelsea").convert("RGB").resize((336, 224))),
                              entry.mean, entry.std)[None]
    heat = attribution.grad_cam(mobilenet, x, 285, "features.18")
    row, col = divmod(int(heat.argmax()), heat.shape[1])
    assert heat.shape == (224, 336) and col < 280, (row, col)


def test_randomizing_the_top_changes_grad_cam_and_leaves_the_shared_model_alone(mobilenet, entry):
    x = _x(entry)
    before = [p.clone() for p in mobilenet.parameters()]
    original = attribution.grad_cam(mobilenet, x, 285, "features.18")
    for layers, limit in ((1, 0.6), (5, 0.3)):
        twin = attribution.randomized_top(mobilenet, layers)
        changed = attribution.grad_cam(twin, x, 285, "features.18")
        assert attribution.rank_correlation(original, changed) < limit
    assert all(torch.equal(a, b) for a, b in zip(before, mobilenet.parameters(), strict=True))
    assert attribution.rank_correlation(original, attribution.grad_cam(mobilenet, x, 285, "features.18")) == 1.0


def test_saliency_is_the_gradient_magnitude_and_integrated_gradients_are_complete():
    model = _tiny(1)
    x = torch.randn(1, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    xg = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(xg)[0, 2], xg)
    torch.testing.assert_close(attribution.saliency(model, x, 2), grad.abs())
    # Completeness (Sundararajan et al., Prop. 1): the attributions add up to f(x) - f(baseline).
    ig = attribution.integrated_gradients(model, x, 2, steps=128)
    with torch.no_grad():
        gap = float(model(x)[0, 2] - model(torch.zeros_like(x))[0, 2])
    assert float(ig.sum()) == pytest.approx(gap, rel=2e-2, abs=1e-4)


def test_occlusion_is_the_score_drop_under_a_grey_square():
    model = _tiny(2)
    x = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    result = attribution.occlusion(model, x, 1, window=4, stride=4)
    with torch.no_grad():
        base = float(model(x)[0, 1])
        for r in (0, 4):
            for c in (0, 4):
                covered = x.clone()
                covered[..., r:r + 4, c:c + 4] = 0
                drop = base - float(model(covered)[0, 1])
                torch.testing.assert_close(result[0, :, r:r + 4, c:c + 4], torch.full((3, 4, 4), drop), rtol=1e-4, atol=1e-5)


def test_guided_grad_cam_equals_captum_and_leaves_no_hooks():
    model = _tiny(4)
    x = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(4))
    ours = attribution.guided_grad_cam(model, x, 3, "2")
    reference = GuidedGradCam(model, model[2]).attribute(x.clone().requires_grad_(True), target=3, interpolate_mode="bilinear")
    torch.testing.assert_close(ours, reference.detach(), rtol=1e-4, atol=1e-6)
    assert all(not m._forward_hooks and not m._backward_hooks for m in model.modules())


def test_guided_grad_cam_guides_the_relu6_of_mobilenet_v2(mobilenet, entry):
    x = _x(entry)
    guided = attribution.guided_grad_cam(mobilenet, x, 285, "features.18")
    assert guided.shape == (1, 3, 224, 224) and torch.isfinite(guided).all()
    assert all(not m._forward_hooks and not m._backward_hooks for m in mobilenet.modules())
    assert any(isinstance(m, torch.nn.ReLU6) for m in mobilenet.modules())  # the shared model keeps its own layers


def test_every_method_gives_a_map_in_zero_one_at_the_input_size(mobilenet, entry):
    x = _x(entry, "rocket")
    maps = attribution.heatmaps(mobilenet, x, 812, list(attribution.METHODS), layer="features.18", ig_steps=8)
    assert list(maps) == list(attribution.METHODS)
    for name, heat in maps.items():
        assert heat.shape == (224, 224) and float(heat.min()) >= 0 and float(heat.max()) <= 1 + 1e-6, name
        assert float(heat.max()) > 0.5, name
    smooth = attribution.heatmaps(mobilenet, x, 812, ["saliency"], layer="features.18", smooth=3)["saliency"]
    assert not torch.equal(smooth, maps["saliency"])


@pytest.mark.parametrize("kwargs, message", [
    ({"target": 1000}, r"target must be a class index in \[0, 999\], got 1000"),
    ({"target": -1}, "got -1"),
    ({"layer": "features.99"}, "layers must be layers of the model"),
    ({"methods": ["gradcam"]}, "methods must be among"),
])
def test_bad_settings_say_what_was_expected(mobilenet, entry, kwargs, message):
    args = {"target": 285, "layer": "features.18", "methods": ["grad_cam"]} | kwargs
    with pytest.raises(InvalidParameter, match=message):
        attribution.heatmaps(mobilenet, _x(entry), args["target"], args["methods"], layer=args["layer"])


def test_cam_explains_why_it_does_not_apply():
    with pytest.raises(InvalidParameter, match="one linear layer, got 2 linear layers"):
        attribution.cam(_tiny(0, head_layers=2), torch.randn(1, 3, 9, 9), 0, "3")
    with pytest.raises(InvalidParameter, match="expected a layer with 6 channels, got 4"):
        attribution.cam(_tiny(0), torch.randn(1, 3, 9, 9), 0, "1")


def test_deletion_and_insertion_reward_the_map_that_points_at_the_evidence():
    # A "model" whose class-1 logit is the mean of the top-left quadrant: the faithful map covers that quadrant.
    class Quadrant(torch.nn.Module):
        def forward(self, x):
            evidence = x[:, :, :8, :8].mean(dim=(1, 2, 3))
            return torch.stack([torch.zeros_like(evidence), 4 * evidence], dim=1)

    model = Quadrant()
    x = torch.zeros(1, 3, 16, 16)
    x[..., :8, :8] = 2.0
    faithful = torch.zeros(16, 16)
    faithful[:8, :8] = 1
    result = attribution.deletion_insertion(model, x, 1, faithful, steps=8)
    reverse = attribution.deletion_insertion(model, x, 1, 1 - faithful, steps=8)
    assert result.fractions[0] == 0 and result.fractions[-1] == 1 and len(result.deletion) == 9
    assert result.deletion[0] == pytest.approx(float(F.softmax(torch.tensor([0.0, 8.0]), 0)[1]))
    assert result.deletion[2] == pytest.approx(0.5)  # a quarter of the pixels gone: all of the evidence
    assert result.deletion_auc < reverse.deletion_auc and result.insertion_auc > reverse.insertion_auc
    with pytest.raises(InvalidParameter, match=r"heatmap must be Tensor\[16, 16\]"):
        attribution.deletion_insertion(model, x, 1, torch.zeros(8, 8))


def test_grad_cam_beats_its_own_reverse_on_deletion_and_insertion(mobilenet, entry):
    x = _x(entry)
    heat = attribution.grad_cam(mobilenet, x, 285, "features.18")
    forward = attribution.deletion_insertion(mobilenet, x, 285, heat)
    reverse = attribution.deletion_insertion(mobilenet, x, 285, 1 - heat)
    assert forward.deletion_auc < reverse.deletion_auc and forward.insertion_auc > reverse.insertion_auc
    with torch.no_grad():
        p = float(mobilenet(x).softmax(-1)[0, 285])
    assert forward.deletion[0] == pytest.approx(p, rel=1e-4) and forward.insertion[-1] == pytest.approx(p, rel=1e-4)
