"""Intermediate activations of a pretrained CNN, computed without hooks on the shared model.

``torchvision.models.feature_extraction.create_feature_extractor`` builds a new, traced
module that returns the requested layers; the cached model itself is never modified, so
any number of sessions can use it at once. Layers are named as feature-extraction nodes
(``"features.18"`` is MobileNetV2's last convolutional stage, ``"layer4"`` ResNet's).
"""

import copy
import threading
import weakref
from dataclasses import dataclass

import torch
from PIL import Image
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names
from torchvision.transforms import functional as TF

from cvcore._fx_threads import traced
from cvcore.errors import InvalidParameter
from cvcore.images import to_tensor
from cvcore.zoo import ModelEntry

__all__ = [
    "LayerInfo",
    "Prediction",
    "preprocess",
    "crop",
    "extract",
    "layer_activations",
    "extract_with_logits",
    "output_node",
    "layer_list",
    "conv_layers",
    "conv_outputs",
    "predict",
    "rank_channels",
    "journey",
    "hooked_activation",
]

_EXTRACTORS: weakref.WeakKeyDictionary[torch.nn.Module, dict] = weakref.WeakKeyDictionary()
_NODES: weakref.WeakKeyDictionary[torch.nn.Module, tuple[str, ...]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_RANKINGS = ("mean", "max")


@dataclass(frozen=True)
class LayerInfo:
    """One layer of the readable list: its node name, module type and output shape (C, H, W)."""

    name: str
    kind: str
    shape: tuple[int, ...]

    def label(self) -> str:
        c, h, w = self.shape
        return f"{self.name}  ({self.kind}, {c} x {h} x {w})"


@dataclass(frozen=True)
class Prediction:
    index: int
    label: str
    probability: float


def preprocess(image: Image.Image, entry: ModelEntry) -> torch.Tensor:
    """Resize, centre-crop and normalise an image the way ``entry``'s weights expect.

    Returns:
        Tensor[1, channels, crop, crop] (float32): 3 channels, or 1 for a grayscale network
    """
    x = TF.normalize(to_tensor(crop(image, entry)), entry.mean, entry.std)
    return x[None]


def crop(image: Image.Image, entry: ModelEntry) -> Image.Image:
    """What the network sees, before normalisation: resized (shorter side ``entry.resize``), centre-cropped to
    ``entry.crop``, in RGB or L as the network expects."""
    rgb = image.convert("RGB" if entry.channels == 3 else "L")
    rgb = TF.resize(rgb, entry.resize, interpolation=TF.InterpolationMode.BILINEAR)
    return TF.center_crop(rgb, entry.crop)


def _node_names(model: torch.nn.Module) -> tuple[str, ...]:
    with _LOCK:
        if model not in _NODES:
            _NODES[model] = tuple(traced(lambda: get_graph_node_names(model))[1])  # eval-mode graph, in order
        return _NODES[model]


def _addressable(model: torch.nn.Module) -> set[str]:
    """Node names and the modules that contain nodes ("layer4" for "layer4.1.relu"): what an extractor can return.

    Submodules of modules that torchvision traces as one leaf (e.g. the Conv2d inside a
    ``Conv2dNormActivation``) are not addressable: their outputs never appear in the graph.
    """
    nodes = set(_node_names(model))
    prefixes = {name.rsplit(".", i)[0] for name in nodes for i in range(1, name.count(".") + 1)}
    return nodes | prefixes


def output_node(model: torch.nn.Module) -> str:
    """The name of the node that produces the model's output (its logits for a classifier)."""
    return _node_names(model)[-1]


def _check_layers(model: torch.nn.Module, layers) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = (layers,)
    layers = tuple(layers)
    if not layers:
        raise InvalidParameter("layers must name at least one layer, got none")
    known = _addressable(model)
    missing = [name for name in layers if name not in known]
    if missing:
        raise InvalidParameter(f"layers must be layers of the model (e.g. {_node_names(model)[len(_node_names(model)) // 2]!r}), "
                               f"got unknown {missing}")
    return layers


def _extractor(model: torch.nn.Module, layers: tuple[str, ...]) -> torch.nn.Module:
    with _LOCK:
        per_model = _EXTRACTORS.setdefault(model, {})
        if layers not in per_model:
            per_model[layers] = traced(lambda: create_feature_extractor(model, {name: name for name in layers})).eval()
        return per_model[layers]


def extract(model: torch.nn.Module, x: torch.Tensor, layers: list[str] | tuple[str, ...] | str, *,
            grad: bool = False) -> dict[str, torch.Tensor]:
    """The outputs of the named layers for input ``x`` (Tensor[B, 3, H, W]), on ``x``'s device.

    With ``grad=True`` the outputs stay in the autograd graph, for ``torch.autograd.grad``
    (never ``.backward()``, which would write into the shared model's ``.grad`` fields).

    Raises:
        InvalidParameter: a name that is not a layer of the model.

    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> extract(net, torch.zeros(1, 1, 5, 5), ["0"])["0"].shape
    torch.Size([1, 2, 3, 3])
    """
    layers = _check_layers(model, layers)
    if grad:
        with torch.enable_grad():
            return dict(_extractor(model, layers)(x))
    with torch.inference_mode():
        return dict(_extractor(model, layers)(x))


layer_activations = extract  # the name the first labs used


def extract_with_logits(model: torch.nn.Module, x: torch.Tensor, layer: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(activation of layer, model output)`` in one pass, both part of the autograd graph.

    Gradients can then be taken with ``torch.autograd.grad``, which never touches the shared
    model's ``.grad`` fields.
    """
    (layer,) = _check_layers(model, layer)
    out = output_node(model)
    if layer == out:
        raise InvalidParameter(f"layer must be a layer before the output, got the output node {layer!r}")
    with torch.enable_grad():
        result = _extractor(model, (layer, out))(x)
    return result[layer], result[out]


def _blocks(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """The top-level modules, with Sequential containers opened one level (features.0, layer1.1, ...)."""
    blocks = []
    for name, child in model.named_children():
        if isinstance(child, torch.nn.Sequential):
            blocks.extend((f"{name}.{sub}", module) for sub, module in child.named_children())
        else:
            blocks.append((name, child))
    return blocks


def layer_list(model: torch.nn.Module, size: int = 224, channels: int = 3) -> list[LayerInfo]:
    """The model's blocks that output feature maps, in order, with their output shapes for a size x size input.

    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.MaxPool2d(2), torch.nn.Flatten())
    >>> [(layer.name, layer.shape) for layer in layer_list(net, 10)]
    [('0', (4, 8, 8)), ('1', (4, 4, 4))]
    """
    blocks = _blocks(model)
    device = next(model.parameters()).device
    known = set(_node_names(model))
    names = tuple(name for name, _ in blocks if name in known or any(n.startswith(name + ".") for n in known))
    outputs = extract(model, torch.zeros(1, channels, size, size, device=device), names)
    kinds = dict(blocks)
    return [LayerInfo(name, type(kinds[name]).__name__, tuple(outputs[name].shape[1:]))
            for name in names if outputs[name].dim() == 4 and outputs[name].shape[2] * outputs[name].shape[3] > 1]


def conv_layers(model: torch.nn.Module) -> list[str]:
    """The names of every ``Conv2d`` of the model (whose weights can be shown), in definition order."""
    return [name for name, module in model.named_modules() if isinstance(module, torch.nn.Conv2d)]


def conv_outputs(model: torch.nn.Module) -> list[str]:
    """Every layer whose output is a convolution's (a ``Conv2d``, or a traced-as-one block that holds one), in order.

    These are the layers a heatmap can be taken at; in MobileNetV2 a Conv2d followed by its
    normalisation and ReLU6 counts as one (``features.0``), since that is how it is traced.
    """
    modules = dict(model.named_modules())
    nodes = _node_names(model)
    names = set(nodes)
    leaves = [n for n in nodes if n in modules and not any(other.startswith(n + ".") for other in names)]
    return [n for n in leaves if isinstance(modules[n], torch.nn.Conv2d)
            or any(isinstance(m, torch.nn.Conv2d) for m in modules[n].modules())]


def predict(model: torch.nn.Module, x: torch.Tensor, categories, k: int = 5) -> list[Prediction]:
    """The top-``k`` classes for one image ``x`` (Tensor[1, 3, H, W]) with their softmax probabilities."""
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, 3, H, W], got shape {tuple(x.shape)}")
    with torch.inference_mode():
        probs = model(x).softmax(-1)[0].float().cpu()
    if len(categories) != probs.numel():
        raise InvalidParameter(f"categories must have one name per output ({probs.numel()}), got {len(categories)}")
    top = probs.topk(min(k, probs.numel()))
    return [Prediction(int(i), str(categories[int(i)]), float(p)) for p, i in zip(top.values, top.indices, strict=True)]


def rank_channels(activation: torch.Tensor, by: str = "mean") -> torch.Tensor:
    """Channel indices of ``activation`` (Tensor[C, H, W]), strongest first, by their mean or max.

    >>> a = torch.zeros(3, 2, 2); a[1] += 1; a[2, 0, 0] = 5
    >>> rank_channels(a, "mean").tolist(), rank_channels(a, "max").tolist()
    ([2, 1, 0], [2, 1, 0])
    >>> a[2] = 0; a[2, 0, 0] = 2; rank_channels(a, "mean").tolist(), rank_channels(a, "max").tolist()
    ([1, 2, 0], [2, 1, 0])
    """
    if by not in _RANKINGS:
        raise InvalidParameter(f"by must be one of {_RANKINGS}, got {by!r}")
    if activation.dim() != 3:
        raise InvalidParameter(f"activation must be Tensor[C, H, W], got shape {tuple(activation.shape)}")
    flat = activation.flatten(1).float()
    score = flat.mean(1) if by == "mean" else flat.amax(1)
    return torch.argsort(score, descending=True, stable=True)


def journey(layers: list[LayerInfo]) -> list[LayerInfo]:
    """One layer per stage: the last layer at each spatial size, from edges (large maps) to parts (small ones).

    >>> js = journey([LayerInfo("a", "Conv", (8, 56, 56)), LayerInfo("b", "Conv", (16, 56, 56)), LayerInfo("c", "Conv", (32, 28, 28))])
    >>> [layer.name for layer in js]
    ['b', 'c']
    """
    stages: dict[tuple[int, int], LayerInfo] = {}
    for layer in layers:
        stages[layer.shape[1:]] = layer
    return list(stages.values())


def hooked_activation(model: torch.nn.Module, x: torch.Tensor, layer: str) -> torch.Tensor:
    """The output of module ``layer`` caught by a forward hook on a private copy of the model.

    An independent way to get what ``extract`` returns, for checks; the hook is removed in any case.
    """
    twin = copy.deepcopy(model).eval()
    try:
        module = twin.get_submodule(layer)
    except AttributeError:
        raise InvalidParameter(f"layer must be a module of the model, got {layer!r}") from None
    caught = []
    handle = module.register_forward_hook(lambda _module, _inputs, output: caught.append(output.detach()))
    try:
        with torch.inference_mode():
            twin(x)
    finally:
        handle.remove()
    return caught[-1]
