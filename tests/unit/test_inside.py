"""Feature extraction, layer lists, filters, receptive fields, top patches, activation maximization, the lab's
PyTorch code and pictures: against hooks, hand-computed receptive fields, torchvision, and planted patterns."""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torchvision

from cvcore import images, zoo
from cvcore.errors import InvalidParameter
from cvcore.inside import features, maximize, units
from cvcore.teach import model_snippets
from cvcore.viz import maps as viz
from tests.conftest import ROOT


def test_load_returns_the_model_in_eval_mode(mobilenet):
    assert isinstance(mobilenet, torchvision.models.MobileNetV2) and not mobilenet.training


def test_extract_equals_a_forward_hook_and_the_plain_forward(mobilenet, entry):
    x = features.preprocess(images.sample_image("coffee"), entry)
    stages = [f"features.{i}" for i in range(19)]
    out = features.extract(mobilenet, x, stages)
    assert [tuple(out[s].shape[1:]) for s in ("features.1", "features.3", "features.6", "features.13", "features.18")] == \
        [(16, 112, 112), (24, 56, 56), (32, 28, 28), (96, 14, 14), (1280, 7, 7)]
    for stage in ("features.0", "features.6", "features.18"):
        torch.testing.assert_close(out[stage], features.hooked_activation(mobilenet, x, stage))
    with torch.no_grad():
        torch.testing.assert_close(out["features.6"], mobilenet.features[:7](x))
    assert all(not m._forward_hooks for m in mobilenet.modules())


def test_extract_is_safe_from_many_threads(mobilenet, entry):
    from concurrent.futures import ThreadPoolExecutor

    xs = [features.preprocess(images.sample_image(n), entry) for n in images.sample_names()]
    serial = [features.extract(mobilenet, x, ["features.13"])["features.13"] for x in xs]
    with ThreadPoolExecutor(6) as pool:
        parallel = list(pool.map(lambda x: features.extract(mobilenet, x, ["features.13"])["features.13"], xs))
    for a, b in zip(serial, parallel, strict=True):
        torch.testing.assert_close(a, b)


def test_unknown_layers_are_named_in_the_message(mobilenet):
    with pytest.raises(InvalidParameter, match=r"got unknown \['features.42'\]"):
        features.extract(mobilenet, torch.zeros(1, 3, 64, 64), ["features.18", "features.42"])


@pytest.mark.parametrize("name, builder, kwargs, first, last, output", [
    ("mobilenet_v2", "mobilenet_v2", {}, "features.0", "features.18", "classifier.1"),
    ("resnet18", "resnet18", {}, "conv1", "layer4.1", "fc"),
    ("googlenet", "googlenet", {"aux_logits": False, "init_weights": False}, "conv1", "inception5b", "fc"),
    ("alexnet", "alexnet", {}, "features.0", "avgpool", "classifier.6"),
])
def test_layer_lists_are_ordered_with_shapes_and_contain_the_cam_layer(name, builder, kwargs, first, last, output):
    model = getattr(torchvision.models, builder)(weights=None, **kwargs).eval()
    layers = features.layer_list(model)
    assert layers[0].name == first and layers[-1].name == last and features.output_node(model) == output
    sizes = [layer.shape[1] for layer in layers]
    assert sizes == sorted(sizes, reverse=True)  # maps only shrink through these networks
    cam_layer = zoo.registry()[name].cam_layer
    shape = features.extract(model, torch.zeros(1, 3, 224, 224), [cam_layer])[cam_layer].shape
    assert shape[2] == 7 or (name == "alexnet" and shape[2] == 13)
    journey = features.journey(layers)
    assert len({layer.shape[1:] for layer in journey}) == len(journey) >= 4


def test_predict_ranks_the_classes_like_softmax(mobilenet, entry):
    x = features.preprocess(images.sample_image("chelsea"), entry)
    top = features.predict(mobilenet, x, entry.categories)
    with torch.no_grad():
        probs = mobilenet(x).softmax(-1)[0]
    assert [p.index for p in top] == probs.topk(5).indices.tolist()
    assert top[0].label in {"Egyptian cat", "tabby", "tiger cat"} and top[0].probability == pytest.approx(float(probs.max()))
    with pytest.raises(InvalidParameter, match="one image"):
        features.predict(mobilenet, torch.cat([x, x]), entry.categories)


def test_rank_channels_by_mean_and_max():
    a = torch.stack([torch.full((3, 3), 1.0), torch.zeros(3, 3), torch.full((3, 3), 0.5)])
    a[1, 0, 0] = 5.0
    assert features.rank_channels(a, "mean").tolist() == [0, 1, 2]
    assert features.rank_channels(a, "max").tolist() == [1, 0, 2]
    with pytest.raises(InvalidParameter, match="by must be one of"):
        features.rank_channels(a, "median")


