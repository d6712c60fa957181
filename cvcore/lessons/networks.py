"""Lessons and questions of the network labs: architectures, building a CNN, and inside a trained CNN."""

import functools
import re

import torch

from cvcore.conv import layer_parameters, output_size
from cvcore.errors import CvcoreError
from cvcore.lessons.base import LabLessons, Picker, Question, Step, answers, register
from cvcore.networks import architectures, builder
from cvcore.teach import words

__all__ = ["BUILD_INPUT", "architecture_questions", "build_questions", "inside_questions", "mobilenet_block_shape"]

BUILD_INPUT = (1, 28, 28)  # the digits the Build lab trains on, as (C, H, W)


def architecture_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    n, c = pick.int("n", 5, 64), pick.int("c", 1, 64)
    f, k = pick.int("f", 1, 7), pick.int("k", 1, 64)
    n = max(n, f)
    params = layer_parameters(f, c, k)
    out = output_size(n, f)
    return [
        Question(f"A convolutional layer has {k} filters of {f}x{f} on {words.article(c)} {c}-channel input, with a bias each. How many "
                 "learnable parameters?", params, f"(f·f·n_C + 1)·filters = ({f}·{f}·{c} + 1)·{k} = {params}.", fact="params"),
        Question(f"That layer takes {words.article(n)} {n}x{n}x{c} input, stride 1, no padding. How many cells wide is its output?", out,
                 f"n - f + 1 = {n} - {f} + 1 = {out}: the output is {out}x{out}x{k}.", fact="out_side"),
        Question("The layer's output is flattened into a fully connected layer of 10 units. How many weights and "
                 "biases has that layer?", (out * out * k + 1) * 10,
                 f"({out}·{out}·{k} inputs + 1 bias) x 10 units = {(out * out * k + 1) * 10}: fully connected layers "
                 "hold most of a small CNN's parameters.", fact="dense_params"),
    ]


def _first_conv(s: dict) -> tuple[list[builder.LayerSpec], int] | None:
    try:
        specs = builder.parse_specs(str(s.get("layers", "")))
    except CvcoreError:
        return None
    for i, spec in enumerate(specs):
        if spec.kind == "conv":
            return specs, i
    return None


def build_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    found = _first_conv(s) if variant == 0 else None
    if found is None:
        spec = builder.LayerSpec("conv", pick.rng.choice([8, 16, 32]), pick.rng.choice([3, 5]),
                                 pick.rng.choice([1, 2]), pick.rng.choice([0, 1]))
        specs, index = [spec, builder.LayerSpec("relu"), builder.LayerSpec("maxpool", 0, 2, 2, 0)], 0
    else:
        specs, index = found
    spec = specs[index]
    checks = builder.check_network(specs[:index + 1], BUILD_INPUT)
    shape_in = BUILD_INPUT if index == 0 else checks[index - 1].output_shape
    layer = checks[index]
    if layer.error or shape_in is None:
        return []
    c_in, side_in = shape_in[0], shape_in[1]
    side = layer.output_shape[1]
    return [
        Question(f"The first convolution ({spec.size} filters of {spec.kernel}x{spec.kernel}, stride {spec.stride}, "
                 f"padding {spec.padding}) sees {words.article(c_in)} {c_in}x{side_in}x{side_in} input. How many parameters has it?",
                 layer.params, f"({spec.kernel}·{spec.kernel}·{c_in} + 1)·{spec.size} = {layer.params}.", fact="params"),
        Question("How many cells wide is its output map?", side,
                 f"floor(({side_in} + 2·{spec.padding} - {spec.kernel}) / {spec.stride}) + 1 = {side}; the shape is "
                 f"{spec.size}x{side}x{side}.", fact="out_side"),
    ]


@functools.lru_cache(maxsize=64)
def mobilenet_block_shape(block: int, size: int) -> tuple[int, int, int]:
    """(C, H, W) after ``features.<block>`` of MobileNetV2 for a size x size RGB input, computed on the meta device."""
    model = architectures.build("mobilenet_v2", device="meta")
    x = torch.zeros(1, 3, size, size, device="meta")
    with torch.no_grad():
        for layer in list(model.features)[:block + 1]:
            x = layer(x)
    return tuple(x.shape[1:])


