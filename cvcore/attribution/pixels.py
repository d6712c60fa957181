"""Pixel attributions from Captum: Integrated Gradients, Saliency, Occlusion and Guided Grad-CAM.

Integrated Gradients, Saliency and Occlusion only call the model, so they run on the shared
model as is. Guided Grad-CAM changes how ReLUs pass gradients back by hooking every
``nn.ReLU``; it therefore runs on a private copy of the model (ReLU6 spelled as ReLU then a clamp,
so MobileNetV2's ReLU6s are guided too), under that copy's lock, and the hooks are gone when
Captum returns. ``smooth`` > 0 wraps a method in Captum's NoiseTunnel (SmoothGrad).
"""

import copy
import threading
import warnings
import weakref

import torch

from cvcore.errors import InvalidParameter

__all__ = ["integrated_gradients", "saliency", "occlusion", "guided_grad_cam", "pixel_heatmap", "captum_grad_cam"]

_COPIES: weakref.WeakKeyDictionary[torch.nn.Module, tuple[torch.nn.Module, threading.Lock]] = weakref.WeakKeyDictionary()
_COPIES_LOCK = threading.Lock()
# Captum announces every hook it sets; here that is expected, and it happens on a private copy.
warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU activations", module="captum")
_NOISE = 0.15  # SmoothGrad's noise level, as a fraction of the input's range (Smilkov et al. 2017 suggest 10-20 %)


def _captum():
    """``captum.attr``, imported on first use: with matplotlib it takes seconds to import."""
    import captum.attr

    return captum.attr


def _forward(model: torch.nn.Module):
    return lambda inputs: model(inputs)


def _check_one_image(x: torch.Tensor) -> None:
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, 3, H, W], got shape {tuple(x.shape)}")


def _check_target(target: int, model: torch.nn.Module, x: torch.Tensor) -> None:
    with torch.inference_mode():
        classes = model(x).shape[1]
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < classes:
        raise InvalidParameter(f"target must be a class index in [0, {classes - 1}], got {target!r}")


def _smoothed(method, x: torch.Tensor, target: int, smooth: int, **kwargs) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)  # the input Captum differentiates; the caller's tensor is left alone
    if smooth < 0:
        raise InvalidParameter(f"smooth must be >= 0 noisy samples, got {smooth}")
    if smooth == 0:
        return method.attribute(x, target=target, **kwargs)
    sigma = _NOISE * float((x.max() - x.min()).detach())
    return _captum().NoiseTunnel(method).attribute(x, nt_type="smoothgrad", nt_samples=smooth, stdevs=sigma, target=target, **kwargs)


def pixel_heatmap(attribution: torch.Tensor, *, positive_only: bool = False) -> torch.Tensor:
    """Tensor[1, 3, H, W] of attributions -> Tensor[H, W] in [0, 1].

    Channels are summed (as magnitudes, or keeping only positive evidence); the map is scaled
    by its 99th percentile and clipped, because a few pixels otherwise take the whole range.

    >>> a = torch.zeros(1, 3, 10, 10); a[0, :, 0, 0] = -1.0; a[0, 0, 5, 5] = 0.5
    >>> h = pixel_heatmap(a); float(h[0, 0]), round(float(h[5, 5]), 2)  # 3.0 is clipped to the 99th percentile, 0.525
    (1.0, 0.95)
    >>> float(pixel_heatmap(a, positive_only=True)[0, 0])
    0.0
    """
    a = attribution.detach()[0].float()
    heat = torch.relu(a.sum(0)) if positive_only else a.abs().sum(0)
    scale = torch.quantile(heat.flatten(), 0.99)
    if scale <= 0:
        scale = heat.max()
    return (heat / scale).clamp(0, 1) if scale > 0 else heat