def test_first_layer_filters_and_deeper_filters(mobilenet):
    first = units.first_layer_filters(mobilenet)
    assert first.shape == (32, 3, 3, 3)
    torch.testing.assert_close(first, mobilenet.features[0][0].weight.detach())
    pointwise = units.conv_filter(mobilenet, "features.2.conv.2", 5)
    assert pointwise.shape == (96, 1, 1)
    with pytest.raises(InvalidParameter, match="must name a Conv2d"):
        units.conv_filter(mobilenet, "features.2", 0)
    with pytest.raises(InvalidParameter, match=r"channel must be in \[0, 23\]"):
        units.conv_filter(mobilenet, "features.2.conv.2", 24)


def _analytic_rf(layers):
    """Receptive field size by the textbook recursion r += (k - 1) * d * jump; jump *= s."""
    r, jump = 1, 1
    for k, s, d in layers:
        r += (k - 1) * d * jump
        jump *= s
    return r


@pytest.mark.parametrize("layers", [
    [(3, 1, 1), (3, 1, 1)],
    [(5, 2, 1), (3, 1, 1), (3, 2, 1)],
    [(3, 1, 2), (3, 2, 1), (3, 1, 3)],
    [(7, 2, 1), (2, 2, 1), (3, 1, 1), (3, 2, 1)],
])
def test_receptive_field_matches_the_textbook_recursion(layers):
    torch.manual_seed(len(layers))
    modules = [torch.nn.Conv2d(3 if i == 0 else 4, 4, k, stride=s, dilation=d) for i, (k, s, d) in enumerate(layers)]
    net = torch.nn.Sequential(*itertools.chain.from_iterable((m, torch.nn.ReLU()) for m in modules)).eval()
    x1, y1, x2, y2 = units.receptive_field(net, str(2 * len(layers) - 1), size=96)
    assert x2 - x1 == y2 - y1 == _analytic_rf(layers)


def test_receptive_field_of_mobilenet_v2_grows_with_depth(mobilenet):
    sides = [units.receptive_field(mobilenet, f"features.{i}") for i in (0, 3, 6)]
    assert [b[2] - b[0] for b in sides] == [3, 19, 59]


def test_top_patches_find_planted_bright_squares():
    # One channel that is the mean brightness over 5x5 windows: the brightest squares must come out first.
    conv = torch.nn.Conv2d(3, 1, 5, bias=False)
    torch.nn.init.constant_(conv.weight, 1 / 75)
    net = torch.nn.Sequential(conv).eval()
    x = torch.zeros(3, 3, 40, 40)
    planted = {(0, 10, 10): 3.0, (1, 25, 5): 2.0, (2, 30, 30): 1.0, (0, 30, 25): 0.5}
    for (i, r, c), value in planted.items():
        x[i, :, r:r + 5, c:c + 5] = value
    patches = units.top_patches(net, x, "0", 0, k=4, overlap=0.0, skip_border=False)
    assert [(p.image, p.row, p.col) for p in patches] == [(i, r, c) for i, r, c in planted]
    assert [p.box for p in patches] == [(c, r, c + 5, r + 5) for _, r, c in planted]
    assert [p.activation for p in patches] == pytest.approx(list(planted.values()))
    with pytest.raises(InvalidParameter, match=r"channel must be in \[0, 0\]"):
        units.top_patches(net, x, "0", 1)


def test_top_patches_on_photos_are_distinct_places(mobilenet, entry):
    x = torch.cat([features.preprocess(images.sample_image(n), entry) for n in images.sample_names()])
    patches = units.top_patches(mobilenet, x, "features.6", 5)
    assert len(patches) == 9
    assert [p.activation for p in patches] == sorted((p.activation for p in patches), reverse=True)
    acts = features.extract(mobilenet, x, ["features.6"])["features.6"][:, 5]
    for p in patches:
        assert acts[p.image, p.row, p.col] == pytest.approx(p.activation)
        assert 0 <= p.box[0] < p.box[2] <= 224 and 0 <= p.box[1] < p.box[3] <= 224
    boxes = torch.tensor([p.box for p in patches], dtype=torch.float)
    same = torch.tensor([[a.image == b.image for b in patches] for a in patches])
    iou = torchvision.ops.box_iou(boxes, boxes)
    overlaps = torch.cat([iou[same & ~torch.eye(9, dtype=torch.bool)], torch.zeros(1)])
    assert float(overlaps.max()) <= 0.3 + 0.02  # boxes are rounded to whole pixels after the suppression


def test_activation_maximization_raises_the_channel_and_leaves_the_model_alone(mobilenet):
    before = [p.clone() for p in mobilenet.parameters()]
    for parametrization in maximize.PARAMETRIZATIONS:
        records = list(maximize.maximize_channel(mobilenet, "features.6", 5, size=64, steps=24,
                                                 parametrization=parametrization, preview_every=8))
        assert [r.step for r in records] == list(range(1, 25))
        assert [r.step for r in records if r.image is not None] == [8, 16, 24]
        assert records[-1].image.shape == (64, 64, 3) and records[-1].image.dtype == np.uint8
        assert records[-1].objective > records[0].objective + 1.0, parametrization
    assert all(p.grad is None for p in mobilenet.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, mobilenet.parameters(), strict=True))


