"""Build-your-own CNN: layer checks, the built network, its code, and training on the digits."""

import pytest
import torch

from cvcore.data import digits as datasets
from cvcore.errors import InvalidParameter
from cvcore.networks import builder, training


def test_course_example_shapes_and_parameters():
    checks = builder.check_network(builder.course_example(), (1, 28, 28))
    shapes = [c.output_shape for c in checks if c.spec.kind in ("conv", "maxpool", "flatten", "linear")]
    assert shapes == [(32, 26, 26), (32, 13, 13), (64, 11, 11), (64, 5, 5), (128, 3, 3), (1152,), (64,), (10,)]
    net = builder.build_network(builder.course_example(), (1, 28, 28))
    assert sum(c.params for c in checks) == sum(p.numel() for p in net.parameters()) == 167_114


@pytest.mark.parametrize("specs, layer, fragment", [
    ([builder.LayerSpec("conv", 8, 3), builder.LayerSpec("maxpool", kernel=30, stride=30)], 2, "does not fit"),
    ([builder.LayerSpec("conv", 8, 3), builder.LayerSpec("linear", 10)], 2, "add a Flatten layer"),
    ([builder.LayerSpec("flatten"), builder.LayerSpec("conv", 8, 3)], 2, "needs a C x H x W map"),
    ([builder.LayerSpec("conv", 0, 3)], 1, "filters must be >= 1"),
    ([builder.LayerSpec("conv", 8, 3, stride=0)], 1, "stride must be >= 1"),
    ([builder.LayerSpec("flatten"), builder.LayerSpec("linear", 10**6)], 2, "parameters in one layer"),
    ([builder.LayerSpec("conv", 30000, 1)], 1, "more than"),
])
def test_bad_layers_are_flagged_on_their_layer(specs, layer, fragment):
    checks = builder.check_network(specs, (1, 28, 28))
    bad = [c for c in checks if c.error and not c.error.startswith("not checked")]
    assert bad[0].index + 1 == layer and fragment in bad[0].error
    assert bad[0].message.startswith(f"Layer {layer} (")
    with pytest.raises(InvalidParameter, match=f"^Layer {layer} "):
        builder.build_network(specs, (1, 28, 28))


@pytest.mark.parametrize("text, message", [
    # the lesson's network: 28 -> 24 -> 12 -> 8 -> 4, then a 5x5 kernel on the 4x4 map
    ("conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_flatten_linear-10-3-1-0",
     "Layer 5 (conv 5x5) gets a 4x4 input: a 5x5 kernel does not fit in 4x4 without padding. Give it padding 1 or "
     "more, a smaller kernel, or remove a pooling layer before it."),
    ("conv-8-3-1-0_conv-8-30-1-1",
     "Layer 2 (conv 30x30) gets a 26x26 input: padded by 1 it is 28x28, and a 30x30 kernel does not fit in that. "
     "Give it padding 2 or more, a smaller kernel, or pad the convolutions before it so that they shrink the map less."),
    ("conv-8-3-2-0_conv-8-3-2-0_conv-8-3-2-0_separable-8-3-1-0",
     "Layer 4 (separable 3x3) gets a 2x2 input: a 3x3 kernel does not fit in 2x2 without padding. Give it padding 1 "
     "or more, a smaller kernel, or use stride 1 in the convolutions before it."),
    ("conv-8-30-1-0", "Layer 1 (conv 30x30) gets a 28x28 input: a 30x30 kernel does not fit in 28x28 without "
                      "padding. Give it padding 1 or more, or a smaller kernel."),
    ("conv-8-3-1-0_maxpool-0-2-2-0_avgpool-0-14-1-0",
     "Layer 3 (avgpool 14x14) gets a 13x13 input: a 14x14 window does not fit in 13x13. Give it a window of 13 or "
     "less, or remove a pooling layer before it."),
    ("conv-8-3-1-0_maxpool-0-40-2-4",  # padded by 4, at most half its window
     "Layer 2 (maxpool 40x40) gets a 26x26 input: padded by 4 it is 34x34, and a 40x40 window does not fit in "
     "that. Give it a window of 34 or less, or pad the convolutions before it so that they shrink the map less."),
])
def test_a_kernel_that_does_not_fit_is_named_with_its_layer_input_and_fix(text, message):
    specs = builder.parse_specs(text)
    checks = builder.check_network(specs, (1, 28, 28))
    bad = next(c for c in checks if c.error)
    assert bad.message == message and bad.output_shape is None
    assert "padded input size" not in bad.message and "Kernel size" not in bad.message  # not PyTorch's text
    with pytest.raises(InvalidParameter) as raised:
        builder.build_network(specs, (1, 28, 28))
    assert str(raised.value) == message


