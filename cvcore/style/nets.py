"""The backbones neural style transfer reads its activations from, and their layers.

- ``"vgg19"``: the classic choice (Gatys et al.), content ``conv4_2``, style ``conv1_1`` ... ``conv5_1``, each
  read after its ReLU; its max-pooling can be replaced by average pooling (as the paper suggests).
- ``"mobilenet_v2"``: the offline default. Its block outputs are linear bottlenecks (no ReLU) and stylise
  poorly; the ReLU6 activations *inside* the blocks (after each block's 1x1 expansion) stylise well.

Activations come from ``torchvision``'s ``create_feature_extractor``: a new traced module that shares the
pretrained weights but never changes or hooks the (possibly shared) model. One extractor is built per
model, layers and pooling, and kept while the model lives.
"""

import threading
import weakref
from dataclasses import dataclass

from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor

from cvcore._fx_threads import traced
from cvcore.errors import InvalidParameter

__all__ = ["Backbone", "BACKBONES", "backbone", "extractor"]


@dataclass(frozen=True)
class Backbone:
    """A network for style transfer: its zoo name, layers (node -> readable label) and default choices."""

    name: str
    label: str
    layers: dict[str, str]  # feature-extraction node -> label, shallow to deep
    content_layer: str
    style_layers: tuple[str, ...]
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def label_of(self, node: str) -> str:
        return self.layers.get(node, node)


_VGG_LAYERS = {f"features.{i}": label for i, label in (
    (1, "conv1_1"), (3, "conv1_2"), (6, "conv2_1"), (8, "conv2_2"), (11, "conv3_1"), (13, "conv3_2"), (15, "conv3_3"),
    (17, "conv3_4"), (20, "conv4_1"), (22, "conv4_2"), (24, "conv4_3"), (26, "conv4_4"), (29, "conv5_1"), (31, "conv5_2"))}
_MOBILENET_LAYERS = {"features.0": "stem (conv 3x3, stride 2)"}
_MOBILENET_LAYERS.update({f"features.{i}.conv.0": f"block {i} expansion" for i in range(2, 18)})

BACKBONES = {b.name: b for b in (
    Backbone("vgg19", "VGG-19 (the classic choice)", _VGG_LAYERS, "features.22",
             ("features.1", "features.6", "features.11", "features.20", "features.29")),
    Backbone("mobilenet_v2", "MobileNetV2 (offline)", _MOBILENET_LAYERS, "features.7.conv.0",
             ("features.0", "features.3.conv.0", "features.6.conv.0", "features.9.conv.0", "features.15.conv.0")),
)}

_EXTRACTORS: weakref.WeakKeyDictionary[nn.Module, dict] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def backbone(name: str) -> Backbone:
    """The backbone called ``name`` ("vgg19" or "mobilenet_v2").

    >>> backbone("vgg19").label_of(backbone("vgg19").content_layer)
    'conv4_2'
    """
    if name not in BACKBONES:
        raise InvalidParameter(f"backbone must be one of {sorted(BACKBONES)}, got {name!r}")
    return BACKBONES[name]


class _Trunk(nn.Module):
    """The model's ``features`` up to the deepest layer needed, sharing its modules (max-pools optionally swapped)."""

    def __init__(self, features: nn.Sequential, depth: int, avg_pool: bool):
        super().__init__()
        parts = list(features)[:depth + 1]
        if avg_pool:
            parts = [nn.AvgPool2d(m.kernel_size, m.stride, m.padding) if isinstance(m, nn.MaxPool2d) else m for m in parts]
        self.features = nn.Sequential(*parts)

    def forward(self, x):
        return self.features(x)


def extractor(model: nn.Module, spec: Backbone, layers: tuple[str, ...], *, avg_pool: bool = False) -> nn.Module:
    """A module mapping a normalised image Tensor[B, 3, H, W] to ``{layer: Tensor[B, C, h, w]}``.

    ``model`` is a torchvision ``vgg19`` or ``mobilenet_v2`` (pretrained or not); it is not modified.
    """
    layers = tuple(dict.fromkeys(layers))
    unknown = [name for name in layers if name not in spec.layers]
    if unknown or not layers:
        raise InvalidParameter(f"layers must be among {spec.name}'s {list(spec.layers)[:4]} ..., got {list(unknown) or 'none'}")
    if avg_pool and spec.name != "vgg19":
        raise InvalidParameter(f"average pooling replaces VGG's max-pooling; expected backbone 'vgg19', got {spec.name!r}")
    key = (layers, avg_pool)
    with _LOCK:
        cache = _EXTRACTORS.setdefault(model, {})
        if key not in cache:
            depth = max(int(name.split(".")[1]) for name in layers)
            trunk = _Trunk(model.features, depth, avg_pool).eval()
            cache[key] = traced(lambda: create_feature_extractor(trunk, return_nodes={name: name for name in layers})).eval()
        return cache[key]