def inside_questions(s: dict, variant: int = 0) -> list[Question]:
    # The lab shows the chosen layer's shape (C x H x W) in its Layer box and above its maps, so the questions ask
    # what follows from that shape rather than the shape itself: its size in numbers, another photo size, Grad-CAM.
    pick = Picker(s, variant)
    match = re.fullmatch(r"features\.(\d+)", str(s.get("layer", "")))
    block = int(match.group(1)) if match and variant == 0 and int(match.group(1)) <= 18 else \
        6 if variant == 0 else pick.rng.randint(1, 18)
    size = 224 if variant == 0 else pick.rng.choice([160, 192, 224, 256])
    other = 320 if variant == 0 else pick.rng.choice([m for m in (128, 160, 192, 256, 320) if m != size])
    c, h, _ = mobilenet_block_shape(block, size)
    _, other_h, _ = mobilenet_block_shape(block, other)
    last_c, last_h, _ = mobilenet_block_shape(18, size)
    return [
        Question(f"MobileNetV2 gets {words.article(size)} {size}x{size} photo. How many numbers does features.{block} output in all "
                 "(channels x height x width)?", c * h * h,
                 f"features.{block} outputs {c} maps of {h}x{h}: {c} x {h} x {h} = {c * h * h:,} numbers, the "
                 "activation size the next layer reads.", fact="numbers"),
        Question(f"The same network gets {words.article(other)} {other}x{other} photo instead. How many cells wide is each feature map of "
                 f"features.{block} now?", other_h,
                 f"Its stride-2 convolutions shrink the photo {size // h}-fold before features.{block}, whatever its "
                 f"size: {other} / {size // h} = {other_h} (and {size} / {size // h} = {h} for the {size}x{size} "
                 "photo). The weights do not depend on the photo's size.", fact="other_side"),
        Question(f"Grad-CAM uses the last feature maps (features.18) and stretches them over the {size}x{size} photo. "
                 "How many photo pixels wide is one cell of the heatmap?", size // last_h,
                 f"features.18 is {last_c}x{last_h}x{last_h}: {size} / {last_h} = {size // last_h}; the network has "
                 "shrunk the photo 32-fold, which is why class-activation maps look blocky.", fact="cam_cell"),
    ]


def _shape_text(shape: tuple[int, ...]) -> str:
    """(C, H, W) as the course writes it, HxWxC; (N,) as N."""
    return f"{shape[1]}x{shape[2]}x{shape[0]}" if len(shape) == 3 else str(shape[0])


@functools.lru_cache(maxsize=16)
def _millions(net: str) -> float:
    """A registered architecture's parameters, in millions to one decimal (counted on the meta device)."""
    return round(sum(p.numel() for p in architectures.build(net, device="meta").parameters()) / 1e6, 1)


@functools.lru_cache(maxsize=4)
def _lenet_after_first() -> str:
    rows = architectures.layer_table(architectures.build("lenet5_course", device="meta"), (3, 32, 32))  # the course's LeNet-5-like network
    shapes = [r.output_shape for r in rows if r.kind in ("Conv2d", "AvgPool2d", "MaxPool2d", "Linear")]
    return " -> ".join(_shape_text(shape) for shape in shapes[1:])


@functools.lru_cache(maxsize=16)
def _windows(net: str) -> tuple[str, str]:
    """The sides of a registered architecture's convolution kernels and pooling windows, as "3x3" ("3x3, 1x1" when
    there are several)."""
    model = architectures.build(net, device="meta")

    def sides(kind) -> str:
        found = []
        for module in model.modules():
            if isinstance(module, kind):
                size = module.kernel_size
                side = size[0] if isinstance(size, tuple) else size
                if f"{side}x{side}" not in found:
                    found.append(f"{side}x{side}")
        return ", ".join(found)

    return sides(torch.nn.Conv2d), sides((torch.nn.MaxPool2d, torch.nn.AvgPool2d))


