"""Learning a filter by gradient descent on a real photo."""

import pytest
import torch

from cvcore import images
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from cvcore.errors import InvalidParameter


@pytest.mark.parametrize("target", ["sobel_x", "scharr_y", "vertical_edge"])
def test_a_random_kernel_learns_the_target_on_a_real_photo(target):
    image = images.gray_crop(images.sample_image("camera"), 96)
    want = kernels.make_kernel(target)
    steps = list(learn_kernel(image, want, steps=300))
    assert steps[0].distance > 0.3  # it really starts from random numbers
    assert steps[-1].distance < 0.02
    torch.testing.assert_close(steps[-1].kernel.double(), want, atol=0.02, rtol=0)
    assert steps[-1].loss < steps[0].loss / 1000


def test_too_large_a_learning_rate_diverges_and_stops():
    image = images.gray_crop(images.sample_image("camera"), 64)
    steps = list(learn_kernel(image, kernels.make_kernel("sobel_x"), steps=500, lr=3.0))
    assert steps[-1].diverged and len(steps) < 500


@pytest.mark.parametrize("kwargs, fragment", [
    ({"steps": 0}, "steps must be between"), ({"lr": 0}, "lr must be in"), ({"optimizer": "rmsprop"}, "optimizer must be"),
])
def test_learn_kernel_refuses_bad_settings(kwargs, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        next(learn_kernel(torch.rand(16, 16), torch.ones(3, 3), **kwargs))
    with pytest.raises(InvalidParameter, match="at least as large as the kernel"):
        next(learn_kernel(torch.rand(2, 2), torch.ones(3, 3)))
