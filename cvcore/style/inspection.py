"""Looking inside neural style transfer: what a Gram matrix measures, and what each layer keeps.

- ``layer_grams``: the Gram matrices of the style and the generated image at one layer, and the two channels
  whose maps are most correlated in the style image (the course's "how correlated are the channels").
- ``reconstruct``: an image optimised from noise to match *only* the content of one layer, or *only* the style of
  some layers; shallow layers keep pixels and fine texture, deep layers keep layout and larger patterns.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from cvcore.errors import InvalidParameter
from cvcore.style.gatys import StyleProgress, StyleSettings, gram_matrix, prepare_pair, smooth, transfer
from cvcore.style.nets import backbone, extractor

__all__ = ["GramView", "layer_grams", "reconstruct"]


@dataclass(frozen=True)
class GramView:
    """Gram matrices at one layer (divided by n_H n_W, so the two sizes compare) and the most correlated pair."""

    layer: str
    gram_style: torch.Tensor  # [C, C]
    gram_generated: torch.Tensor  # [C, C]
    pair: tuple[int, int]  # channels k, k' of the style image most correlated (k != k')
    correlation: float  # Pearson correlation of the two maps over positions
    maps: tuple[np.ndarray, np.ndarray]  # the two channels' maps in the style image, float [h, w]
    channels: int
    map_size: tuple[int, int]


def layer_grams(style, generated, *, backbone_name: str, model: torch.nn.Module, layer: str, size: int = 192,
                smoothing: bool = False, channels: int = 32) -> GramView:
    """Gram matrices of ``style`` and ``generated`` (PIL images or tensors) at ``layer``, for the first ``channels``.

    Both images are resized to ``size`` (the style one cropped to the generated image's shape first).
    """
    spec = backbone(backbone_name)
    if layer not in spec.layers:
        raise InvalidParameter(f"layer must be one of {spec.name}'s layers, got {layer!r}")
    if not 2 <= channels <= 512:
        raise InvalidParameter(f"channels must be between 2 and 512, got {channels}")
    g, s, _ = prepare_pair(generated, style, size)
    device = next(model.parameters()).device
    net = extractor(model, spec, (layer,))
    mean, std = torch.tensor(spec.mean, device=device).view(1, 3, 1, 1), torch.tensor(spec.std, device=device).view(1, 3, 1, 1)
    with torch.no_grad():
        acts = [net((x[None].to(device) - mean) / std)[layer] for x in (s, g)]
        if smoothing:
            acts = [smooth(a) for a in acts]
    a_s, a_g = (a[:, :channels].cpu().double() for a in acts)  # [1, C, h, w]
    h, w = a_s.shape[2:]
    gram_s, gram_g = gram_matrix(a_s)[0] / (h * w), gram_matrix(a_g)[0] / (h * w)
    flat = a_s[0].flatten(1)  # [C, h*w]
    corr = torch.nan_to_num(torch.corrcoef(flat), nan=0.0)
    corr.fill_diagonal_(-2.0)
    k = int(corr.argmax())
    i, j = divmod(k, corr.shape[1])
    return GramView(layer, gram_s, gram_g, (i, j), float(corr[i, j]), (a_s[0, i].numpy(), a_s[0, j].numpy()),
                    a_s.shape[1], (h, w))


def reconstruct(image, *, kind: str, layers: tuple[str, ...], backbone_name: str, model: torch.nn.Module,
                size: int = 128, steps: int = 80, seed: int = 0) -> Iterator[StyleProgress]:
    """Optimise white noise to match ``image``'s content at ``layers[0]`` (``kind="content"``) or its style at
    ``layers`` (``kind="style"``) alone, with L-BFGS; yields ``StyleProgress`` records like ``transfer``."""
    if kind not in ("content", "style"):
        raise InvalidParameter(f"kind must be 'content' or 'style', got {kind!r}")
    spec = backbone(backbone_name)
    if not layers:
        raise InvalidParameter("layers must name at least one layer, got none")
    # A little total variation keeps the reconstructions readable; the weights put both terms on the same scale.
    common = dict(size=size, steps=steps, init="noise", seed=seed, preview_every=max(1, steps // 4), tv_weight=10.0)
    if kind == "content":
        settings = StyleSettings(alpha=1e3, beta=0.0, content_layer=layers[0], style_layers=spec.style_layers[:1], **common)
    else:
        settings = StyleSettings(alpha=0.0, beta=1e4, content_layer=spec.content_layer, style_layers=tuple(layers), **common)
    return transfer(image, image, backbone=backbone_name, model=model, settings=settings,
                    device=next(model.parameters()).device)
