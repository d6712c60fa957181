"""Deletion and insertion on the lab's default subject (the offline MobileNetV2 and the sample cat): the engine's
curves against an independent implementation, the metric's direction, and Grad-CAM against the lab's own random
baselines (several draws averaged)."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from cvcore import attribution, images
from cvcore.inside import features
from labs.inside_cnn import heatmaps as lab


@pytest.fixture(scope="module")
def cat(mobilenet, entry):
    x = features.preprocess(images.sample_image("chelsea"), entry)
    with torch.inference_mode():
        target = int(mobilenet(x)[0].argmax())
    return x, target, attribution.grad_cam(mobilenet, x, target, entry.cam_layer)


def _deleted_probability(model, x, target, heat, fraction):
    """Written out again: grey (0 after normalisation) the round(fraction * H * W) highest pixels, ties by position."""
    flat = heat.flatten()
    count = round(fraction * flat.numel())
    chosen = sorted(range(flat.numel()), key=lambda i: (-float(flat[i]), i))[:count]
    mask = torch.zeros(flat.numel(), dtype=torch.bool)
    mask[chosen] = True
    image = x.clone()
    image[:, :, mask.view(heat.shape)] = 0.0
    with torch.inference_mode():
        return float(F.softmax(model(image), -1)[0, target])


def test_deletion_matches_an_independent_implementation(mobilenet, cat):
    x, target, heat = cat
    result = attribution.deletion_insertion(mobilenet, x, target, heat, steps=4)
    expected = [_deleted_probability(mobilenet, x, target, heat, f) for f in (0, 0.25, 0.5, 0.75, 1)]
    torch.testing.assert_close(torch.tensor(result.deletion), torch.tensor(expected), rtol=1e-4, atol=1e-5)
    with torch.inference_mode():
        full = float(F.softmax(mobilenet(x), -1)[0, target])
    assert result.deletion[0] == pytest.approx(full, abs=1e-5) and result.insertion[-1] == pytest.approx(full, abs=1e-5)
    assert result.deletion_auc == pytest.approx(sum((a + b) / 8 for a, b in itertools.pairwise(expected)), abs=1e-5)


def test_most_relevant_first_falls_faster_than_least_relevant_first(mobilenet, cat):
    x, target, heat = cat  # the metric's direction: removing what the map ranks highest hurts more than the opposite
    most = attribution.deletion_insertion(mobilenet, x, target, heat, steps=lab._STEPS, least_first=True)
    least = attribution.deletion_insertion(mobilenet, x, target, -heat, steps=lab._STEPS)
    # the same as deleting by the negated map, up to the order of tied pixels (0.5% of a ReLU map are zeros)
    torch.testing.assert_close(torch.tensor(most.least_first), torch.tensor(least.deletion), rtol=0, atol=5e-3)
    assert most.deletion_auc < most.least_first_auc - 0.05
    assert most.insertion_auc > least.insertion_auc + 0.05


def test_grad_cam_beats_the_random_baselines_on_the_default_cat(mobilenet, cat):
    x, target, heat = cat
    ours = attribution.deletion_insertion(mobilenet, x, target, heat, steps=lab._STEPS)
    baselines = {name: lab._mean([attribution.deletion_insertion(mobilenet, x, target, m, steps=lab._STEPS)
                                  for m in draws])
                 for name, draws in lab._random_maps(tuple(x.shape[2:])).items()}
    assert len(lab._random_maps((8, 8))["random_blobs"]) == lab._DRAWS >= 4
    for baseline in baselines.values():
        assert ours.insertion_auc > baseline.insertion_auc + 0.1