def integrated_gradients(model: torch.nn.Module, x: torch.Tensor, target: int, *, steps: int = 32, smooth: int = 0,
                         baseline: torch.Tensor | None = None) -> torch.Tensor:
    """Integrated Gradients (Sundararajan et al. 2017) from ``baseline`` (default: zeros, the mean colour after
    normalisation) to ``x``; returns the attribution Tensor[1, 3, H, W]."""
    _check_one_image(x)
    _check_target(target, model, x)
    if not 2 <= steps <= 512:
        raise InvalidParameter(f"steps must be in [2, 512], got {steps}")
    method = _captum().IntegratedGradients(_forward(model))
    base = torch.zeros_like(x) if baseline is None else baseline
    return _smoothed(method, x, target, smooth, baselines=base, n_steps=steps, internal_batch_size=min(steps, 16))


def saliency(model: torch.nn.Module, x: torch.Tensor, target: int, *, smooth: int = 0) -> torch.Tensor:
    """Gradient magnitude (Simonyan et al. 2014): |dy^c/dx|, Tensor[1, 3, H, W]."""
    _check_one_image(x)
    _check_target(target, model, x)
    return _smoothed(_captum().Saliency(_forward(model)), x, target, smooth, abs=True)


def occlusion(model: torch.nn.Module, x: torch.Tensor, target: int, *, window: int = 56, stride: int = 28) -> torch.Tensor:
    """Occlusion (Zeiler and Fergus 2014): the drop of y^c when a window x window square is greyed out,
    sliding by ``stride``; Tensor[1, 3, H, W]."""
    _check_one_image(x)
    _check_target(target, model, x)
    size = min(x.shape[2], x.shape[3])
    if not 1 <= window <= size:
        raise InvalidParameter(f"window must be in [1, {size}] pixels, got {window}")
    if not 1 <= stride <= window:
        raise InvalidParameter(f"stride must be in [1, window={window}], got {stride}")
    with torch.inference_mode():
        return _captum().Occlusion(_forward(model)).attribute(
            x, sliding_window_shapes=(x.shape[1], window, window), strides=(x.shape[1], stride, stride),
            baselines=0.0, target=target, perturbations_per_eval=8)


def _private_copy(model: torch.nn.Module) -> tuple[torch.nn.Module, threading.Lock]:
    """A private copy whose activations are all plain ``nn.ReLU`` modules (which guided backprop modifies)."""
    with _COPIES_LOCK:
        if model not in _COPIES:
            twin = copy.deepcopy(model).eval()
            for parent in list(twin.modules()):
                for name, child in list(parent.named_children()):
                    if isinstance(child, torch.nn.ReLU6):
                        setattr(parent, name, torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Hardtanh(0.0, 6.0)))
                    elif isinstance(child, torch.nn.ReLU):
                        setattr(parent, name, torch.nn.ReLU())  # not in place: Captum's backward hooks need the output
            _COPIES[model] = (twin, threading.Lock())
        return _COPIES[model]


def _private_module(model: torch.nn.Module, layer: str) -> tuple[torch.nn.Module, torch.nn.Module, threading.Lock]:
    """The private copy, its module named ``layer`` (for Captum's layer hooks), and the copy's lock."""
    twin, lock = _private_copy(model)
    try:
        return twin, twin.get_submodule(layer), lock
    except AttributeError:
        raise InvalidParameter(f"layer must be a module of the model, got {layer!r}") from None


def guided_grad_cam(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str, *, smooth: int = 0) -> torch.Tensor:
    """Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation times the upsampled Grad-CAM;
    Tensor[1, 3, H, W]."""
    _check_one_image(x)
    _check_target(target, model, x)
    twin, module, lock = _private_module(model, layer)
    with lock:
        return _smoothed(_captum().GuidedGradCam(twin, module), x, target, smooth, interpolate_mode="bilinear")


def captum_grad_cam(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """Captum's ``LayerGradCam`` (with ReLU), upsampled bilinearly to the input and scaled to [0, 1]:
    the independent reference for ``cam.grad_cam``. Its hook goes on a private copy, under that copy's lock."""
    _check_one_image(x)
    twin, module, lock = _private_module(model, layer)
    with lock:
        coarse = _captum().LayerGradCam(_forward(twin), module).attribute(x, target=target, relu_attributions=True)
    up = _captum().LayerAttribution.interpolate(coarse.detach(), tuple(x.shape[2:]), interpolate_mode="bilinear")[0, 0]
    up = up - up.min()
    return up / up.max() if up.max() > 0 else up
