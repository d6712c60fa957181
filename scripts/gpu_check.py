"""`make gpu-check`: every lab's engine path on a GPU against the CPU, and what the GPU buys.

    python scripts/gpu_check.py                         # CUDA against the CPU; exit 2 where there is no CUDA
    python scripts/gpu_check.py --device cpu --quick    # CPU against CPU on a small subset (what the test runs)
    python scripts/gpu_check.py --device cuda:1 --reference cuda:0 --only nms

1. Comparisons. Each check runs one lab's engine path (cvcore) twice, once on the reference device (the CPU) and once
   on the device, with the same inputs, weights and seeds, and compares the outputs with a tolerance stated next to
   it (in ``CHECKS`` below and in the printed table). Inputs and models are put on the device the way a caller does
   (tensors and models moved there, ``device=`` where the engine takes one); an engine function that cannot run
   there fails its check with the error. Comparisons run in exact float32 (TF32 off for cuDNN and cuBLAS) so that
   the tolerances measure the engine, not the number format; one check measures TF32 (PyTorch's default for CUDA
   convolutions, what the app runs with) separately.
2. Timings, with ``torch.cuda.synchronize`` around each and PyTorch's default precision: neural style transfer at
   512 px for 300 L-BFGS steps against a textbook Gatys loop (written below) on the same device; full fine-tuning in
   transfer learning and activation maximization on the device against the same on the reference device. Each is
   printed as a ratio (device time / reference time).
3. One table: check, max abs diff, tolerance, PASS/FAIL; then the timings. Exit status 0 when every comparison
   passed (a check whose weights are missing is SKIPped), 1 when one failed or raised or the time budget left checks
   unrun, 2 when the device is not available (nothing is compared then).

Offline: weights are found as ``cvcore.zoo`` finds them, never downloaded: ``$CVCORE_WEIGHTS_DIR`` (default
``../shared/weights``) first, so one folder holding mobilenet_v2-b0353104.pth, mobilefacenet.pt and MTCNN's
pnet.pt, rnet.pt, onet.pt serves a machine without the carrier packages; the tiny YOLO and FCN come from ``assets/``.
It needs torch, torchvision, numpy, pillow, scikit-image, scikit-learn and (for one check) captum; never streamlit or
plotly. Bounded (``--budget``): no check or timing starts after it; the timings run shortest first, and style transfer
checks the budget before each network.
"""

import argparse
import collections
import contextlib
import copy
import json
import os
import random
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torchvision import ops
from torchvision.models.feature_extraction import create_feature_extractor

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cvcore import attribution, faces, images, zoo
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from cvcore.conv.nd import conv1d_trace, conv3d, synth_signal, synth_volume
from cvcore.conv.pooling import pool_image, pool_trace
from cvcore.conv.trace import PADDING_MODES, apply_kernel, conv_trace
from cvcore.conv.transposed import conv_transpose_trace
from cvcore.conv.volume import apply_filters, filter_bank, volume_conv_trace
from cvcore.data import digits, shapes
from cvcore.data.digits import Dataset
from cvcore.detect import boxes, segmentation, sliding, yolo
from cvcore.detect import metrics as detection
from cvcore.device import resolve_device
from cvcore.errors import CvcoreError, WeightsUnavailable
from cvcore.inside import features, maximize, units
from cvcore.networks import architectures, builder, training, transfer
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets

SHARED_WEIGHTS = ROOT.parent / "shared" / "weights"
CAT = 285  # ImageNet "Egyptian cat", MobileNetV2's top class for the sample photo "chelsea"


# ---------------------------------------------------------------------------------------------------------------------
# Tolerances and the comparison


@dataclass(frozen=True)
class Tol:
    """How close the device's output must be to the reference's.

    kind "abs": max |device - reference| <= value; "rel": <= value x max |reference| (the quantity's own scale);
    "mismatch": the fraction of elements that are not equal <= value (for indices, classes, labels).
    """

    value: float
    kind: str = "abs"

    def limit(self, want: torch.Tensor) -> float:
        if self.kind == "rel":  # never below 1e-12, so that a quantity that is exactly 0 here may be 1e-15 there
            return max(self.value * (float(want.abs().max()) if want.numel() else 0.0), 1e-12)
        return self.value

    def __str__(self) -> str:
        if self.kind == "rel":
            return f"{self.value:g} x max|ref|"
        if self.kind == "mismatch":
            return "identical" if self.value == 0 else f"<= {self.value * 100:g}% differ"
        return f"{self.value:g}"


@dataclass
class Row:
    """One line of the table: an output of a check. ``diff`` is the max abs difference (for "mismatch": the fraction
    of elements that differ)."""

    check: str
    output: str
    diff: float | None
    tolerance: str
    passed: bool | None  # None: skipped
    note: str = ""

    @property
    def verdict(self) -> str:
        return "SKIP" if self.passed is None else "PASS" if self.passed else "FAIL"


def _parts(value) -> list[torch.Tensor]:
    """Any output (tensor, array, number, string, or a list/tuple/dict of them) as float64 CPU tensors."""
    if isinstance(value, dict):
        return [p for key in sorted(value) for p in _parts(value[key])]
    if isinstance(value, (list, tuple)) and (not value or not isinstance(value[0], (int, float, bool))):
        return [p for item in value for p in _parts(item)]
    if isinstance(value, str):
        value = zlib.crc32(value.encode())  # names compare as equal or not
    if isinstance(value, torch.Tensor):
        return [value.detach().to("cpu", torch.float64)]
    return [torch.as_tensor(np.asarray(value, dtype=np.float64))]


def compare(check: str, output: str, got, want, tol: Tol) -> Row:
    """Compare ``output`` of the device with the reference's; shapes must match and NaNs sit in the same places."""
    g_parts, w_parts = _parts(got), _parts(want)
    g_shapes, w_shapes = [tuple(p.shape) for p in g_parts], [tuple(p.shape) for p in w_parts]
    if g_shapes != w_shapes:
        shown = (g_shapes, w_shapes) if len(g_shapes) == 1 == len(w_shapes) else (len(g_shapes), len(w_shapes))
        return Row(check, output, None, str(tol), False, f"shapes differ: {shown[0]} on the device, {shown[1]} on the reference")
    g = torch.cat([p.flatten() for p in g_parts]) if g_parts else torch.zeros(0, dtype=torch.float64)
    w = torch.cat([p.flatten() for p in w_parts]) if w_parts else torch.zeros(0, dtype=torch.float64)
    if tol.kind == "mismatch":
        diff = float((g != w).double().mean()) if g.numel() else 0.0
        return Row(check, output, diff, str(tol), diff <= tol.value)
    nan_g, nan_w = torch.isnan(g), torch.isnan(w)
    if not torch.equal(nan_g, nan_w):
        return Row(check, output, None, str(tol), False, f"NaN in {int((nan_g ^ nan_w).sum())} places where the other has a number")
    same = (g == w) | nan_g  # equal infinities and matching NaNs count as no difference
    diff = float(torch.where(same, torch.zeros_like(g), (g - w).abs()).max()) if g.numel() else 0.0
    limit = tol.limit(torch.where(torch.isfinite(w), w, torch.zeros_like(w)))
    text = f"{tol} = {limit:.1e}" if tol.kind == "rel" else str(tol)
    return Row(check, output, diff, text, bool(diff <= limit))


