"""Architectures, Build your own CNN and Transfer learning (cvcore.networks) on the device against the CPU.

A training step is an iterative job of one step: the loss before it is one forward pass and compares tightly; what
comes after it compares within the distance the step moved the reference (``assert_trajectory``'s reasoning: Adam's
first step is lr x sign(gradient), so a gradient within rounding of 0 may step either way).
"""

import copy

import torch
import torch.nn.functional as F

from cvcore import zoo
from cvcore.data import digits
from cvcore.data.digits import Dataset
from cvcore.networks import architectures, builder, training, transfer
from tests.device.bounds import U32, assert_close, assert_relative, f64, margins, network_terms, scale

_TABLES = ("lenet5", "lenet5_course", "alexnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34", "resnet50",
           "resnet152", "mobilenet_v2")


def _on(dataset: Dataset, dev, dtype=None) -> Dataset:
    def move(t):
        return t.to(dev, dtype) if dtype is not None and t.is_floating_point() else t.to(dev)

    return Dataset(move(dataset.train_x), move(dataset.train_y), move(dataset.val_x), move(dataset.val_y),
                   dataset.classes)


def _figures(rows):
    """One row of numbers per layer: (C, H, W) padded with zeros, activations, parameters, multiply-adds."""
    return [[*r.output_shape, *[0] * (3 - len(r.output_shape)), r.activation_size, r.params, r.macs] for r in rows]


def test_layer_table_of_every_registered_architecture_is_the_same_as_on_the_meta_device(device, full):
    """Shapes and counts are integers: identical. Building the large networks with weights takes seconds on the CPU,
    so the CPU checks two of them."""
    for name in _TABLES if full else ("lenet5", "mobilenet_v2"):
        shape = architectures.registry()[name].input_shape
        got = architectures.layer_table(architectures.build(name, device=device), shape)
        want = architectures.layer_table(architectures.build(name), shape)  # on the meta device, as the lab does
        assert _figures(got) == _figures(want), name
        assert [(r.name, r.kind) for r in got] == [(r.name, r.kind) for r in want], name


def test_forward_pass_of_four_architectures_with_the_same_random_weights(device, full):
    size = 224 if full else 64  # each takes any size from 64 px (AlexNet's smallest), only the time differs
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(7))
    for name in ("alexnet", "vgg16", "resnet50", "googlenet") if full else ("alexnet", "resnet50"):
        torch.manual_seed(0)
        model = architectures.build(name, device="cpu").eval()
        reference = copy.deepcopy(model).double()
        with torch.inference_mode():
            got = model.to(device)(x.to(device))
            want = reference(x.double())
        assert_relative(got, want, network_terms(reference), name)


def test_one_training_step_of_the_course_network_on_the_digits(device):
    data = digits.digits(28)
    small = Dataset(data.train_x[:64], data.train_y[:64], data.val_x[:128], data.val_y[:128], data.classes)
    net = builder.build_network(builder.course_example(), (1, 28, 28), seed=0)
    reference = copy.deepcopy(net).double()
    with torch.inference_mode():
        before = reference.eval()(small.val_x.double())  # [128, 10], before the step
    got_net = net.to(device)
    got = list(training.train_classifier(got_net, _on(small, device), epochs=1, batch_size=64, reports_per_epoch=1))[-1]
    want = list(training.train_classifier(reference, _on(small, "cpu", torch.float64), epochs=1, batch_size=64,
                                          reports_per_epoch=1))[-1]
    terms = network_terms(reference)
    # the training loss is the one batch's cross-entropy before the step: log-softmax moves by at most twice the
    # largest change of a logit
    logits0 = reference.train()(small.train_x.double())
    reference.eval()
    first = 2 * terms * U32 * scale(logits0)
    assert abs(got.train_loss - want.train_loss) <= first, (got.train_loss, want.train_loss, first)
    got_net.eval()
    with torch.inference_mode():
        after_got, after_want = got_net(small.val_x.to(device)), reference(small.val_x.double())
    moved = float((after_want - before).abs().max())  # how far the step moved the validation logits
    logits_bound = 3 * terms * U32 * scale(after_want) + 2 * moved  # forward, backward, forward again; then the step
    assert_close(after_got, after_want, logits_bound, "validation logits after the step")
    assert abs(got.val_loss - want.val_loss) <= 2 * logits_bound, (got.val_loss, want.val_loss, 2 * logits_bound)
    # an example whose reference margin is below twice the logits' bound may change class: each such example moves
    # one count of the confusion matrix
    undecided = int((margins(after_want, 1) <= 2 * logits_bound).sum())
    assert_close(training.confusion_matrix(got_net, small.val_x.to(device), small.val_y.to(device), 10),
                 training.confusion_matrix(reference, small.val_x.double(), small.val_y, 10), undecided,
                 "confusion matrix")


def test_transfer_learning_forward_features_a_fine_tuning_step_and_head_only_training(device, mobilenet, mobilenet_on,
                                                                                     full):
    """The reference is the same on the CPU in float32: the new head is made in float32 by the engine."""
    data = transfer.image_set(transfer.texture_set(4 if full else 2), zoo.registry()["mobilenet_v2"])
    if not full:
        data = Dataset(*(F.interpolate(t, size=64, mode="bilinear", antialias=True) if t.is_floating_point() else t
                         for t in (data.train_x, data.train_y, data.val_x, data.val_y)), data.classes)
    nets = {}
    for side, model, dev in (("got", mobilenet_on, device), ("want", mobilenet, torch.device("cpu"))):
        net, _ = transfer.make_network(model, 5, "large")
        assert {p.device.type for p in net.parameters()} == {dev.type}, f"make_network left parts off {dev}"
        nets[side] = net
    terms = network_terms(nets["want"])
    out = {}
    for side, dev in (("got", device), ("want", torch.device("cpu"))):
        net, on = nets[side], _on(data, dev)
        net.eval()
        with torch.inference_mode():
            logits = net(on.val_x)
        pooled = transfer.head_features(net, on.val_x)
        step = list(training.train_classifier(net, on, epochs=1, lr=transfer.CASES["large"].lr, batch_size=16,
                                              reports_per_epoch=1))[-1]
        net.eval()
        with torch.inference_mode():
            after = net(on.val_x)
        small, _ = transfer.make_network(mobilenet_on if side == "got" else mobilenet, 5, "small")
        head = list(transfer.train_head(small, on, epochs=5))
        out[side] = dict(logits=logits, pooled=pooled, loss=step.train_loss, after=after,
                         head=[r.val_loss for r in head])
    got, want = out["got"], out["want"]
    assert_relative(got["logits"], want["logits"], terms, "logits")
    assert_relative(got["pooled"], want["pooled"], network_terms(nets["want"].features), "pooled features")
    # one epoch of fine-tuning (a few Adam steps): its mean training loss and the logits after it compare within
    # the rounding of the first batch plus twice what the epoch moved the reference's logits
    moved = float((f64(want["after"]) - f64(want["logits"])).abs().max())
    bound = 3 * terms * U32 * scale(want["after"]) + 2 * moved
    assert_close(got["after"], want["after"], bound, "logits after fine-tuning")
    assert abs(got["loss"] - want["loss"]) <= 2 * bound, (got["loss"], want["loss"])
    # the head trains on features computed once: a linear layer of 1,280 inputs, 5 epochs of Adam
    first = 2 * (network_terms(nets["want"]) + 1280) * U32 * scale(want["logits"])
    travelled = max(abs(v - want["head"][0]) for v in want["head"])
    for g, w in zip(got["head"], want["head"], strict=True):
        assert abs(g - w) <= first + 2 * travelled, (got["head"], want["head"])
