"""Inside a trained CNN and its heatmaps (cvcore.inside, cvcore.attribution) on the device against a float64 copy of
MobileNetV2 on the CPU, with the same photo.

MobileNetV2's forward pass sums about 10,100 terms along its path (``network_terms``), so a float32 activation is
within about 10,100 x 2**-24 = 6e-4 of its scale; a gradient twice that. Photos are 224 px on an accelerator and
64 px on the CPU (MobileNetV2 takes any size; only the time differs).
"""

import pytest
import torch

from cvcore import attribution, images
from cvcore.attribution import pixels
from cvcore.inside import features, maximize, units
from tests.device.bounds import (
    U32,
    U_TF32,
    assert_close,
    assert_close_but,
    assert_relative,
    assert_same_where_decided,
    assert_trajectory,
    f64,
    margins,
    network_terms,
    scale,
)
from tests.device.conftest import DEFAULT_PRECISION, float32_precision

CAT = 285  # ImageNet "Egyptian cat", MobileNetV2's top class for the sample photo "chelsea"


@pytest.fixture(scope="module")
def photo(entry, full) -> torch.Tensor:
    """The sample photo "chelsea" preprocessed for MobileNetV2: Tensor[1, 3, S, S] on the CPU, float32."""
    x = features.preprocess(images.sample_image("chelsea"), entry)
    return x if full else torch.nn.functional.interpolate(x, size=64, mode="bilinear", antialias=True)


@pytest.fixture(scope="module")
def terms(mobilenet64) -> int:
    return network_terms(mobilenet64)


def test_features_of_three_stages_and_the_top_five_classes(device, mobilenet_on, mobilenet64, entry, photo, terms):
    layers = ["features.3", "features.10", "features.18"]
    got = features.extract(mobilenet_on, photo.to(device), layers)
    want = features.extract(mobilenet64, photo.double(), layers)
    for layer in layers:
        assert_relative(got[layer], want[layer], network_terms(mobilenet64, upto=layer), layer)
    logits_bound = terms * U32 * scale(mobilenet64(photo.double()))
    top_got = features.predict(mobilenet_on, photo.to(device), entry.categories)
    top_want = features.predict(mobilenet64, photo.double(), entry.categories)
    # a probability moves by at most half the largest change of a logit (softmax's Jacobian rows sum to <= 1/2)
    assert_close([p.probability for p in top_got], [p.probability for p in top_want], logits_bound / 2, "top-5 p")
    # the ranking may only change between classes whose reference logits are within twice the bound of each other
    logits = mobilenet64(photo.double())[0]
    order = logits.argsort(descending=True)[:6]
    gaps = logits[order[:-1]] - logits[order[1:]]  # [5]
    decided = gaps > 2 * logits_bound
    assert_same_where_decided(torch.tensor([p.index for p in top_got]), torch.tensor([p.index for p in top_want]),
                              decided, "top-5 classes")