# ---------------------------------------------------------------------------------------------------------------------
# The checks


class Unavailable(Exception):
    """A check whose inputs are not on this machine (weights): reported as SKIP, never as a pass."""


@dataclass(frozen=True)
class Check:
    """``run(ctx, device)`` returns named outputs; ``tolerances`` compares them with the reference's, and ``within``
    (output, other output, tolerance) compares two outputs of the device's own run (e.g. cvcore vs torchvision)."""

    name: str
    run: Callable[["Context", torch.device], dict[str, Any]]
    tolerances: dict[str, Tol]
    within: tuple[tuple[str, str, Tol], ...] = ()
    quick: bool = False


CHECKS: list[Check] = []


def check(name: str, tolerances: dict[str, Tol], *, within=(), quick: bool = False):
    def register(fn):
        CHECKS.append(Check(name, fn, tolerances, tuple(within), quick))
        return fn
    return register


@dataclass
class Context:
    device: torch.device
    reference: torch.device
    quick: bool
    deadline: float = float("inf")  # time.perf_counter() after which no new timing starts
    notes: list[str] = field(default_factory=list)  # about the check running now: shown beside its rows
    problems: list[str] = field(default_factory=list)  # as notes, and the check fails
    _models: dict = field(default_factory=dict)

    def model(self, name: str, dev: torch.device, load: Callable[[], torch.nn.Module]) -> torch.nn.Module:
        """``load()`` moved to ``dev``, once per name and device."""
        key = (name, str(dev))
        if key not in self._models:
            self._models[key] = load().to(dev).eval()
        return self._models[key]

    def mobilenet(self, dev: torch.device) -> torch.nn.Module:
        return self.model("mobilenet_v2", dev, lambda: zoo.load("mobilenet_v2", device="cpu"))

    def mobilefacenet(self, dev: torch.device) -> torch.nn.Module:
        try:
            return self.model("mobilefacenet", dev, lambda: faces.load_mobilefacenet(device="cpu", offline=True))
        except WeightsUnavailable as exc:
            raise Unavailable(f"MobileFaceNet weights not found ({str(exc).splitlines()[0][:90]})") from exc


