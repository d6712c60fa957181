"""cvcore.networks.architectures: published parameter counts, the course's LeNet-5 table, MACs against a FLOP counter."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from cvcore.errors import InvalidParameter
from cvcore.networks import architectures as arch

PUBLISHED = {"alexnet": 61_100_840, "vgg16": 138_357_544, "resnet18": 11_689_512, "resnet50": 25_557_032,
             "resnet152": 60_192_808, "googlenet": 6_624_904, "mobilenet_v2": 3_504_872}


@pytest.mark.parametrize("name, count", sorted(PUBLISHED.items()))
def test_parameter_counts_match_the_published_ones(name, count):
    net = arch.registry()[name]
    rows = arch.layer_table(arch.build(name), net.input_shape)
    assert arch.totals(rows)[0] == count
    assert rows[-1].output_shape == (1000,)


def test_lenet5_has_about_60k_parameters():
    params = arch.totals(arch.layer_table(arch.build("lenet5"), (1, 32, 32)))[0]
    assert params == 61_706 and 55_000 < params < 65_000


def test_the_course_lenet5_table():
    rows = arch.layer_table(arch.build("lenet5_course"), (3, 32, 32))
    table = [(r.kind, r.output_shape, r.activation_size, r.params) for r in rows if r.kind not in ("ReLU", "Flatten")]
    assert table == [
        ("Conv2d", (8, 28, 28), 6272, 608),
        ("MaxPool2d", (8, 14, 14), 1568, 0),
        ("Conv2d", (16, 10, 10), 1600, 3216),
        ("MaxPool2d", (16, 5, 5), 400, 0),
        ("Linear", (120,), 120, 48120),
        ("Linear", (84,), 84, 10164),
        ("Linear", (10,), 10, 850),
        ("Softmax", (10,), 10, 0),
    ]


def test_vgg16_shapes_shrink_while_channels_grow():
    rows = [r for r in arch.layer_table(arch.build("vgg16"), (3, 224, 224)) if r.kind == "MaxPool2d"]
    assert [r.output_shape for r in rows] == [(64, 112, 112), (128, 56, 56), (256, 28, 28), (512, 14, 14), (512, 7, 7)]


def test_multiply_adds_agree_with_pytorchs_flop_counter():
    model = arch.build("resnet18", device="cpu")
    rows = arch.layer_table(model, (3, 224, 224))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    assert arch.totals(rows)[1] * 2 == counter.get_total_flops()
    assert not any(m._forward_hooks for m in model.modules())  # the hooks are gone


def test_an_input_that_does_not_fit_is_explained():
    with pytest.raises(InvalidParameter, match="does not fit this network"):
        arch.layer_table(arch.build("lenet5"), (1, 64, 64))
    with pytest.raises(InvalidParameter, match="does not fit this network"):
        arch.layer_table(arch.build("vgg16"), (3, 16, 16))
    with pytest.raises(InvalidParameter, match="architecture must be one of"):
        arch.build("transformer")


def test_tables_are_fast_on_the_meta_device():
    import time
    for name in ("resnet152", "vgg16"):
        start = time.perf_counter()
        arch.layer_table(arch.build(name), (3, 224, 224))
        assert time.perf_counter() - start < 5  # the benchmark's target is 1 s; this only catches a regression