def test_activation_maximization_stops_when_asked_and_checks_settings(mobilenet):
    run = maximize.maximize_channel(mobilenet, "features.3", 0, size=64, steps=500)
    assert [r.step for r in itertools.islice(run, 3)] == [1, 2, 3]
    run.close()
    with pytest.raises(InvalidParameter, match=r"channel must be in \[0, 31\]"):
        maximize.maximize_channel(mobilenet, "features.6", 32)
    with pytest.raises(InvalidParameter, match="parametrization must be one of"):
        maximize.maximize_channel(mobilenet, "features.6", 0, parametrization="wavelet")
    with pytest.raises(InvalidParameter, match="size must be a whole number"):
        maximize.maximize_channel(mobilenet, "features.6", 0, size=8)


@pytest.fixture
def hub_with_offline_weights(tmp_path, monkeypatch):
    """A torch hub cache holding the offline MobileNetV2 file, so torchvision's own loader finds it without a download."""
    location = zoo.resolve_weights(zoo.weights_spec("mobilenet_v2"), offline=True)
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / location.path.name).symlink_to(location.path)
    return tmp_path


def _run(code: str, torch_home) -> str:
    env = dict(os.environ, TORCH_HOME=str(torch_home))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_feature_map_code_runs_and_agrees_with_the_lab(hub_with_offline_weights, mobilenet, entry):
    code = model_snippets.feature_snippet("mobilenet_v2", "astronaut", "features.6", 7)
    out = _run(code + "print('VALUE', float(channel.mean()))\n", hub_with_offline_weights)
    assert "output shape (32, 28, 28)" in out
    act = features.extract(mobilenet, features.preprocess(images.sample_image("astronaut"), entry), ["features.6"])
    value = float(out.split("VALUE ")[1].split()[0])
    assert value == pytest.approx(float(act["features.6"][0, 7].mean()), abs=2e-3)


def test_the_heatmap_code_runs_and_finds_the_same_peak(hub_with_offline_weights, mobilenet, entry):
    from cvcore import attribution

    code = model_snippets.heatmap_snippet("mobilenet_v2", "chelsea", 285, "features.18", ["grad_cam", "saliency"],
                                          output=features.output_node(mobilenet))
    out = _run(code, hub_with_offline_weights)
    heat = attribution.grad_cam(mobilenet, features.preprocess(images.sample_image("chelsea"), entry), 285, "features.18")
    assert f"Grad-CAM peak at (row, column) {divmod(int(heat.argmax()), 224)}" in out
    assert "saliency (1, 3, 224, 224)" in out


def test_pictures_have_the_expected_sizes_and_colours():
    maps = torch.stack([torch.zeros(4, 4), torch.ones(4, 4), torch.arange(16.0).view(4, 4)])
    picture = viz.mosaic(maps, cols=2, tile=8)
    assert picture.shape == (8 * 2 + 2, 8 * 2 + 2, 3)
    assert (picture[:8, 10:] == viz.colorize(torch.zeros(1, 1))[0, 0]).all()  # a flat map shows as its lowest colour
    assert (picture[8:10] == 255).all()  # the white gap between rows
    heat = torch.zeros(2, 2)
    heat[0, 0] = 1
    image = np.full((2, 2, 3), 100, np.uint8)
    blended = viz.overlay(image, heat, alpha=0.5, colormap="gray")
    assert blended[0, 0].tolist() == [178, 178, 178] and blended[1, 1].tolist() == [50, 50, 50]
    figure = viz.mosaic_figure(maps, [7, 3, 9], title="t", cols=2)
    assert list(figure.data[1].customdata) == [7, 3, 9]
    assert viz.filter_patches(torch.randn(64, 3, 11, 11), cols=16, tile=22).shape == (4 * 24 - 2, 16 * 24 - 2, 3)
    with pytest.raises(InvalidParameter, match="colormap must be one of"):
        viz.colorize(heat, "rainbow")


def test_grayscale_networks_work_too():
    from cvcore.data import digits as datasets
    from cvcore.networks import builder

    net = builder.build_network(builder.course_example(), (1, 28, 28), seed=1).eval()
    entry = zoo.custom_entry("digits", "digits", datasets.digits(28).classes, size=28, channels=1, cam_layer="6")
    digit = datasets.digits(28).val_x[:1]
    picture = (digit[0, 0] * 255).round().to(torch.uint8).numpy()
    x = features.preprocess(__import__("PIL").Image.fromarray(picture), entry)
    torch.testing.assert_close(x, digit, atol=1 / 255, rtol=0)
    assert [layer.name for layer in features.layer_list(net, 28, 1)] == [str(i) for i in range(8)]
    assert units.first_layer_filters(net).shape == (32, 1, 3, 3)
    records = list(maximize.maximize_channel(net, "3", 2, size=28, steps=16, jitter=2, mean=entry.mean, std=entry.std))
    assert records[-1].image.shape == (28, 28, 3) and records[-1].objective > records[0].objective
    with pytest.raises(InvalidParameter, match="mean and std must have 1 or 3 values"):
        maximize.maximize_channel(net, "3", 2, size=28, mean=(0.0, 0.0), std=(1.0, 1.0))