def test_logits_with_tf32_convolutions_as_the_app_runs(device, mobilenet_on, mobilenet64, entry, full, terms):
    batch = torch.cat([features.preprocess(images.sample_image(n), entry) for n in ("chelsea", "coffee", "camera")])
    batch = batch if full else torch.nn.functional.interpolate(batch, size=64, mode="bilinear", antialias=True)
    with float32_precision(DEFAULT_PRECISION), torch.inference_mode():
        got = mobilenet_on(batch.to(device))
    want = mobilenet64(batch.double())
    # TF32 rounds both factors of every product to 11 bits (2 x 2**-11 per product), once per layer on the path,
    # and the sums stay float32
    layers = sum(1 for m in mobilenet64.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    bound = (layers * 2 * U_TF32 + terms * U32) * scale(want)
    assert_close(got, want, bound, "logits")
    assert_same_where_decided(got.argmax(1), want.argmax(1), margins(want, 1) > 2 * bound, "top-1 class")


def test_layer_list_receptive_field_and_top_patches(device, mobilenet_on, mobilenet, mobilenet64, entry, full):
    probe = torch.cat([features.preprocess(images.sample_image(n), entry) for n in images.sample_names()])
    probe = probe if full else torch.nn.functional.interpolate(probe, size=64, mode="bilinear", antialias=True)
    assert [layer.shape for layer in features.layer_list(mobilenet_on)] == [
        layer.shape for layer in features.layer_list(mobilenet)]  # its probe is float32: the CPU's float32 model
    assert units.receptive_field(mobilenet_on, "features.6") == units.receptive_field(mobilenet, "features.6")
    got = units.top_patches(mobilenet_on, probe.to(device), "features.6", 5)
    want = units.top_patches(mobilenet, probe, "features.6", 5)  # it probes in float32: the CPU's float32 model
    # the k largest of a set of values move by at most as much as any value does, whichever patches they are
    assert_relative(sorted(p.activation for p in got), sorted(p.activation for p in want),
                    network_terms(mobilenet64, upto="features.6"), "patch activations")


def test_cam_grad_cam_grad_cam_pp_and_layer_cam(device, mobilenet_on, mobilenet64, photo, terms):
    methods = ["cam", "grad_cam", "grad_cam_pp", "layer_cam"]
    got = attribution.class_activation_maps(mobilenet_on, photo.to(device), CAT, "features.18", methods)
    want = attribution.class_activation_maps(mobilenet64, photo.double(), CAT, "features.18", methods)
    # activations (the forward to features.18) times gradients (back from the logit: the rest of the forward's terms
    # twice), weighted over 1,280 channels; Grad-CAM++ raises gradients to the third power (3x their error); the map is
    # then divided by its maximum (its error twice over, relative to 1)
    to_layer = network_terms(mobilenet64, upto="features.18")
    bound = 2 * 3 * (to_layer + 2 * (terms - to_layer) + 1280) * U32
    for name in methods:
        assert_close(got[name], want[name], bound, name)


def switch_footprint(model64: torch.nn.Module, model: torch.nn.Module, x64: torch.Tensor) -> int:
    """How many input gradient elements a ReLU6 at its switch may change: a gradient passes a ReLU6 where its input
    lies in (0, 6) and not elsewhere, so an input within the forward's rounding bound of 0 or 6 may pass it on one
    device and not on the other, and then every pixel of that unit's receptive field (3 channels) may differ by more
    than rounding. Counted on the reference, block by block (each unit's receptive field that of its block)."""
    near: dict[str, int] = {}
    hooks = []
    for name, module in model64.named_modules():
        if isinstance(module, torch.nn.ReLU6):
            block = ".".join(name.split(".")[:2])  # features.N
            eps = network_terms(model64, upto=block) * U32

            def count(_module, inputs, _output, block=block, eps=eps):
                z = inputs[0].detach()
                gap = torch.minimum(z.abs(), (z - 6).abs())
                near[block] = near.get(block, 0) + int((gap <= eps * float(z.abs().max())).sum())

            hooks.append(module.register_forward_hook(count))
    try:
        with torch.no_grad():
            model64(x64)
    finally:
        for hook in hooks:
            hook.remove()
    allowed = 0
    for block, k in near.items():
        if k:
            x1, y1, x2, y2 = units.receptive_field(model, block, size=x64.shape[-1])
            allowed += k * 3 * (x2 - x1) * (y2 - y1)
    return allowed


def test_integrated_gradients_saliency_occlusion_guided_grad_cam(device, mobilenet_on, mobilenet, mobilenet64, photo,
                                                                 terms):
    x32, x64 = photo.to(device), photo.double()
    steps = 8
    # Integrated Gradients: (x - baseline) times a weighted mean (weights summing to 1) of the gradients at `steps`
    # points between the baseline (zeros) and x. Each gradient is off by 2 x terms x u of the largest gradient G; the
    # mean adds `steps` roundings: the bound is |x|max x G x (2 terms + steps) u, absolute, because the weighted mean
    # can cancel to far below G where the gradients change sign along the path.
    alphas = torch.linspace(0, 1, steps, dtype=torch.float64)[:, None, None, None]
    path = (alphas * x64).requires_grad_(True)
    (g,) = torch.autograd.grad(mobilenet64(path)[:, CAT].sum(), path)
    ig_bound = float(x64.abs().max()) * float(g.abs().max()) * (2 * terms + steps) * U32
    assert_close(pixels.integrated_gradients(mobilenet_on, x32, CAT, steps=steps),
                 pixels.integrated_gradients(mobilenet64, x64, CAT, steps=steps), ig_bound, "integrated gradients")
    # Saliency: one gradient, 2 x terms roundings of its scale, except where a ReLU6 sits at its switch
    saliency = pixels.saliency(mobilenet64, x64, CAT)
    switched = switch_footprint(mobilenet64, mobilenet, x64)
    assert_close_but(pixels.saliency(mobilenet_on, x32, CAT), saliency, 2 * terms * U32 * scale(saliency), switched,
                     "saliency")
    # Occlusion: a difference of two logits (each within terms x u of the logits' scale), averaged over windows
    window, stride = (56, 28) if photo.shape[-1] > 64 else (32, 32)
    logit_bound = terms * U32 * scale(mobilenet64(x64))
    assert_close(pixels.occlusion(mobilenet_on, x32, CAT, window=window, stride=stride),
                 pixels.occlusion(mobilenet64, x64, CAT, window=window, stride=stride), 2 * logit_bound, "occlusion")
    # Guided Grad-CAM: guided gradients (2 terms) times a Grad-CAM in [0, 1] (its bound as above)
    guided = pixels.guided_grad_cam(mobilenet64, x64, CAT, "features.18")
    to_layer = network_terms(mobilenet64, upto="features.18")
    guided_terms = 2 * terms + 2 * (to_layer + 2 * (terms - to_layer) + 1280)
    assert_close_but(pixels.guided_grad_cam(mobilenet_on, x32, CAT, "features.18"), guided,
                     guided_terms * U32 * scale(guided), switched, "guided Grad-CAM")


def test_deletion_insertion_curves_and_a_randomized_top_layer(device, mobilenet_on, mobilenet64, photo, terms):
    x32, x64 = photo.to(device), photo.double()
    # both runs delete pixels in the reference's Grad-CAM order: a near-tie in the heat would otherwise reorder
    # pixels, and the heatmap itself is compared above
    heat = attribution.grad_cam(mobilenet64, x64, CAT, "features.18")
    got = attribution.deletion_insertion(mobilenet_on, x32, CAT, heat.float().to(device))
    want = attribution.deletion_insertion(mobilenet64, x64, CAT, heat)
    # each point is a probability: half the logits' bound (softmax)
    p_bound = terms * U32 * scale(mobilenet64(x64)) / 2
    assert_close(got.deletion, want.deletion, p_bound, "deletion")
    assert_close(got.insertion, want.insertion, p_bound, "insertion")
    random_got = attribution.randomized_top(mobilenet_on, 1)
    random_want = attribution.randomized_top(mobilenet64, 1).double()
    assert_close(random_got.classifier[-1].weight, random_want.classifier[-1].weight, U32, "the same random weights")
    to_layer = network_terms(mobilenet64, upto="features.18")
    assert_close(attribution.grad_cam(random_got, x32, CAT, "features.18"),
                 attribution.grad_cam(random_want, x64, CAT, "features.18"),
                 2 * (to_layer + 2 * (terms - to_layer) + 1280) * U32, "randomized Grad-CAM")


def test_maximize_channel_fourier_and_pixels(device, mobilenet_on, mobilenet, full):
    """The reference is the same job on the CPU in float32: the image's parameters are drawn in float32 by the job.
    12 steps at 96 px on an accelerator, 3 at 32 px on the CPU."""
    size, steps = (96, 12) if full else (32, 3)
    first = network_terms(mobilenet, upto="features.6") * U32
    for parametrization in maximize.PARAMETRIZATIONS:
        kw = dict(size=size, steps=steps, jitter=4, blur_every=2, parametrization=parametrization)
        got = list(maximize.maximize_channel(mobilenet_on, "features.6", 5, device=device, **kw))
        want = list(maximize.maximize_channel(mobilenet, "features.6", 5, device="cpu", **kw))
        # step 1: the objective of the same initial image (a mean of activations of features.6); after it, Adam
        # steps by about lr whatever the gradient's size, so the runs may part (see assert_trajectory)
        objectives = [r.objective for r in want]
        assert_trajectory([r.objective for r in got], objectives, first * scale(objectives), parametrization)
        assert got[-1].image.shape == want[-1].image.shape == (size, size, 3) and got[-1].image.dtype == want[-1].image.dtype
        assert f64(got[-1].image.astype("float64")).isfinite().all()
