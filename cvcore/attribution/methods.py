"""The attribution methods, each declared once, and the one dispatch that computes any set of them.

A ``Method`` belongs to one of two families. The CAM family weights the feature maps of one layer
(``cams``); every CAM chosen at once shares a single forward and backward pass. The pixel family
attributes the class score to the input's pixels with Captum (``pixels``). Pages list the methods,
their labels and summaries from ``METHODS``; code snippets read which Captum class computes each.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch

from cvcore.attribution import cams, pixels
from cvcore.errors import InvalidParameter

__all__ = ["CAM", "PIXEL", "MapOptions", "Method", "METHODS", "method", "heatmaps", "class_activation_maps"]

CAM, PIXEL = "cam", "pixel"


@dataclass(frozen=True)
class MapOptions:
    """What the pixel methods take besides the image: SmoothGrad's noisy samples (0 = off), the Integrated
    Gradients steps and Occlusion's window in pixels."""

    smooth: int = 0
    ig_steps: int = 32
    occlusion_window: int = 56


@dataclass(frozen=True)
class Method:
    """One attribution method.

    ``function`` computes it: for the CAM family, the ``cams.CamMethod`` that turns one pass into the map; for the
    pixel family, ``function(model, x, target, layer, options) -> Tensor[H, W]`` in [0, 1].
    """

    name: str
    label: str
    family: str  # CAM or PIXEL
    uses_layer: bool
    smoothable: bool  # can be wrapped in NoiseTunnel (SmoothGrad)
    summary: str
    paper: str
    function: Callable
    captum: str | None = None  # the ``captum.attr`` class that computes it, where there is one


def _integrated_gradients(model, x, target, layer, options: MapOptions) -> torch.Tensor:
    return pixels.pixel_heatmap(pixels.integrated_gradients(model, x, target, steps=options.ig_steps,
                                                            smooth=options.smooth))


def _saliency(model, x, target, layer, options: MapOptions) -> torch.Tensor:
    return pixels.pixel_heatmap(pixels.saliency(model, x, target, smooth=options.smooth))


def _occlusion(model, x, target, layer, options: MapOptions) -> torch.Tensor:
    window = min(options.occlusion_window, x.shape[2], x.shape[3])
    # only the drops of the score count as evidence for the class
    return pixels.pixel_heatmap(pixels.occlusion(model, x, target, window=window, stride=max(1, window // 2)),
                                positive_only=True)


def _guided_grad_cam(model, x, target, layer, options: MapOptions) -> torch.Tensor:
    return pixels.pixel_heatmap(pixels.guided_grad_cam(model, x, target, layer, smooth=options.smooth))


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("cam", "CAM", CAM, True, False,
           "the last linear layer's weights for the class, applied to the last feature maps",
           "Zhou et al., CVPR 2016", cams.Cam),
    Method("grad_cam", "Grad-CAM", CAM, True, False, "feature maps weighted by their average gradient",
           "Selvaraju et al., ICCV 2017", cams.GradCam, captum="LayerGradCam"),
    Method("grad_cam_pp", "Grad-CAM++", CAM, True, False,
           "like Grad-CAM, but positive gradients weighted pixel by pixel",
           "Chattopadhay et al., WACV 2018", cams.GradCamPlusPlus),
    Method("layer_cam", "LayerCAM", CAM, True, False, "every position of every map weighted by its own positive gradient",
           "Jiang et al., IEEE TIP 2021", cams.LayerCam),
    Method("integrated_gradients", "Integrated Gradients (Captum)", PIXEL, False, True,
           "gradients averaged along a path from a grey image to the photo, times the difference",
           "Sundararajan et al., ICML 2017", _integrated_gradients, captum="IntegratedGradients"),
    Method("saliency", "Saliency (Captum)", PIXEL, False, True, "how much each pixel's change would change the score",
           "Simonyan et al., ICLR workshop 2014", _saliency, captum="Saliency"),
    Method("occlusion", "Occlusion (Captum)", PIXEL, False, False, "how much the score drops when a square is greyed out",
           "Zeiler and Fergus, ECCV 2014", _occlusion, captum="Occlusion"),
    Method("guided_grad_cam", "Guided Grad-CAM (Captum)", PIXEL, True, True, "fine-grained guided backprop times Grad-CAM",
           "Selvaraju et al., ICCV 2017", _guided_grad_cam, captum="GuidedGradCam"),
)}


def _entries(names, family: str | None = None) -> list[Method]:
    """The registry's entries for ``names`` (of ``family`` only, if given), in the order asked."""
    allowed = [name for name, m in METHODS.items() if family in (None, m.family)]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise InvalidParameter(f"methods must be among {allowed}, got {unknown}")
    return [METHODS[name] for name in names]


def method(name: str) -> Method:
    """The entry of method ``name``.

    >>> method("grad_cam").label, method("saliency").family, method("saliency").captum
    ('Grad-CAM', 'pixel', 'Saliency')

    Raises:
        InvalidParameter: no method has that name.
    """
    return _entries([name])[0]


def class_activation_maps(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str,
                          methods=("grad_cam",)) -> dict[str, torch.Tensor]:
    """Several CAM-family maps (each Tensor[H, W] in [0, 1]) from a single forward and backward pass.

    Raises:
        InvalidParameter: unknown method, layer or target; CAM on a network or layer it does not apply to.
    """
    variants = {m.name: m.function.for_model(model) for m in _entries(methods, CAM)}
    g = cams.layer_gradients(model, x, target, layer)
    return {name: variant(g) for name, variant in variants.items()}


def heatmaps(model: torch.nn.Module, x: torch.Tensor, target: int, methods, *, layer: str, smooth: int = 0,
             ig_steps: int = 32, occlusion_window: int = 56) -> dict[str, torch.Tensor]:
    """Each method's map (Tensor[H, W] in [0, 1]) for class ``target`` of one image ``x`` (Tensor[1, 3, H, W]).

    ``layer`` is used by the methods that read a layer (``METHODS[m].uses_layer``); ``smooth`` > 0
    averages the smoothable ones over that many noisy copies (SmoothGrad).

    Raises:
        InvalidParameter: an unknown method, layer or target, or CAM on a network it does not apply to.
    """
    chosen = _entries(methods)
    cam_names = [m.name for m in chosen if m.family == CAM]
    maps = class_activation_maps(model, x, target, layer, cam_names) if cam_names else {}
    options = MapOptions(smooth, ig_steps, occlusion_window)
    for m in chosen:
        if m.family == PIXEL:
            maps[m.name] = m.function(model, x, target, layer, options)
    return {name: maps[name] for name in methods}
