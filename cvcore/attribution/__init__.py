"""Which pixels made a CNN decide: class-activation maps, Captum's pixel attributions, and checks of both.

``heatmaps`` computes any set of methods for one image, class and layer, and returns each as a
Tensor[H, W] in [0, 1] at the input's resolution; the CAM family shares a single forward and
backward pass.
"""

from dataclasses import dataclass

import torch

from cvcore.attribution.cams import (CAM_METHODS, CamMethod, LayerGradients, cam, class_activation_maps,
                                    classifier_weights, grad_cam, grad_cam_plus_plus, layer_cam, layer_gradients,
                                    upsample_normalized)
from cvcore.attribution.checks import Faithfulness, deletion_insertion, randomized_top, rank_correlation
from cvcore.attribution.pixels import captum_grad_cam, guided_grad_cam, integrated_gradients, occlusion, pixel_heatmap, saliency
from cvcore.errors import InvalidParameter

__all__ = [
    "Method", "METHODS", "heatmaps",
    "CamMethod", "CAM_METHODS", "LayerGradients", "layer_gradients", "class_activation_maps", "upsample_normalized",
    "grad_cam", "grad_cam_plus_plus", "layer_cam", "cam", "classifier_weights",
    "integrated_gradients", "saliency", "occlusion", "guided_grad_cam", "pixel_heatmap", "captum_grad_cam",
    "Faithfulness", "deletion_insertion", "randomized_top", "rank_correlation",
]


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    uses_layer: bool
    smoothable: bool  # can be wrapped in NoiseTunnel (SmoothGrad)
    summary: str


METHODS = {m.name: m for m in (
    Method("cam", "CAM", True, False, "the last linear layer's weights for the class, applied to the last feature maps"),
    Method("grad_cam", "Grad-CAM", True, False, "feature maps weighted by their average gradient"),
    Method("grad_cam_pp", "Grad-CAM++", True, False, "like Grad-CAM, but positive gradients weighted pixel by pixel"),
    Method("layer_cam", "LayerCAM", True, False, "every position of every map weighted by its own positive gradient"),
    Method("integrated_gradients", "Integrated Gradients (Captum)", False, True,
           "gradients averaged along a path from a grey image to the photo, times the difference"),
    Method("saliency", "Saliency (Captum)", False, True, "how much each pixel's change would change the score"),
    Method("occlusion", "Occlusion (Captum)", False, False, "how much the score drops when a square is greyed out"),
    Method("guided_grad_cam", "Guided Grad-CAM (Captum)", True, True, "fine-grained guided backprop times Grad-CAM"),
)}


def heatmaps(model: torch.nn.Module, x: torch.Tensor, target: int, methods, *, layer: str, smooth: int = 0,
             ig_steps: int = 32, occlusion_window: int = 56) -> "dict[str, torch.Tensor]":
    """Each method's map (Tensor[H, W] in [0, 1]) for class ``target`` of one image ``x`` (Tensor[1, 3, H, W]).

    ``layer`` is used by the methods that read a layer (``METHODS[m].uses_layer``); ``smooth`` > 0
    averages the smoothable ones over that many noisy copies (SmoothGrad).

    Raises:
        InvalidParameter: an unknown method, layer or target, or CAM on a network it does not apply to.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidParameter(f"methods must be among {list(METHODS)}, got {unknown}")
    cams = [m for m in methods if m in CAM_METHODS]
    maps = class_activation_maps(model, x, target, layer, cams) if cams else {}
    for m in methods:
        if m == "integrated_gradients":
            maps[m] = pixel_heatmap(integrated_gradients(model, x, target, steps=ig_steps, smooth=smooth))
        elif m == "saliency":
            maps[m] = pixel_heatmap(saliency(model, x, target, smooth=smooth))
        elif m == "occlusion":
            window = min(occlusion_window, x.shape[2], x.shape[3])
            maps[m] = pixel_heatmap(occlusion(model, x, target, window=window, stride=max(1, window // 2)), positive_only=True)
        elif m == "guided_grad_cam":
            maps[m] = pixel_heatmap(guided_grad_cam(model, x, target, layer, smooth=smooth))
    return {m: maps[m] for m in methods}
