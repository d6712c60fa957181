"""The class-activation-map family: CAM, Grad-CAM, Grad-CAM++ and LayerCAM.

All four weight the feature maps A^k (Tensor[C, h, w]) of one layer and keep the positive part
of the weighted sum, ``ReLU(sum_k w^k * A^k)``; they differ only in the weights, so each one
overrides ``weights``. The activation and the gradient of the class score y^c with respect to it
come from one pass (``features.extract_with_logits`` then ``torch.autograd.grad``): no hooks on
the model, so a shared model can serve many sessions at once.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cvcore.errors import InvalidParameter
from cvcore.inside import features

__all__ = ["CamMethod", "LayerGradients", "layer_gradients", "grad_cam", "cam", "grad_cam_plus_plus", "layer_cam",
           "upsample_normalized", "classifier_weights"]


@dataclass(frozen=True)
class LayerGradients:
    """One forward and backward pass: A (Tensor[C, h, w]), dy^c/dA (Tensor[C, h, w]), the logits (Tensor[K])."""

    activation: torch.Tensor
    gradient: torch.Tensor
    logits: torch.Tensor
    target: int
    input_size: tuple[int, int]


def _check_target(target: int, classes: int) -> int:
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < classes:
        raise InvalidParameter(f"target must be a class index in [0, {classes - 1}], got {target!r}")
    return target


def layer_gradients(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> LayerGradients:
    """The activation of ``layer`` for one image ``x`` (Tensor[1, 3, H, W]) and the gradient of logit ``target``."""
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, 3, H, W], got shape {tuple(x.shape)}")
    # The input joins the graph, so the gradient exists even when every weight is frozen (requires_grad=False).
    activation, logits = features.extract_with_logits(model, x.detach().requires_grad_(True), layer)
    if activation.dim() != 4:
        raise InvalidParameter(f"layer must output feature maps [1, C, h, w], got {layer!r} with shape {tuple(activation.shape)}")
    target = _check_target(target, logits.shape[1])
    (gradient,) = torch.autograd.grad(logits[0, target], activation)
    return LayerGradients(activation[0].detach(), gradient[0].detach(), logits[0].detach(), target, tuple(x.shape[2:]))


def upsample_normalized(cam_map: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A coarse map (Tensor[h, w]) bilinearly resized to ``size`` and scaled to [0, 1] (min to 0, max to 1).

    >>> upsample_normalized(torch.tensor([[0.0, 2.0], [4.0, 8.0]]), (2, 2)).tolist()
    [[0.0, 0.25], [0.5, 1.0]]
    """
    up = F.interpolate(cam_map[None, None].float(), size=size, mode="bilinear", align_corners=False)[0, 0]
    up = up - up.min()
    top = up.max()
    return up / top if top > 0 else up


class CamMethod:
    """A CAM variant: ``weights(g)`` turns one pass's activation and gradient into weights for the maps.

    Its name, label and paper are in the registry (``cvcore.attribution.methods.METHODS``).
    """

    @classmethod
    def for_model(cls, model: torch.nn.Module) -> "CamMethod":
        """The variant ready to explain ``model``."""
        return cls()

    def weights(self, g: LayerGradients) -> torch.Tensor:
        """Tensor[C, 1, 1] (one weight per map) or Tensor[C, h, w] (one per map and position)."""
        raise NotImplementedError

    def raw(self, g: LayerGradients) -> torch.Tensor:
        """ReLU(sum_k w^k A^k) at the layer's resolution, Tensor[h, w]."""
        return torch.relu((self.weights(g) * g.activation).sum(0))

    def __call__(self, g: LayerGradients) -> torch.Tensor:
        """The map at the input's resolution, in [0, 1]."""
        return upsample_normalized(self.raw(g), g.input_size)


class GradCam(CamMethod):
    """Selvaraju et al. 2017, Eq. 1: alpha_k^c = 1/Z sum_ij dy^c/dA^k_ij, the average gradient of each map."""

    def weights(self, g: LayerGradients) -> torch.Tensor:
        return g.gradient.mean(dim=(1, 2), keepdim=True)


