"""Runnable PyTorch code for the model labs: feature maps and heatmaps (torchvision, Captum), IoU and NMS."""

import torchvision

from cvcore.attribution import PIXEL, method
from cvcore.errors import InvalidParameter
from cvcore.images import sample_names
from cvcore.zoo import registry

__all__ = ["feature_snippet", "heatmap_snippet", "unit_snippet", "iou_snippet", "nms_snippet"]

_CAPTUM_CALLS = {  # how the snippet calls each Captum class that computes a pixel method (``Method.captum``)
    "IntegratedGradients": "IntegratedGradients(model).attribute(x, target=target, n_steps={steps})",
    "Saliency": "Saliency(model).attribute(x, target=target, abs=True)",
    "Occlusion": "Occlusion(model).attribute(x, target=target, sliding_window_shapes=({c}, {window}, {window}), "
                 "strides=({c}, {stride}, {stride}), baselines=0.0)",
    "GuidedGradCam": "GuidedGradCam(model, model.get_submodule({layer!r})).attribute(x, target=target)",
}


def _head(model: str, sample: str | None) -> list[str]:
    entries = registry()
    if model not in entries:
        raise InvalidParameter(f"model must be one of {sorted(entries)}, got {model!r}")
    if sample is not None and sample not in sample_names():
        raise InvalidParameter(f"sample must be one of {sorted(sample_names())}, got {sample!r}")
    entry = entries[model]
    enum = next(name for name in dir(torchvision.models) if name.lower() == f"{entry.builder}_weights")
    extra = "".join(f", {key}={value!r}" for key, value in entry.builder_kwargs if key != "init_weights")
    lines = [
        "import torch",
        "import torchvision",
        "from PIL import Image",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "",
        f"weights = torchvision.models.{enum}.IMAGENET1K_V1",
        f"model = torchvision.models.{entry.builder}(weights=weights{extra}).eval()  # downloads once into torch hub's cache",
    ]
    if sample is None:
        lines.append('image = Image.open("your_photo.jpg").convert("RGB")  # your own photo')
    else:
        lines += ["from skimage import data", f"image = Image.fromarray(data.{sample}()).convert(\"RGB\")"]
    lines.append(f"x = weights.transforms()(image)[None]  # resize {entry.resize}, centre crop {entry.crop}, normalise: "
                 f"[1, 3, {entry.crop}, {entry.crop}]")
    return lines


def feature_snippet(model: str, sample: str | None, layer: str, channel: int, *, head: list[str] | None = None) -> str:
    """Code that prints a layer's output shape and its most active channels, and keeps ``channel``'s map.

    ``head`` replaces the lines that build ``model`` and ``x`` (for a network trained in the app).

    >>> "create_feature_extractor(model, {'features.6': 'maps'})" in feature_snippet("mobilenet_v2", "chelsea", "features.6", 3)
    True
    """
    lines = (head if head is not None else _head(model, sample)) + [
        "",
        f"extractor = create_feature_extractor(model, {{{layer!r}: 'maps'}})  # no hooks left on the model",
        "with torch.no_grad():",
        "    maps = extractor(x)['maps'][0]  # [C, h, w]",
        "print('output shape', tuple(maps.shape))",
        "print('most active channels', maps.flatten(1).mean(1).argsort(descending=True)[:8].tolist())",
        f"channel = maps[{channel}]",
        "print('channel', " + str(channel) + ", 'min', channel.min().item(), 'max', channel.max().item())",
    ]
    return "\n".join(lines) + "\n"


