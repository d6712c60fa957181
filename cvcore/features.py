"""Intermediate activations of a pretrained CNN, computed without hooks on the shared model.

``torchvision.models.feature_extraction.create_feature_extractor`` builds a new, traced
module that returns the requested layers; the cached model itself is never modified, so
any number of sessions can use it at once.
"""

import threading
import weakref

import torch
from PIL import Image
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.transforms import functional as TF

from cvcore.errors import InvalidParameter
from cvcore.images import to_tensor
from cvcore.zoo import ModelEntry

__all__ = ["preprocess", "layer_activations"]

_EXTRACTORS: "weakref.WeakKeyDictionary[torch.nn.Module, dict]" = weakref.WeakKeyDictionary()
_EXTRACTORS_LOCK = threading.Lock()


def preprocess(image: Image.Image, entry: ModelEntry) -> torch.Tensor:
    """Resize, centre-crop and normalise an image the way ``entry``'s weights expect.

    Returns:
        Tensor[1, 3, crop, crop] (float32)
    """
    rgb = image.convert("RGB")
    rgb = TF.resize(rgb, entry.resize, interpolation=TF.InterpolationMode.BILINEAR)
    rgb = TF.center_crop(rgb, entry.crop)
    x = TF.normalize(to_tensor(rgb), entry.mean, entry.std)
    return x[None]


def _extractor(model: torch.nn.Module, layers: "tuple[str, ...]") -> torch.nn.Module:
    with _EXTRACTORS_LOCK:
        per_model = _EXTRACTORS.setdefault(model, {})
        if layers not in per_model:
            per_model[layers] = create_feature_extractor(model, {name: name for name in layers}).eval()
        return per_model[layers]


def layer_activations(model: torch.nn.Module, x: torch.Tensor, layers: "list[str] | tuple[str, ...]") -> "dict[str, torch.Tensor]":
    """The outputs of the named layers for input ``x`` (Tensor[B, 3, H, W]), on ``x``'s device.

    Raises:
        InvalidParameter: a name that is not a layer of the model.

    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> layer_activations(net, torch.zeros(1, 1, 5, 5), ["0"])["0"].shape
    torch.Size([1, 2, 3, 3])
    """
    names = dict(model.named_modules())
    missing = [name for name in layers if name not in names]
    if missing:
        raise InvalidParameter(f"layers must be module names of the model, got unknown {missing}")
    with torch.inference_mode():
        return dict(_extractor(model, tuple(layers))(x))