class GradCamPlusPlus(CamMethod):
    """Chattopadhay et al. 2018, Eq. 19 with the exponential output: pixel-wise alphas
    alpha_ij = g^2 / (2 g^2 + sum_ab A_ab g^3), and w_k = sum_ij alpha_ij ReLU(g_ij)."""

    def weights(self, g: LayerGradients) -> torch.Tensor:
        g2, g3 = g.gradient ** 2, g.gradient ** 3
        denominator = 2 * g2 + g.activation.sum(dim=(1, 2), keepdim=True) * g3
        alpha = g2 / torch.where(denominator != 0, denominator, torch.ones_like(denominator))
        return (alpha * torch.relu(g.gradient)).sum(dim=(1, 2), keepdim=True)


class LayerCam(CamMethod):
    """Jiang et al. 2021, Eq. 5: every position keeps its own weight, w_ij^k = ReLU(dy^c/dA^k_ij)."""

    def weights(self, g: LayerGradients) -> torch.Tensor:
        return torch.relu(g.gradient)


class Cam(CamMethod):
    """Zhou et al. 2016, Eq. 2 (M_c = sum_k w_k^c f_k): the weights are the last linear layer's row for class c.

    Only defined for networks that end in global average pooling and one linear layer, with
    ``layer`` the last feature maps; for those, Grad-CAM's weights are these divided by h*w.
    The head is passed in (``classifier_weights``), so this is just a lookup.
    """

    def __init__(self, head: torch.Tensor | None = None):
        self.head = head  # Tensor[K, C]

    @classmethod
    def for_model(cls, model: torch.nn.Module) -> "Cam":
        """CAM with ``model``'s last linear layer as its head (see ``classifier_weights``)."""
        return cls(classifier_weights(model))

    def weights(self, g: LayerGradients) -> torch.Tensor:
        if self.head is None:
            raise InvalidParameter("CAM needs the weights of the model's last linear layer (see classifier_weights)")
        if self.head.shape[1] != g.activation.shape[0]:
            raise InvalidParameter(
                f"CAM needs the layer that feeds global average pooling and the last linear layer: expected a layer with "
                f"{self.head.shape[1]} channels, got {g.activation.shape[0]}; use Grad-CAM for other layers")
        return self.head[g.target].to(g.activation)[:, None, None]


def classifier_weights(model: torch.nn.Module) -> torch.Tensor:
    """The weight (Tensor[K, C]) of the model's last ``Linear`` layer, for CAM.

    Raises:
        InvalidParameter: the model does not end in global average pooling and one linear layer.
    """
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if len(linears) != 1:
        raise InvalidParameter(
            f"CAM needs a network that ends in global average pooling and one linear layer, got {len(linears)} linear "
            "layers (VGG and AlexNet have three); use Grad-CAM, which generalises CAM to any network")
    return linears[0].weight.detach()


def grad_cam(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """Grad-CAM of class ``target`` at ``layer`` for one image ``x`` (Tensor[1, 3, H, W]).

    Returns:
        Tensor[H, W] in [0, 1], at the input's resolution.

    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
    ...                           torch.nn.Flatten(), torch.nn.Linear(2, 3))
    >>> grad_cam(net, torch.randn(1, 3, 8, 8), 0, "1").shape
    torch.Size([8, 8])
    """
    return GradCam()(layer_gradients(model, x, target, layer))


def grad_cam_plus_plus(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """Grad-CAM++ (Tensor[H, W] in [0, 1]); see ``GradCamPlusPlus``."""
    return GradCamPlusPlus()(layer_gradients(model, x, target, layer))


def layer_cam(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """LayerCAM (Tensor[H, W] in [0, 1]); see ``LayerCam``."""
    return LayerCam()(layer_gradients(model, x, target, layer))


def cam(model: torch.nn.Module, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """CAM (Tensor[H, W] in [0, 1]) for a network ending in global average pooling and one linear layer."""
    return Cam.for_model(model)(layer_gradients(model, x, target, layer))
