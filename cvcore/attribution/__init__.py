"""Which pixels made a CNN decide: class-activation maps, Captum's pixel attributions, and checks of both.

``METHODS`` is the registry of every method (its label, family, whether it reads a layer, what computes it);
``heatmaps`` computes any set of them for one image, class and layer, and returns each as a
Tensor[H, W] in [0, 1] at the input's resolution; the CAM family shares a single forward and
backward pass.
"""

from cvcore.attribution.cams import (
    CamMethod,
    LayerGradients,
    cam,
    classifier_weights,
    grad_cam,
    grad_cam_plus_plus,
    layer_cam,
    layer_gradients,
    upsample_normalized,
)
from cvcore.attribution.checks import Faithfulness, deletion_insertion, randomized_top, rank_correlation
from cvcore.attribution.methods import CAM, METHODS, PIXEL, MapOptions, Method, class_activation_maps, heatmaps, method
from cvcore.attribution.pixels import (
    captum_grad_cam,
    guided_grad_cam,
    integrated_gradients,
    occlusion,
    pixel_heatmap,
    saliency,
)

__all__ = [
    "Method", "METHODS", "CAM", "PIXEL", "MapOptions", "method", "heatmaps",
    "CamMethod", "LayerGradients", "layer_gradients", "class_activation_maps", "upsample_normalized",
    "grad_cam", "grad_cam_plus_plus", "layer_cam", "cam", "classifier_weights",
    "integrated_gradients", "saliency", "occlusion", "guided_grad_cam", "pixel_heatmap", "captum_grad_cam",
    "Faithfulness", "deletion_insertion", "randomized_top", "rank_correlation",
]