def test_a_kernel_that_just_fits_passes():
    # 4x4 padded by 1 is 6x6: a 5x5 kernel fits, as PyTorch agrees
    specs = builder.parse_specs("conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-1_flatten_"
                                "linear-10-3-1-0")
    checks = builder.check_network(specs, (1, 28, 28))
    assert [c.error for c in checks] == [None] * len(specs) and checks[4].output_shape == (8, 2, 2)
    assert builder.build_network(specs, (1, 28, 28))(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_residual_and_separable_layers_and_the_code():
    specs = [builder.LayerSpec("conv", 8, 3, padding=1), builder.LayerSpec("residual"), builder.LayerSpec("separable", 16, 3),
             builder.LayerSpec("batchnorm"), builder.LayerSpec("dropout", p=0.2), builder.LayerSpec("flatten"),
             builder.LayerSpec("linear", 10)]
    net = builder.build_network(specs, (1, 28, 28))
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    code = builder.sequential_code(specs, (1, 28, 28))
    scope = {}
    exec(code, scope)
    assert sum(p.numel() for p in scope["model"].parameters()) == sum(p.numel() for p in net.parameters())
    assert builder.parse_specs(builder.specs_text(specs)) == specs
    assert [s.kind for s in builder.with_batchnorm(builder.course_example())].count("batchnorm") == 3


def test_the_course_network_learns_the_digits():
    data = datasets.digits(28)
    assert len(data.train_y) == 1438 and len(data.val_y) == 359
    net = builder.build_network(builder.with_batchnorm(builder.course_example()), (1, 28, 28))
    records = list(training.train_classifier(net, data, epochs=3, reports_per_epoch=1))
    assert records[-1].val_acc > 0.9 and records[-1].val_loss < records[0].val_loss
    confusion = training.confusion_matrix(net, data.val_x, data.val_y, 10)
    assert int(confusion.sum()) == 359 and int(confusion.trace()) == round(records[-1].val_acc * 359)


def test_training_refuses_bad_settings():
    data = datasets.digits(16)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 10))
    with pytest.raises(InvalidParameter, match="epochs"):
        next(training.train_classifier(net, data, epochs=0))
    with pytest.raises(InvalidParameter, match="lr"):
        next(training.train_classifier(net, data, lr=5))


def test_layer_fields_name_every_kind_and_only_settings_the_layer_reads():
    assert set(builder.LAYER_FIELDS) == set(builder.LAYER_KINDS)
    base = builder.LayerSpec("conv", 8, 3, 1, 0)
    for kind, fields in builder.LAYER_FIELDS.items():
        # a setting the kind does not read changes neither its output shape nor its parameters
        spec = builder.LayerSpec(kind, 8, 3, 1, 1, 0.5)
        for field, other in (("size", 9), ("kernel", 5), ("stride", 2), ("padding", 0), ("p", 0.25)):
            changed = builder.LayerSpec(**{**spec.__dict__, field: other})
            if field not in fields:
                checks = builder.check_network([base, changed], (1, 12, 12))[1], builder.check_network([base, spec], (1, 12, 12))[1]
                assert checks[0].output_shape == checks[1].output_shape and checks[0].params == checks[1].params, (kind, field)
