"""Batch-norm statistics of a network trained from scratch on a few batches (``train_classifier(precise_bn=True)``)."""

import torch
from torch import nn

from cvcore.data.digits import Dataset
from cvcore.networks.training import _recompute_bn, train_classifier


def _separable(seed: int = 0) -> Dataset:
    """Five classes, each a fixed random 3x16x16 pattern plus noise: 9 training and 3 validation images per class."""
    g = torch.Generator().manual_seed(seed)
    patterns = torch.rand(5, 3, 16, 16, generator=g) * 2 - 1

    def make(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.arange(5).repeat_interleave(n)
        return patterns[y] + 0.3 * torch.randn(len(y), 3, 16, 16, generator=g), y

    (tx, ty), (vx, vy) = make(9), make(3)
    return Dataset(tx, ty, vx, vy, tuple("abcde"))


def _deep_bn_net() -> nn.Sequential:
    torch.manual_seed(0)
    layers, c = [], 3
    for _ in range(8):
        layers += [nn.Conv2d(c, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU()]
        c = 16
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5))


def _val_accuracies(precise_bn: bool) -> list[float]:
    records = train_classifier(_deep_bn_net(), _separable(), epochs=4, lr=1e-2, batch_size=16, reports_per_epoch=1,
                               precise_bn=precise_bn)
    return [r.val_acc for r in records]


def test_a_network_from_scratch_on_a_tiny_separable_set_validates_above_chance():
    # 45 training images, 3 batches an epoch: the running averages are still near their initial 0 and 1, and in
    # eval mode the deep network gives one class for every image: exactly chance (1 in 5) at every epoch.
    assert _val_accuracies(precise_bn=False) == [0.2, 0.2, 0.2, 0.2]
    recomputed = _val_accuracies(precise_bn=True)
    assert max(recomputed) >= 0.6 and recomputed[-1] > 0.4


def test_recomputed_statistics_are_the_training_set_s_own():
    model, data = _deep_bn_net().eval(), _separable()
    _recompute_bn(model, data.train_x, batch_size=15)  # three batches of 15
    first = model[1]
    with torch.no_grad():
        z = model[0](data.train_x).view(3, 15, 16, 16, 16)  # [batch, image, C, H, W]: what the first batch norm sees
    # the exact average over the batches of each batch's statistics (equal batches: the mean is the whole set's)
    torch.testing.assert_close(first.running_mean, z.mean(dim=(0, 1, 3, 4)), rtol=1e-4, atol=1e-5)
    per_batch_var = z.permute(0, 2, 1, 3, 4).reshape(3, 16, -1).var(dim=2, unbiased=True)  # [batch, C]
    torch.testing.assert_close(first.running_var, per_batch_var.mean(0), rtol=1e-4, atol=1e-5)
    assert not model.training  # left in the mode it was in