def heatmap_snippet(model: str, sample: str | None, target: int, layer: str, methods, *, output: str,
                    class_name: str = "", steps: int = 32, window: int = 56, head: list[str] | None = None) -> str:
    """Code that computes Grad-CAM by hand (one pass, ``torch.autograd.grad``) and the chosen pixel methods with
    Captum (``methods`` are names of ``cvcore.attribution.METHODS``).

    ``output`` is the node that gives the logits (``features.output_node``); ``head`` replaces the
    lines that build ``model`` and ``x`` (for a network trained in the app).

    >>> code = heatmap_snippet("mobilenet_v2", None, 281, "features.18", ["grad_cam", "saliency"], output="classifier.1")
    >>> "Saliency(model)" in code and "autograd.grad" in code
    True
    """
    class_name = class_name or (registry()[model].categories[target] if model in registry() else str(target))
    channels = 3 if head is None else 1
    lines = (head if head is not None else _head(model, sample)) + [
        "import torch.nn.functional as F",
        "",
        f"target = {target}  # {class_name}",
        f"extractor = create_feature_extractor(model, {{{layer!r}: 'A', {output!r}: 'logits'}})",
        "out = extractor(x)",
        "A, logits = out['A'], out['logits']  # A: [1, C, h, w]",
        "(grad,) = torch.autograd.grad(logits[0, target], A)  # dy^c / dA, [1, C, h, w]",
        "alpha = grad.mean(dim=(2, 3), keepdim=True)  # Grad-CAM: one weight per map, the average gradient",
        "cam = F.relu((alpha * A).sum(1, keepdim=True))  # [1, 1, h, w]",
        "cam = F.interpolate(cam, size=x.shape[2:], mode='bilinear', align_corners=False)[0, 0]",
        "cam = (cam - cam.min()) / (cam.max() - cam.min())  # [H, W] in [0, 1]",
        "print('Grad-CAM peak at (row, column)', divmod(int(cam.argmax()), cam.shape[1]))",
    ]
    captum = [m for m in map(method, methods) if m.family == PIXEL]
    if captum:
        lines += ["", f"from captum.attr import {', '.join(m.captum for m in captum)}"]
        for m in captum:
            call = _CAPTUM_CALLS[m.captum].format(steps=steps, window=window, stride=max(1, window // 2), layer=layer,
                                                  c=channels)
            lines.append(f"{m.name} = {call}  # [1, {channels}, H, W]")
            lines.append(f"print({m.name!r}, tuple({m.name}.shape))")
    return "\n".join(lines) + "\n"


def iou_snippet(a, b) -> str:
    """Code that computes the IoU of two boxes with torchvision.

    >>> scope = {}; exec(iou_snippet((0, 0, 2, 2), (1, 1, 3, 3)), scope); round(float(scope["iou"]), 4)  # doctest: +ELLIPSIS
    0.14285...
    0.1429
    """
    return "\n".join([
        "import torch",
        "from torchvision.ops import box_iou",
        "",
        f"a = torch.tensor([[{', '.join(f'{float(v):g}' for v in a)}]])  # (x1, y1, x2, y2)",
        f"b = torch.tensor([[{', '.join(f'{float(v):g}' for v in b)}]])",
        "iou = box_iou(a, b)[0, 0]  # intersection area / union area",
        "print(float(iou))",
    ]) + "\n"


def nms_snippet(seed: int, *, score_threshold: float, iou_threshold: float, per_class: bool) -> str:
    """Code that runs the lab's tiny YOLO on a shapes-world scene and applies torchvision's NMS (run from the
    project's folder, which holds ``cvcore`` and ``assets/tiny_yolo.pt``)."""
    call = (f"batched_nms(boxes[idx], scores[idx], labels[idx], {iou_threshold:g})" if per_class
            else f"nms(boxes[idx], scores[idx], {iou_threshold:g})")
    return "\n".join([
        "import torch",
        f"from torchvision.ops import {'batched_nms' if per_class else 'nms'}",
        "from cvcore.data import shapes  # this project's engine",
        "from cvcore.detect import yolo",
        "",
        "model = yolo.load_tiny_yolo()  # assets/tiny_yolo.pt",
        f"scene = shapes.scene({seed})",
        "with torch.no_grad():",
        "    volume = yolo.decode(model(scene.image[None]), model.config)[0]  # [S, S, B, 5 + C]",
        "boxes, scores, labels = yolo.detections(volume, model.config)  # every cell and anchor, before NMS",
        f"idx = (scores > {score_threshold:g}).nonzero().flatten()  # discard p_c <= {score_threshold:g}",
        f"keep = idx[{call}]",
        "print('kept', keep.tolist())",
    ]) + "\n"


def unit_snippet(model: str, sample: str | None, unit, channel: int, row: int, col: int, *,
                 head: list[str] | None = None) -> str:
    """Code that recomputes one output value of the convolution ``unit`` (a ``cvcore.inside.unit_trace.ConvUnit``)
    by hand, from the previous activations and the layer's weights, and prints it beside the network's own.

    ``head`` replaces the lines that build ``model`` and ``x`` (for a network trained in the app).

    >>> from cvcore.inside.unit_trace import ConvUnit
    >>> unit = ConvUnit("features.0", "features.0.0", "features.0.1", "ReLU6", "features.0", None, "features.0")
    >>> "value = z.clamp(0, 6)" in unit_snippet("mobilenet_v2", "chelsea", unit, 5, 0, 0)
    True
    """
    nodes = {{"output": "after", "input": "before"}.get(role, role): node for role, node in unit.nodes().items()}
    names = ", ".join(f"{node!r}: {key!r}" for key, node in nodes.items())
    activation = {"ReLU6": "value = z.clamp(0, 6)  # ReLU6", "ReLU": "value = z.clamp(min=0)  # ReLU",
                  "tanh": "value = torch.tanh(z)"}.get(unit.activation, "value = z  # no activation: a linear layer")
    lines = (head if head is not None else _head(model, sample)) + [
        "",
        f"extractor = create_feature_extractor(model, {{{names}}})  # no hooks left on the model",
        "with torch.no_grad():",
        "    maps = {name: out[0] for name, out in extractor(x).items()}",
        "a = maps['before']  # the previous layer's activations [C_in, H, W]" if unit.input is not None
        else "a = x[0]  # the network's input [C_in, H, W]",
        f"conv = model.get_submodule({unit.conv!r})",
        f"k, row, col = {int(channel)}, {int(row)}, {int(col)}  # output channel, row, column",
        "(sh, sw), (ph, pw), (dh, dw), (kh, kw) = conv.stride, conv.padding, conv.dilation, conv.kernel_size",
        "per_group = conv.in_channels // conv.groups  # all input channels, or one for a depthwise filter",
        "first = k // (conv.out_channels // conv.groups) * per_group  # the first input channel this filter sees",
        "padded = torch.nn.functional.pad(a[first:first + per_group], (pw, pw, ph, ph))  # zero padding",
        "window = padded[:, row * sh:row * sh + dh * (kh - 1) + 1:dh, col * sw:col * sw + dw * (kw - 1) + 1:dw]",
        "with torch.no_grad():",
        "    products = window * conv.weight[k]  # [C_g, kh, kw]",
        "    s = products.sum() + (conv.bias[k] if conv.bias is not None else 0)",
    ]
    if unit.bn is not None:
        lines += [f"    bn = model.get_submodule({unit.bn!r})",
                  "    z = (s - bn.running_mean[k]) / torch.sqrt(bn.running_var[k] + bn.eps) * bn.weight[k] + bn.bias[k]"]
    else:
        lines.append("    z = s")
    lines += [f"    {activation}",
              "print('by hand', value.item(), 'network', maps['after'][k, row, col].item())"]
    if unit.block is not None:
        shortcut = "maps['shortcut']" if unit.shortcut is not None else "x[0]"
        lines.append(f"print('after the block adds its input', (value + {shortcut}[k, row, col]).item(), "
                     "'network', maps['block'][k, row, col].item())")
    return "\n".join(lines) + "\n"