def _rng(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@cache
def _photo(name: str = "chelsea") -> torch.Tensor:
    """A sample photo preprocessed for MobileNetV2: Tensor[1, 3, 224, 224] on the CPU."""
    return features.preprocess(images.sample_image(name), zoo.registry()["mobilenet_v2"])


def _on(dataset: Dataset, dev: torch.device) -> Dataset:
    return Dataset(dataset.train_x.to(dev), dataset.train_y.to(dev), dataset.val_x.to(dev), dataset.val_y.to(dev),
                   dataset.classes)


# Convolution, pooling, volumes, transposed, 1-D and 3-D (float64 traces: only the summation order may differ)

@cache
def _conv_settings(count: int) -> tuple[tuple[tuple[int, int], tuple[int, int], dict], ...]:
    """``count`` random (image size, kernel size, settings) that the engine accepts, the same on every call."""
    rng, found = random.Random(0), []
    while len(found) < count:
        hw, k = (rng.randint(3, 12), rng.randint(3, 12)), (rng.randint(1, 5), rng.randint(1, 5))
        kw = dict(stride=(rng.randint(1, 3), rng.randint(1, 3)), dilation=rng.randint(1, 2),
                  padding=rng.choice(["valid", "same", 0, 1, 2, (1, 2)]), padding_mode=rng.choice(PADDING_MODES),
                  flip=rng.random() < 0.3)
        if kw["padding"] == "same":
            kw["stride"] = 1
        try:
            conv_trace(torch.zeros(hw, dtype=torch.float64), torch.ones(k, dtype=torch.float64), **kw)
        except CvcoreError:
            continue
        found.append((hw, k, kw))
    return tuple(found)


@check("conv_trace, 40 random settings (Convolution lab)", {"outputs": Tol(1e-9), "products": Tol(1e-9)}, quick=True)
def _conv(ctx, dev):
    g, outputs, products = _rng(1), [], []
    for hw, k, kw in _conv_settings(40):
        x, w = torch.randn(hw, generator=g, dtype=torch.float64), torch.randn(k, generator=g, dtype=torch.float64)
        trace = conv_trace(x.to(dev), w.to(dev), **kw)
        outputs.append(trace.output)
        products.append(trace.products)
    return {"outputs": outputs, "products": products}


@check("apply_kernel on a photo, 6 kernels (Convolution lab)", {"images": Tol(1e-4, "rel")})
def _apply_kernel(ctx, dev):
    photo = images.to_tensor(images.sample_image("astronaut")).to(dev)  # [3, 512, 512]
    return {"images": [apply_kernel(photo, kernels.make_kernel(name, size).to(dev), padding="same", padding_mode=mode)
                       for name, size, mode in (("sobel_x", 3, "zeros"), ("scharr_y", 3, "reflect"),
                                                ("laplacian", 3, "replicate"), ("gaussian", 7, "zeros"),
                                                ("box_blur", 5, "circular"), ("emboss", 3, "zeros"))]}


@check("pool_trace max/avg, 12 settings (Pooling lab)", {"outputs": Tol(1e-12), "winners": Tol(0, "mismatch")},
       quick=True)
def _pool(ctx, dev):
    g, outputs, winners = _rng(2), [], []
    for i in range(12):
        kind, size, stride, padding = ("max", "avg")[i % 2], 2 + i % 3, 1 + i % 2, (i // 4) % 2
        x = torch.randn(3, 9, 10, generator=g, dtype=torch.float64).to(dev)
        trace = pool_trace(x, kind=kind, size=size, stride=stride, padding=padding)
        outputs.append(trace.output)
        winners.append([trace.step(s).winner or (-1, -1) for s in range(0, trace.output.numel(), 7)])
    return {"outputs": outputs, "winners": winners}


@check("pool_image on MobileNetV2's first layer (Pooling lab)", {"pooled": Tol(1e-5, "rel")})
def _pool_image(ctx, dev):
    fmap = features.extract(ctx.mobilenet(dev), _photo().to(dev), ["features.0"])["features.0"][0]
    return {"pooled": [pool_image(fmap, kind=kind, size=size) for kind in ("max", "avg") for size in (2, 3)]}


@check("learn_kernel, 40 SGD and 40 Adam steps (Learning-a-filter lab)", {"losses": Tol(1e-4, "rel"),
                                                                          "kernels": Tol(1e-4, "rel")}, quick=True)
def _learn(ctx, dev):
    image = images.gray_crop(images.sample_image("camera"), 48)  # [48, 48]
    losses, learned = [], []
    for optimizer in ("sgd", "adam"):
        records = list(learn_kernel(image.to(dev), kernels.make_kernel("sobel_x").to(dev), steps=40,
                                    optimizer=optimizer, lr=0.1 if optimizer == "sgd" else 0.05))
        losses.append([r.loss for r in records])
        learned.append(records[-1].kernel)
    return {"losses": losses, "kernels": learned}


def _volume_inputs(g: torch.Generator):
    """(x, kernels, groups, stride, padding, relu) for a standard layer, 1x1, depthwise and grouped convolution."""
    cases = []
    for c, k, f, groups, stride, padding, relu in ((3, 4, 3, 1, 1, 0, True), (3, 5, 1, 1, 1, 0, False),
                                                   (4, 4, 3, 4, 2, 1, False), (4, 6, 3, 2, 1, 1, True)):
        x = torch.randint(-3, 4, (c, 7, 8), generator=g).double()
        w = torch.randint(-1, 2, (k, c // groups, f, f), generator=g).double()
        cases.append((x, w, groups, stride, padding, relu))
    return cases


@check("volume_conv_trace with biases, 4 layers (Volumes lab)", {"outputs": Tol(1e-9), "steps": Tol(1e-9)}, quick=True)
def _volumes(ctx, dev):
    outputs, steps = [], []
    for x, w, groups, stride, padding, relu in _volume_inputs(_rng(3)):
        bias = torch.arange(w.shape[0], dtype=torch.float64) - 1
        trace = volume_conv_trace(x.to(dev), w.to(dev), bias.to(dev), stride=stride, padding=padding, groups=groups,
                                  relu=relu)
        outputs.append(trace.output)
        steps += [(trace.step(i).z, trace.step(i).value) for i in range(0, trace.output.numel(), 5)]
    return {"outputs": outputs, "steps": steps}


@check("volume_conv_trace without bias: 1x1, depthwise, grouped (Separable lab)", {"outputs": Tol(1e-9)}, quick=True)
def _separable(ctx, dev):
    return {"outputs": [volume_conv_trace(x.to(dev), w.to(dev), stride=stride, padding=padding, groups=groups).output
                        for x, w, groups, stride, padding, _ in _volume_inputs(_rng(4))]}


@check("apply_filters on a photo: colour and brightness edges (Volumes lab)", {"maps": Tol(1e-5, "rel")})
def _filters(ctx, dev):
    photo = images.to_tensor(images.sample_image("chelsea")).to(dev)
    return {"maps": [apply_filters(photo, filter_bank(bank, 3).to(dev), relu=True)
                     for bank in ("colour_edges", "brightness_edges")]}


@check("conv_transpose_trace, 6 settings (Transposed lab)", {"outputs": Tol(1e-9), "stamps": Tol(1e-9)}, quick=True)
def _transposed(ctx, dev):
    g, outputs, stamps = _rng(5), [], []
    for stride, padding, output_padding, dilation, f in ((1, 0, 0, 1, 3), (2, 0, 0, 1, 3), (2, 1, 1, 1, 3),
                                                         (3, 1, 0, 1, 2), (2, 1, 0, 2, 3), (2, 0, 1, 1, 4)):
        x = torch.randint(-2, 3, (3, 4), generator=g).double().to(dev)
        k = torch.randint(-1, 2, (f, f), generator=g).double().to(dev)
        trace = conv_transpose_trace(x, k, stride=stride, padding=padding, output_padding=output_padding,
                                     dilation=dilation)
        if trace.output.device.type != dev.type:
            ctx.notes.append(f"its output comes back on {trace.output.device.type}: computed there, not on {dev.type}")
        outputs.append(trace.output)
        stamps.append(trace.stamps)
    return {"outputs": outputs, "stamps": stamps}


@check("conv1d_trace on 3 signals (Dilated/1-D/3-D lab)", {"outputs": Tol(1e-9)}, quick=True)
def _conv1d(ctx, dev):
    taps = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64).to(dev)
    return {"outputs": [conv1d_trace(synth_signal(kind, 200).to(dev), taps, padding=1).output
                        for kind in ("heartbeat", "chirp", "steps")]}


@check("conv3d on a 14x14x14 volume, dilated conv_trace (Dilated/1-D/3-D lab)",
       {"3-D output": Tol(1e-9), "dilated outputs": Tol(1e-9)}, quick=True)
def _conv3d(ctx, dev):
    g = _rng(6)
    w, bias = torch.randn(2, 1, 3, 3, 3, generator=g, dtype=torch.float64), torch.tensor([0.5, -0.5], dtype=torch.float64)
    image, k = torch.randn(14, 14, generator=g, dtype=torch.float64), torch.randn(3, 3, generator=g, dtype=torch.float64)
    return {"3-D output": conv3d(synth_volume(14)[None].to(dev), w.to(dev), bias.to(dev), padding=1),
            "dilated outputs": [conv_trace(image.to(dev), k.to(dev), dilation=d, padding="same").output for d in (1, 2, 3)]}


# Architectures, Build your own CNN

_TABLES = ("lenet5", "lenet5_course", "alexnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34", "resnet50",
           "resnet152", "mobilenet_v2")


@check("layer_table of every registered architecture (Architectures lab)",
       {"shapes, parameters, multiply-adds": Tol(0, "mismatch"), "layer names and kinds": Tol(0, "mismatch")},
       within=(("shapes, parameters, multiply-adds", "the same on the meta device", Tol(0, "mismatch")),), quick=True)
def _layer_tables(ctx, dev):
    names = ("lenet5", "mobilenet_v2") if ctx.quick else _TABLES
    numbers, labels, meta = [], [], []

    def figures(rows):  # one row of numbers per layer: (C, H, W) padded with zeros, activations, parameters, MACs
        return [[*r.output_shape, *[0] * (3 - len(r.output_shape)), r.activation_size, r.params, r.macs] for r in rows]

    for name in names:
        shape = architectures.registry()[name].input_shape
        rows = architectures.layer_table(architectures.build(name, device=dev), shape)
        on_meta = architectures.layer_table(architectures.build(name), shape)  # how the lab tabulates it
        numbers.append(figures(rows))
        meta.append(figures(on_meta))
        labels += [f"{r.name} {r.kind}" for r in rows]
    return {"shapes, parameters, multiply-adds": numbers, "layer names and kinds": labels,
            "the same on the meta device": meta}


@check("forward pass of AlexNet, VGG-16, ResNet-50, GoogLeNet with the same random weights (Architectures lab)",
       {"logits": Tol(1e-3, "rel")})
def _arch_forward(ctx, dev):
    x, out = torch.randn(2, 3, 224, 224, generator=_rng(7)), []
    for name in ("alexnet", "vgg16", "resnet50", "googlenet"):
        torch.manual_seed(0)
        model = architectures.build(name, device="cpu").to(dev)
        with torch.inference_mode():
            out.append(model(x.to(dev)))
    return {"logits": out}


@check("one training step of the course's network on the digits (Build-your-own-CNN lab)",
       {"train loss": Tol(1e-4, "rel"), "validation loss": Tol(1e-3, "rel"), "logits after the step": Tol(1e-2, "rel"),
        "confusion matrix": Tol(0.02, "mismatch")}, quick=True)
def _build(ctx, dev):
    data = digits.digits(28)
    small = _on(Dataset(data.train_x[:64], data.train_y[:64], data.val_x[:128], data.val_y[:128], data.classes), dev)
    net = builder.build_network(builder.course_example(), (1, 28, 28), seed=0).to(dev)
    record = list(training.train_classifier(net, small, epochs=1, batch_size=64, reports_per_epoch=1))[-1]
    net.eval()
    with torch.inference_mode():
        logits = net(small.val_x)
    return {"train loss": record.train_loss, "validation loss": record.val_loss, "logits after the step": logits,
            "confusion matrix": training.confusion_matrix(net, small.val_x, small.val_y, 10)}


# Inside a trained CNN, heatmaps

@check("features.extract of 4 MobileNetV2 stages, top-5 classes (Inside lab)",
       {"features.3": Tol(1e-4, "rel"), "features.10": Tol(1e-3, "rel"), "features.18": Tol(1e-3, "rel"),
        "top-5 classes": Tol(0, "mismatch"), "top-5 probabilities": Tol(1e-4)}, quick=True)
def _extract(ctx, dev):
    model, entry = ctx.mobilenet(dev), zoo.registry()["mobilenet_v2"]
    maps = features.extract(model, _photo().to(dev), ["features.3", "features.10", "features.18"])
    top = features.predict(model, _photo().to(dev), entry.categories)
    return {**maps, "top-5 classes": [p.index for p in top], "top-5 probabilities": [p.probability for p in top]}


@check("MobileNetV2 logits with TF32 convolutions (PyTorch's CUDA default, as the app runs)",
       {"logits": Tol(2e-2, "rel"), "top-1 class": Tol(0, "mismatch")})
def _tf32(ctx, dev):
    with float32_precision(DEFAULT_PRECISION):
        with torch.inference_mode():
            logits = ctx.mobilenet(dev)(torch.cat([_photo(n) for n in ("chelsea", "coffee", "camera")]).to(dev))
    return {"logits": logits, "top-1 class": logits.argmax(1)}


@check("layer_list, receptive_field, top_patches over 6 photos (Inside lab)",
       {"layer shapes": Tol(0, "mismatch"), "receptive field": Tol(0, "mismatch"),
        "patch activations": Tol(1e-4, "rel")})
def _units(ctx, dev):
    model = ctx.mobilenet(dev)
    probe = torch.cat([_photo(n) for n in images.sample_names()]).to(dev)
    patches = units.top_patches(model, probe, "features.6", 5)
    return {"layer shapes": [layer.shape for layer in features.layer_list(model)],
            "receptive field": units.receptive_field(model, "features.6"),
            "patch activations": sorted(p.activation for p in patches)}


@check("CAM, Grad-CAM, Grad-CAM++, LayerCAM at features.18 (Inside lab, heatmaps)",
       {"cam": Tol(1e-3), "grad_cam": Tol(1e-3), "grad_cam_pp": Tol(1e-3), "layer_cam": Tol(1e-3)}, quick=True)
def _cams(ctx, dev):
    return attribution.class_activation_maps(ctx.mobilenet(dev), _photo().to(dev), CAT, "features.18",
                                             ["cam", "grad_cam", "grad_cam_pp", "layer_cam"])


@check("Integrated Gradients, Saliency, Occlusion, Guided Grad-CAM (Captum; Inside lab)",
       {"integrated_gradients": Tol(1e-2), "saliency": Tol(2e-2), "occlusion": Tol(1e-2), "guided_grad_cam": Tol(2e-2)})
def _pixels(ctx, dev):
    return attribution.heatmaps(ctx.mobilenet(dev), _photo().to(dev), CAT,
                                ["integrated_gradients", "saliency", "occlusion", "guided_grad_cam"], layer="features.18")


@check("deletion and insertion curves of Grad-CAM, a randomized top layer (Inside lab, faithfulness)",
       {"deletion": Tol(5e-3), "insertion": Tol(5e-3), "randomized Grad-CAM": Tol(1e-3)})
def _faithfulness(ctx, dev):
    model, x = ctx.mobilenet(dev), _photo().to(dev)
    curves = attribution.deletion_insertion(model, x, CAT, attribution.grad_cam(model, x, CAT, "features.18"))
    random_top = attribution.randomized_top(model, 1)
    return {"deletion": curves.deletion, "insertion": curves.insertion,
            "randomized Grad-CAM": attribution.grad_cam(random_top, x, CAT, "features.18")}


@check("maximize_channel, Fourier and pixel parametrizations, 12 steps at 96 px (3 at 32 with --quick; Inside lab)",
       {"objectives": Tol(1e-3, "rel"), "final images (0-255)": Tol(8)}, quick=True)
def _maximize(ctx, dev):
    size, steps = (32, 3) if ctx.quick else (96, 12)
    objectives, pictures = [], []
    for parametrization in maximize.PARAMETRIZATIONS:
        records = list(maximize.maximize_channel(ctx.mobilenet(dev), "features.6", 5, size=size, steps=steps,
                                                 jitter=4, blur_every=2, parametrization=parametrization, device=dev))
        objectives.append([r.objective for r in records])
        pictures.append(records[-1].image)
    return {"objectives": objectives, "final images (0-255)": pictures}


# Localization and detection

def _random_boxes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(boxes Tensor[n, 4], scores Tensor[n], labels Tensor[n] in 0..2). The scores are all different: among equal
    scores any order is right, and implementations (cvcore's, torchvision's, CPU or GPU kernels) pick differently."""
    g = _rng(seed)
    xy, wh = torch.rand(n, 2, generator=g) * 200, torch.rand(n, 2, generator=g) * 60 + 1
    scores = (torch.randperm(n, generator=g).float() + 1) / n
    return torch.cat([xy, xy + wh], 1), scores, torch.randint(0, 3, (n,), generator=g)


@check("box_iou of 500 x 400 boxes (Detection lab, IoU)", {"iou": Tol(1e-6)},
       within=(("iou", "torchvision.ops.box_iou", Tol(0)),), quick=True)
def _iou(ctx, dev):
    a, b = _random_boxes(500, 8)[0].to(dev), _random_boxes(400, 9)[0].to(dev)
    return {"iou": boxes.box_iou(a, b), "torchvision.ops.box_iou": ops.box_iou(a, b)}


def _kept(keep: torch.Tensor, n: int) -> torch.Tensor:
    """Which of ``n`` boxes NMS kept, as Tensor[n] of 0/1: devices that round an IoU at the threshold differently
    then differ in a few entries instead of in the position of every later box."""
    mask = torch.zeros(n)
    mask[keep.cpu()] = 1.0
    return mask


@check("nms, class-agnostic and per class, 6,000 boxes, 3 thresholds (Detection lab, NMS)",
       {"kept (which boxes)": Tol(1e-3, "mismatch")},
       within=(("kept, in order", "torchvision.ops.nms / batched_nms", Tol(0, "mismatch")),), quick=True)
def _nms(ctx, dev):
    # 6,000 boxes: batched_nms then runs per class on the GPU as on the CPU (not offsetting boxes by class)
    b, s, labels = (t.to(dev) for t in _random_boxes(6000, 10))
    ours, theirs = [], []
    for threshold in (0.3, 0.5, 0.7):
        ours += [boxes.nms(b, s, iou_threshold=threshold), boxes.nms(b, s, iou_threshold=threshold, labels=labels)]
        theirs += [ops.nms(b, s, threshold), ops.batched_nms(b, s, labels, threshold)]
    return {"kept (which boxes)": [_kept(k, len(b)) for k in ours], "kept, in order": ours,
            "torchvision.ops.nms / batched_nms": theirs}


@check("nms_steps, the step-by-step trace, 300 boxes (Detection lab, NMS)", {"kept (which boxes)": Tol(1e-2, "mismatch")},
       within=(("kept, in order", "torchvision.ops.nms", Tol(0, "mismatch")),), quick=True)
def _nms_steps(ctx, dev):
    b, s, _ = (t.to(dev) for t in _random_boxes(300, 11))
    keep = boxes.nms_steps(b, s, iou_threshold=0.5).keep
    return {"kept (which boxes)": _kept(keep, len(b)), "kept, in order": keep, "torchvision.ops.nms": ops.nms(b, s, 0.5)}


@check("soft_nms, gaussian and linear, 300 boxes (Detection lab, NMS)",
       {"kept (which boxes)": Tol(1e-2, "mismatch"), "decayed scores": Tol(1e-5)})
def _soft_nms(ctx, dev):
    b, s, labels = (t.to(dev) for t in _random_boxes(300, 12))
    runs = [boxes.soft_nms(b, s, method=method, labels=labels) for method in ("gaussian", "linear")]
    return {"kept (which boxes)": [_kept(keep, len(b)) for keep, _ in runs], "decayed scores": [new for _, new in runs]}


def _tiny_yolo(ctx, dev) -> yolo.TinyYolo:
    return ctx.model("tiny_yolo", dev, lambda: yolo.load_tiny_yolo(device="cpu"))


@check("tiny YOLO forward, decode and loss on 8 scenes (Detection lab)",
       {"raw output": Tol(1e-3, "rel"), "decoded vectors": Tol(1e-4), "loss": Tol(1e-4, "rel")}, quick=True)
def _yolo_forward(ctx, dev):
    model = _tiny_yolo(ctx, dev)
    x, scenes = shapes.scenes(range(1_000_000, 1_000_008), size=model.config.size)
    target = torch.stack([yolo.encode(s.boxes, s.labels, model.config) for s in scenes]).to(dev)
    with torch.inference_mode():
        raw = model(x.to(dev))
    return {"raw output": raw, "decoded vectors": yolo.decode(raw, model.config),
            "loss": yolo.yolo_loss(raw, target, model.config)}


@check("tiny YOLO detections and per-class NMS on 8 scenes (Detection lab, metrics.detect)",
       {"boxes": Tol(1e-3), "scores": Tol(1e-5), "labels": Tol(0, "mismatch")}, quick=True)
def _yolo_detect(ctx, dev):
    model = _tiny_yolo(ctx, dev)
    x, _ = shapes.scenes(range(1_000_000, 1_000_008), size=model.config.size)
    found = detection.detect(model, model.config, x.to(dev))
    return {"boxes": [b for b, _, _ in found], "scores": [s for _, s, _ in found], "labels": [lab for _, _, lab in found]}


@check("sliding windows, one by one and convolutionally, MobileNetV2 (Detection lab)",
       {"one by one": Tol(1e-4), "convolutional": Tol(1e-4)})
def _sliding(ctx, dev):
    model, entry, photo = ctx.mobilenet(dev), zoo.registry()["mobilenet_v2"], images.sample_image("chelsea")
    return {"one by one": sliding.windows_one_by_one(model, entry, photo, CAT, window=150, stride=75).scores,
            "convolutional": sliding.windows_convolutional(model, entry, photo, CAT, window=150).scores}


# Segmentation

def _fcn(ctx, dev) -> segmentation.TinyFCN:
    return ctx.model("tiny_fcn", dev, segmentation.load_fcn)


@check("tiny FCN forward, class map and instances on 6 scenes (Segmentation lab)",
       {"class scores": Tol(1e-3, "rel"), "class map": Tol(1e-4, "mismatch"), "instance boxes (px)": Tol(1)},
       quick=True)
def _segment(ctx, dev):
    x, _ = shapes.scenes(range(2_000_000, 2_000_006))
    with torch.inference_mode():
        scores = _fcn(ctx, dev)(x.to(dev))
    pred = scores.argmax(1)
    return {"class scores": scores, "class map": pred,
            "instance boxes (px)": [[(i.label, *i.box) for i in segmentation.instances(p)[1]] for p in pred]}


@check("segmentation.evaluate on 20 scenes, the lab's IoU table", {"confusion matrix": Tol(1e-3, "rel")})
def _segment_eval(ctx, dev):
    return {"confusion matrix": segmentation.evaluate(_fcn(ctx, dev), range(2_000_000, 2_000_020))}


@check("segmentation.u_shape, the lab's U figure", {"shapes": Tol(0, "mismatch")}, quick=True)
def _u_shape(ctx, dev):
    return {"shapes": [row.shape for row in segmentation.u_shape(_fcn(ctx, dev))]}


# Neural style transfer

@cache
def _style_pair(size: int):
    return images.sample_image("chelsea"), style_images.style_image("mosaic", max(256, size))


@check("style transfer: 3 L-BFGS and 3 Adam steps, MobileNetV2, 128 px (64 with --quick; Style-transfer lab)",
       {"initial style cost": Tol(1e-4, "rel"), "L-BFGS content cost per step": Tol(1e-3, "rel"),
        "L-BFGS total cost per step": Tol(1e-3, "rel"), "Adam total cost per step": Tol(1e-3, "rel"),
        "final images (0-255)": Tol(3)}, quick=True)
def _style(ctx, dev):
    size = 64 if ctx.quick else 128
    out = {"final images (0-255)": []}
    for optimizer in style.OPTIMIZERS:
        records = list(style.transfer(*_style_pair(size), backbone="mobilenet_v2", model=ctx.mobilenet(dev),
                                      device=dev, size=size, steps=3, optimizer=optimizer, preview_every=1))
        out["initial style cost"] = records[0].style_cost
        if optimizer == "lbfgs":
            out["L-BFGS content cost per step"] = [r.content_cost for r in records]
        out[f"{'L-BFGS' if optimizer == 'lbfgs' else 'Adam'} total cost per step"] = [r.total_cost for r in records]
        out["final images (0-255)"].append(records[-1].image)
    return out


@check("gram_matrix and the style cost of random features", {"gram": Tol(1e-5, "rel"), "cost": Tol(1e-5, "rel")},
       quick=True)
def _gram(ctx, dev):
    a, b = (torch.rand(1, 64, 32, 40, generator=_rng(13 + i)).to(dev) for i in range(2))
    return {"gram": style.gram_matrix(a), "cost": style.style_layer_cost(style.gram_matrix(a), b)}


# Face verification

@check("MobileFaceNet embeddings of the stored sample crops, cosine distances (Faces lab)",
       {"embeddings": Tol(1e-4), "distances": Tol(1e-4)}, quick=True)
def _face_embeddings(ctx, dev):
    model = ctx.mobilefacenet(dev)
    e = faces.embed_crops(model, list(faces.load_sample_embeddings()["crops"]))
    return {"embeddings": e, "distances": faces.distance_matrix(e, e)}


@check("MTCNN face detection on the sample photo (Faces lab)",
       {"faces found": Tol(0, "mismatch"), "boxes and landmarks (px)": Tol(0.05), "scores": Tol(1e-4)})
def _mtcnn(ctx, dev):
    key = ("mtcnn", str(dev))
    if key not in ctx._models:
        try:
            detector = faces.load_mtcnn(offline=True)
        except WeightsUnavailable as exc:
            raise Unavailable(f"MTCNN weights not found ({str(exc).splitlines()[0][:90]})") from exc
        ctx._models[key] = faces.Mtcnn(*(getattr(detector, n).to(dev) for n in ("pnet", "rnet", "onet")))
    found = faces.detect_faces(faces.sample_faces()["two_faces"][1], ctx._models[key])
    return {"faces found": len(found), "boxes and landmarks (px)": [(f.box, f.landmarks) for f in found],
            "scores": [f.score for f in found]}


# Transfer learning

@cache
def _textures(per_class: int) -> Dataset:
    return transfer.image_set(transfer.texture_set(per_class), zoo.registry()["mobilenet_v2"])


def _transfer_net(ctx, dev, case: str) -> transfer.TransferNet:
    """``make_network`` on the device's MobileNetV2, flagging (then fixing, to compare) parts left elsewhere."""
    net, _ = transfer.make_network(ctx.mobilenet(dev), 5, case)
    stray = sorted({p.device.type for p in net.parameters()} - {dev.type})
    if stray:
        ctx.problems.append(f"make_network left parameters on {'/'.join(stray)} with the backbone on {dev.type} (its "
                            "forward would fail); moved here to compare the numbers")
        net.to(dev)
    return net


@check("transfer learning: forward, features, one fine-tuning step, head-only training (Transfer lab)",
       {"logits": Tol(1e-3, "rel"), "pooled features": Tol(1e-3, "rel"), "fine-tuning train loss": Tol(1e-3, "rel"),
        "logits after the step": Tol(1e-2, "rel"), "head-only validation losses": Tol(1e-2, "rel")}, quick=True)
def _transfer(ctx, dev):
    data = _on(_textures(2 if ctx.quick else 4), dev)
    net = _transfer_net(ctx, dev, "large")
    net.eval()
    with torch.inference_mode():
        logits = net(data.val_x)
    pooled = transfer.head_features(net, data.val_x)
    step = list(training.train_classifier(net, data, epochs=1, lr=transfer.CASES["large"].lr, batch_size=16,
                                          reports_per_epoch=1))[-1]
    net.eval()
    with torch.inference_mode():
        after = net(data.val_x)
    head = list(transfer.train_head(_transfer_net(ctx, dev, "small"), data, epochs=5))
    return {"logits": logits, "pooled features": pooled, "fine-tuning train loss": step.train_loss,
            "logits after the step": after, "head-only validation losses": [r.val_loss for r in head]}


# ---------------------------------------------------------------------------------------------------------------------
# Running the checks


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160] if text else ''}"


def run_check(c: Check, ctx: Context) -> list[Row]:
    """The check on the reference device, then on the device; one row per compared output."""
    ctx.notes, ctx.problems = [], []
    results = {}
    for side, dev in (("reference", ctx.reference), ("device", ctx.device)):
        try:
            results[side] = c.run(ctx, dev)
            sync(dev)
        except Unavailable as exc:
            return [Row(c.name, "-", None, "", None, str(exc))]
        except Exception as exc:  # any failure is the check's result, and the run goes on
            return [Row(c.name, "-", None, "", False, f"error on {dev}: {_first_line(exc)}")]
    rows = [compare(c.name, key, results["device"][key], results["reference"][key], tol)
            for key, tol in c.tolerances.items()]
    rows += [compare(c.name, f"{a} vs {b}, both on {ctx.device}", results["device"][a], results["device"][b], tol)
             for a, b, tol in c.within]
    for row in rows:
        row.note = "; ".join(dict.fromkeys(filter(None, [row.note, *ctx.problems, *ctx.notes])))
        if ctx.problems:
            row.passed = False
    return rows


def _fp32_flags() -> dict[str, Any]:
    if hasattr(torch.backends.cudnn, "conv"):  # the fp32_precision API (PyTorch >= 2.9); never mix it with allow_tf32
        return {"conv": torch.backends.cudnn.conv.fp32_precision, "matmul": torch.backends.cuda.matmul.fp32_precision}
    return {"conv": torch.backends.cudnn.allow_tf32, "matmul": torch.backends.cuda.matmul.allow_tf32}


def _set_fp32_flags(flags: dict[str, Any]) -> None:
    if hasattr(torch.backends.cudnn, "conv"):
        torch.backends.cudnn.conv.fp32_precision, torch.backends.cuda.matmul.fp32_precision = flags["conv"], flags["matmul"]
    else:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags["conv"], flags["matmul"]


DEFAULT_PRECISION = _fp32_flags()  # PyTorch's defaults: TF32 for cuDNN convolutions, full float32 for matmuls
EXACT_PRECISION = ({"conv": "ieee", "matmul": "ieee"} if hasattr(torch.backends.cudnn, "conv")
                   else {"conv": False, "matmul": False})


@contextlib.contextmanager
def float32_precision(flags: dict[str, Any]):
    """cuDNN's and cuBLAS's float32 precision set to ``flags`` (TF32 or not) for the block, then restored."""
    saved = _fp32_flags()
    _set_fp32_flags(flags)
    try:
        yield
    finally:
        _set_fp32_flags(saved)


# ---------------------------------------------------------------------------------------------------------------------
# Timings


@dataclass(frozen=True)
class Timing:
    """``seconds`` of the work on the device against ``reference_seconds`` of ``reference`` (the same work on the
    reference device, or another implementation on the device: ``across`` says which)."""

    what: str
    seconds: float | None
    reference: str
    reference_seconds: float | None
    note: str = ""
    across: bool = True  # the reference is the same work on the reference device


def timed(fn: Callable[[], Any], *devices: torch.device) -> float:
    """Wall seconds of ``fn()``, with every device in ``devices`` synchronized before and after."""
    for dev in devices:
        sync(dev)
    start = time.perf_counter()
    fn()
    for dev in devices:
        sync(dev)
    return time.perf_counter() - start


def gatys_textbook(model: torch.nn.Module, spec: style_nets.Backbone) -> Callable[..., torch.Tensor]:
    """Neural style transfer as the paper and the course write it, with nothing of cvcore's run around it.

    Returns ``run(content, stylish, steps)``: content and style Tensor[3, H, W] in [0, 1] on the model's device ->
    the generated image G, Tensor[1, 3, H, W]. A frozen copy of the network gives the activations of the content
    layer and the style layers (the traced graph ends at the deepest of them); J(G) = alpha J_content + beta J_style
    + tv J_tv with the lab's defaults (alpha 1, beta 1e4, tv 10, J_content / (4 n_H n_W n_C), each layer's style
    cost / (2 n_H n_W n_C)^2 with equal weights); L-BFGS (one evaluation per step, history 50) updates the pixels of
    G, clamped to [0, 1] after each step. The copy and the trace are made once, outside ``run``, as the lab caches
    its extractor; the targets are computed in every ``run``, as the lab does.
    """
    alpha, beta, tv = 1.0, 1e4, 10.0
    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    net = create_feature_extractor(frozen, {name: name for name in dict.fromkeys((spec.content_layer, *spec.style_layers))})

    def gram(a):  # [1, C, H, W] -> [1, C, C]
        flat = a.flatten(2)
        return flat @ flat.transpose(1, 2)

    def run(content: torch.Tensor, stylish: torch.Tensor, steps: int) -> torch.Tensor:
        mean = torch.tensor(spec.mean, device=content.device).view(1, 3, 1, 1)
        std = torch.tensor(spec.std, device=content.device).view(1, 3, 1, 1)
        with torch.no_grad():
            a_content = net((content[None] - mean) / std)[spec.content_layer]
            targets = {name: gram(a) for name, a in net((stylish[None] - mean) / std).items() if name in spec.style_layers}
        generated = content[None].clone().requires_grad_(True)
        optimizer = torch.optim.LBFGS([generated], lr=1.0, max_iter=1, history_size=50)

        def closure():
            optimizer.zero_grad()
            out = net((generated - mean) / std)
            a_g = out[spec.content_layer]
            j_content = (a_content - a_g).pow(2).sum() / (4 * a_g[0].numel())
            j_style = sum((targets[name] - gram(out[name])).pow(2).sum() / (2 * out[name][0].numel()) ** 2
                          for name in spec.style_layers) / len(spec.style_layers)
            j_tv = ((generated[..., 1:, :] - generated[..., :-1, :]).pow(2).mean()
                    + (generated[..., :, 1:] - generated[..., :, :-1]).pow(2).mean())
            loss = alpha * j_content + beta * j_style + tv * j_tv
            loss.backward()
            return loss

        for _ in range(steps):
            optimizer.step(closure)
            with torch.no_grad():
                generated.clamp_(0, 1)
        return generated.detach()

    return run


def _style_backbones(ctx: Context) -> list[tuple[str, torch.nn.Module, str]]:
    """(name, model on the device, label): MobileNetV2 (offline weights) and VGG-19 (its weights if here, else random)."""
    out = [("mobilenet_v2", ctx.mobilenet(ctx.device), "MobileNetV2")]
    try:
        vgg, label = zoo.load("vgg19", device=ctx.device, offline=True), "VGG-19"
    except WeightsUnavailable:
        import torchvision

        torch.manual_seed(0)
        vgg, label = torchvision.models.vgg19(weights=None).eval().to(ctx.device), "VGG-19 (random weights)"
    out.append(("vgg19", vgg, label))
    return out


def time_style(ctx: Context, size: int, steps: int, repeats: int = 2) -> list[Timing]:
    dev, rows = ctx.device, []
    content, stylish = _style_pair(size)
    c, s, _ = style.prepare_pair(content, stylish, size)
    c, s = c.to(dev), s.to(dev)
    for name, model, label in _style_backbones(ctx):
        what = f"style transfer, {label}, {size} px, {steps} L-BFGS steps (cvcore.style)"
        if time.perf_counter() > ctx.deadline:
            rows.append(Timing(f"{what}: not run, the time budget was spent", None, "", None))
            continue
        textbook = gatys_textbook(model, style_nets.backbone(name))
        done = []

        def lab(n, name=name, model=model, done=done):
            records = style.transfer(content, stylish, backbone=name, model=model, device=dev, size=size, steps=n,
                                     optimizer="lbfgs", preview_every=max(n, 1))
            done.append(collections.deque(records, maxlen=1)[0].step)  # the last record: how far the run got

        lab(3)  # warm-up: cuDNN and cuBLAS handles, the lab's extractor
        textbook(c, s, 3)
        lab_s, ref_s = [], []
        for _ in range(repeats):  # alternately, so that a drift of the machine hits both alike; the fastest counts
            lab_s.append(timed(lambda: lab(steps), dev))
            ref_s.append(timed(lambda textbook=textbook: textbook(c, s, steps), dev))
        short = min(done[1:])
        note = (f"the lab's run ended after {short} of {steps} steps (diverged): the ratio compares unequal work"
                if short < steps else "")
        rows.append(Timing(what, min(lab_s), f"textbook Gatys loop on {dev}", min(ref_s), note, across=False))
    return rows


def time_fine_tuning(ctx: Context, epochs: int) -> Timing:
    data = _textures(20)  # 5 classes x 20 crops: 75 to train on, 25 to validate; on the CPU, as the lab keeps them
    seconds = []
    for dev in (ctx.device, ctx.reference):
        net = _transfer_net(ctx, dev, "large")
        on = data  # train_classifier moves each batch to the network's device, as in the lab

        def train(n, net=net, on=on):
            for _ in training.train_classifier(net, on, epochs=n, lr=transfer.CASES["large"].lr, batch_size=16,
                                               reports_per_epoch=1):
                pass

        train(1)  # warm-up epoch
        seconds.append(timed(lambda: train(epochs), dev))
    per_s = [epochs * len(data.train_y) / t for t in seconds]
    return Timing(f"full fine-tuning (case 'large'), MobileNetV2, {epochs} epochs of {len(data.train_y)} images + "
                  f"validation (cvcore.networks): {per_s[0]:,.0f} against {per_s[1]:,.0f} training images/s", seconds[0],
                  f"the same on {ctx.reference}", seconds[1], "; ".join(ctx.problems))


def time_maximize(ctx: Context, size: int, steps: int) -> Timing:
    seconds = []
    for dev in (ctx.device, ctx.reference):
        model = ctx.mobilenet(dev)

        def run(n, model=model, dev=dev):
            for _ in maximize.maximize_channel(model, "features.6", 5, size=size, steps=n, device=dev):
                pass

        run(4)
        seconds.append(timed(lambda: run(steps), dev))
    return Timing(f"activation maximization, features.6 channel 5, {size} px, {steps} steps (cvcore.inside)",
                  seconds[0], f"the same on {ctx.reference}", seconds[1])


# ---------------------------------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None) -> str:
    return "-" if value is None else "0" if value == 0 else f"{value:.2e}"


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


_W = 64  # the width of the output column


def print_header(device: torch.device, reference: torch.device) -> None:
    print(f"  {'output (' + str(device) + ' against ' + str(reference) + ')':{_W}}  {'max abs diff':>12}  "
          f"{'tolerance':>26}  result", flush=True)


def print_rows(rows: list[Row], seconds: float | None = None) -> None:
    """One check: its name (and time), then a line per output, then the notes."""
    print(rows[0].check + (f"  [{seconds:.1f} s]" if seconds is not None else ""))
    for r in rows:
        print(f"  {r.output[:_W]:{_W}}  {_fmt(r.diff):>12}  {r.tolerance:>26}  {r.verdict}")
    for note in dict.fromkeys(r.note for r in rows if r.note):
        print(f"    {note}")
    sys.stdout.flush()


def print_timing(t: Timing, device: torch.device) -> None:
    ratio = t.seconds / t.reference_seconds if t.seconds and t.reference_seconds else None
    if ratio is None:
        shown = "-"
    elif t.across:
        shown = f"{ratio:.3f}x ({device} time / reference time: {1 / ratio:.1f} times as fast)"
    else:
        shown = f"{ratio:.3f}x (cvcore time / textbook time)"
    print(f"{t.what}\n    {device}: {_fmt_s(t.seconds)} s; {t.reference or 'reference'}: "
          f"{_fmt_s(t.reference_seconds)} s; ratio {shown}")
    if t.note:
        print(f"    {t.note}")
    sys.stdout.flush()


def describe(dev: torch.device) -> str:
    if dev.type == "cuda":
        return f"{torch.cuda.get_device_name(dev)} ({dev}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()})"
    return str(dev)


# ---------------------------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="the device to check (default cuda)")
    parser.add_argument("--reference", default="cpu", help="the device it is compared with (default cpu)")
    parser.add_argument("--quick", action="store_true", help="a small subset of the comparisons, no timings")
    parser.add_argument("--no-timings", action="store_true", help="the comparisons only")
    parser.add_argument("--only", action="append", default=[], help="checks whose name contains this text")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads (default: all cores)")
    parser.add_argument("--style-size", type=int, default=512)
    parser.add_argument("--style-steps", type=int, default=300)
    parser.add_argument("--budget", type=float, default=420, help="seconds after which no new check or timing starts")
    parser.add_argument("--json", type=Path, help="also write the rows and timings to this file")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    return parser.parse_args(argv)


def _available(name: str) -> tuple[torch.device | None, str]:
    try:
        return resolve_device(name), ""
    except CvcoreError as exc:
        built = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
        return None, f"{exc} (torch {torch.__version__}, built for {built})"


def main(argv=None) -> int:
    args = parse_args(argv)
    chosen = [c for c in CHECKS if (c.quick or not args.quick) and (not args.only or any(s.lower() in c.name.lower() for s in args.only))]
    if args.list:
        print("\n".join(f"{'quick ' if c.quick else '      '}{c.name}" for c in CHECKS))
        return 0
    device, why = _available(args.device)
    reference, why_ref = _available(args.reference)
    if device is None or reference is None:
        print(f"gpu-check: {why or why_ref}.\nNothing was compared and no figures were measured. Run it on a machine "
              "with an NVIDIA GPU, or compare other devices with --device (e.g. --device cpu).")
        return 2
    os.environ.setdefault("CVCORE_OFFLINE", "1")  # never download: the check must run without internet
    if SHARED_WEIGHTS.is_dir():
        os.environ.setdefault("CVCORE_WEIGHTS_DIR", str(SHARED_WEIGHTS))
    torch.set_num_threads(max(1, args.threads))
    started = time.perf_counter()
    ctx = Context(device, reference, args.quick, deadline=started + args.budget)
    print(f"gpu-check: {describe(device)} against {describe(reference)}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")
    print("Comparisons in exact float32 (TF32 off), each output against the reference's, same inputs and weights.\n")
    print_header(device, reference)
    rows: list[Row] = []
    with float32_precision(EXACT_PRECISION):
        for c in chosen:
            if time.perf_counter() - started > args.budget:
                new = [Row(c.name, "-", None, "", None, f"not run: the {args.budget:.0f} s budget was spent")]
                print_rows(new)
            else:
                t0 = time.perf_counter()
                new = run_check(c, ctx)
                print_rows(new, time.perf_counter() - t0)
            rows += new
    timings: list[Timing] = []
    if not (args.quick or args.no_timings or args.only):
        print(f"\nTimings with PyTorch's default precision ({'TF32' if device.type == 'cuda' else 'float32'} "
              f"convolutions on {device.type}), synchronized before and after; ratio = {device.type} time / reference time:")
        # the short ones first: style transfer, the longest, checks the budget before each of its two networks
        jobs = [("activation maximization", lambda: [time_maximize(ctx, 128, 128)]),
                ("full fine-tuning", lambda: [time_fine_tuning(ctx, 3)]),
                ("style transfer", lambda: time_style(ctx, args.style_size, args.style_steps))]
        for what, job in jobs:
            ctx.notes, ctx.problems = [], []
            if time.perf_counter() - started > args.budget:
                new = [Timing(f"{what}: not run, the {args.budget:.0f} s budget was spent", None, "", None)]
            else:
                try:
                    new = job()
                except Exception as exc:  # a timing that cannot run is reported, not hidden
                    new = [Timing(f"{what}: could not run", None, "", None, _first_line(exc))]
            for t in new:
                print_timing(t, device)
            timings += new
    failed = [r for r in rows if r.passed is False]
    skipped = [r for r in rows if r.passed is None]
    peak = (f"; peak {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB allocated on {device}"
            if device.type == "cuda" else "")
    print(f"\n{len(rows) - len(failed) - len(skipped)} passed, {len(failed)} failed, {len(skipped)} skipped "
          f"in {time.perf_counter() - started:.0f} s{peak}.")
    if args.json:
        args.json.write_text(json.dumps({
            "device": str(device), "reference": str(reference), "rows": [r.__dict__ | {"verdict": r.verdict} for r in rows],
            "timings": [t.__dict__ for t in timings]}, indent=2))
    unfinished = [r for r in skipped if r.note.startswith("not run")]
    if unfinished:
        print(f"{len(unfinished)} checks did not run within the budget: the comparison is incomplete.")
    return 1 if failed or unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