def _architecture_notes(s: dict) -> dict:
    net = str(s.get("net", "lenet5_course"))
    kernels, pools = _windows(net)
    values = {"n": int(s.get("n", 32)), "c": int(s.get("c", 3)), "k": int(s.get("k", 6)), "kernels": kernels,
              "pools": pools, "millions": _millions(net), **answers(architecture_questions(s))}
    if s.get("net") == "lenet5_course":
        values["rest"] = _lenet_after_first()
    return values


def _build_notes(s: dict) -> dict:
    specs = builder.parse_specs(str(s.get("layers", "")))
    checks = builder.check_network(specs, BUILD_INPUT)
    first = next(i for i, spec in enumerate(specs) if spec.kind == "conv")
    side_in = (BUILD_INPUT if first == 0 else checks[first - 1].output_shape)[1]
    return {"f": specs[first].kernel, "shrink": side_in - checks[first].output_shape[1],
            "total": sum(c.params for c in checks), **answers(build_questions(s))}


def _inside_notes(s: dict) -> dict:
    return {"cam": mobilenet_block_shape(18, 224)[1], **answers(inside_questions(s))}


register(LabLessons("arch", "Architectures", (
    Step("LeNet-5 as in the course", {"net": "lenet5_course", "size": 0, "n": 32, "c": 3, "f": 5, "k": 8},
         "{n}x{n}x{c} -> {out_side}x{out_side}x{k} -> {rest}: sizes shrink, channels grow. The layer calculator "
         "holds the first convolution.", _architecture_notes),
    Step("AlexNet", {"net": "alexnet"},
         "About {millions} million parameters, most of them in the fully connected layers at the end.",
         _architecture_notes),
    Step("VGG-16", {"net": "vgg16"},
         "Only {kernels} convolutions and {pools} pooling, doubling the channels: simple and about {millions} million "
         "parameters.", _architecture_notes),
    Step("ResNet-50", {"net": "resnet50"},
         "Residual blocks with 1x1 bottlenecks: deeper than VGG, with far fewer parameters (about {millions} "
         "million).", _architecture_notes),
    Step("MobileNetV2", {"net": "mobilenet_v2"},
         "Depthwise-separable convolutions: about {millions} million parameters, the offline model of the other labs.",
         _architecture_notes),
), architecture_questions))

register(LabLessons("build", "Build your own CNN", (
    Step("The default network", {"layers": "conv-32-3-1-0_relu_maxpool-0-2-2-0_conv-64-3-1-0_relu_maxpool-0-2-2-0_conv-128-3-1-0_relu_flatten_linear-64-3-1-0_relu_linear-10-3-1-0"},
         "Read the shape table: every {f}x{f} convolution takes {shrink} cells off, every pooling halves.",
         _build_notes),
    Step("A tiny network", {"layers": "conv-8-3-1-1_relu_maxpool-0-2-2-0_flatten_linear-10-3-1-0", "epochs": 3},
         "One convolution with 'same' padding, one pooling, one linear layer: {total} parameters.", _build_notes),
    Step("A layer that does not fit", {"layers": "conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_flatten_linear-10-3-1-0"},
         "The maps shrink too fast: the message above the table names the layer whose input is too small, and why."),
    Step("Compare with batch norm", {"compare": "batchnorm", "epochs": 5},
         "Train, then compare: with batch normalisation the same network often learns faster."),
), build_questions))

register(LabLessons("inside", "Inside a trained CNN", (
    Step("Feature maps", {"view": "maps", "pic_sample": "chelsea"},
         "Each tile is one channel of a mid-level layer: bright where that filter responds on the cat."),
    Step("An early layer's filters", {"view": "filters"},
         "The first layer's filters look like edges and colour blobs, as the course shows for AlexNet."),
    Step("Grad-CAM heatmaps", {"view": "heatmaps", "pic_sample": "coffee", "methods": "grad_cam,layer_cam"},
         "Where the network looked for its top class: Grad-CAM is coarse ({cam}x{cam}), LayerCAM sharper.",
         _inside_notes),
    Step("What a unit likes", {"view": "units", "channel": 5},
         "The nine image patches that excite one channel most: often a texture or a part of an object."),
), inside_questions))
