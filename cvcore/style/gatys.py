"""Neural style transfer (Gatys, Ecker and Bethge, 2015) as the course defines it.

The generated image G minimises ``J(G) = alpha J_content(C, G) + beta J_style(S, G) + tv J_tv(G)``:

- content cost on one layer: ``1/2 ||a(C) - a(G)||^2``, or normalised ``1/(4 n_H n_W n_C) ||a(C) - a(G)||^2``;
- style cost per layer: the Gram matrix ``G_kk' = sum_ij a_ijk a_ijk'`` and
  ``1/(2 n_H n_W n_C)^2 ||G(S) - G(G)||_F^2``, summed over layers with weights lambda_l;
- total variation (optional smoothness): the mean squared difference of neighbouring pixels, down plus across.

With activation smoothing (Wang, Li and Vasconcelos, CVPR 2021) every feature map goes through a softmax over
its positions before both costs (rescaled by n_H n_W so a map averages 1 and the costs keep their scale); this
makes networks other than VGG stylise well.

``transfer`` is a generator: step 0 reports the costs of the initial image, then one record per optimisation
step (one forward and backward pass), a preview every ``preview_every`` steps and at the end.
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cvcore.device import resolve_device
from cvcore.errors import InvalidParameter
from cvcore.images import to_tensor
from cvcore.style.nets import Backbone, backbone, extractor

__all__ = ["StyleSettings", "StyleProgress", "OPTIMIZERS", "INITS", "PRESETS", "MAX_SIDE", "gram_matrix",
           "content_cost", "style_layer_cost", "tv_cost", "smooth", "prepare_pair", "to_image", "transfer"]

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "style")
MAX_SIDE = 1024  # the largest generated image
_MULTISCALE_SHARE = 0.6  # of the steps at half size, the rest at full size


@dataclass(frozen=True)
class StyleSettings:
    """Every choice of a run; ``None`` layers mean the backbone's defaults."""

    backbone: str = "mobilenet_v2"
    size: int = 256  # longer side of the generated image, pixels
    steps: int = 200
    optimizer: str = "lbfgs"
    lr: float | None = None  # None: 1.0 for L-BFGS, 0.02 for Adam
    init: str = "content"
    alpha: float = 30.0  # with beta 1e4 and tv 10: the content stays recognisable in the style (see PRESETS)
    beta: float = 1e4
    tv_weight: float = 10.0
    content_layer: str | None = None
    style_layers: tuple[str, ...] | None = None
    style_layer_weights: tuple[float, ...] | None = None  # lambda_l; None: equal, summing to 1
    normalized_content: bool = True
    smoothing: bool = False
    avg_pool: bool = False
    multiscale: bool = False
    preview_every: int = 10
    seed: int = 0


# The balance alpha : beta : tv = 30 : 1e4 : 10 was set by looking at the results with the offline MobileNetV2 on the
# bundled examples: with alpha = 1 the style wins (the content cost rises at once and the lead lines of the stained
# glass draw over Chelsea's face until the cat is hardly recognisable); with 30 the cat is clearly there, in the
# style's colours and strokes. tests/unit/test_style_gallery.py holds every preset to an edge-structure bound.
PRESETS = {
    "course": ("Course defaults", StyleSettings(size=256, steps=200)),
    "fast": ("Fast preview", StyleSettings(size=256, steps=120, multiscale=True, preview_every=20)),
    "gpu": ("High quality on GPU", StyleSettings(size=512, steps=400, multiscale=True, preview_every=25)),
}


@dataclass
class StyleProgress:
    """One step of a run. Costs are the weighted terms' raw values (before alpha, beta and the TV weight)."""

    step: int
    total_steps: int
    content_cost: float
    style_cost: float  # sum over layers of lambda_l J_style^[l]
    tv_cost: float
    total_cost: float  # alpha J_content + beta J_style + tv J_tv
    style_costs: dict[str, float] = field(default_factory=dict)  # per layer, before lambda_l
    image: np.ndarray | None = None  # uint8 [H, W, 3], on preview steps and the last one
    size: tuple[int, int] = (0, 0)  # (height, width) being optimised
    notices: tuple[str, ...] = ()
    done: bool = False
    stopped: bool = False
    diverged: bool = False
    message: str = ""


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """The Gram matrix of each feature volume: ``G_kk' = sum_ij a_ijk a_ijk'`` (unnormalised, as in the course).

    Args:
        features (Tensor[B, C, H, W])
    Returns:
        Tensor[B, C, C]

    >>> a = torch.tensor([[[[1.0, 2.0]], [[3.0, 0.0]]]])  # two channels of 1 x 2
    >>> gram_matrix(a).tolist()
    [[[5.0, 3.0], [3.0, 9.0]]]
    """
    if features.ndim != 4:
        raise InvalidParameter(f"features must be Tensor[B, C, H, W], got {features.ndim} dimensions")
    flat = features.flatten(2)  # [B, C, H*W]
    return flat @ flat.transpose(1, 2)


def content_cost(a_c: torch.Tensor, a_g: torch.Tensor, *, normalized: bool = False) -> torch.Tensor:
    """``1/2 ||a(C) - a(G)||^2``, or ``1/(4 n_H n_W n_C) ||a(C) - a(G)||^2`` when ``normalized``.

    >>> content_cost(torch.ones(1, 2, 2, 2), torch.zeros(1, 2, 2, 2)).item(), content_cost(torch.ones(1, 2, 2, 2), torch.zeros(1, 2, 2, 2), normalized=True).item()
    (4.0, 0.25)
    """
    squared = (a_c - a_g).pow(2).sum()
    return squared / (4 * a_g[0].numel()) if normalized else squared / 2


def style_layer_cost(gram_s: torch.Tensor, a_g: torch.Tensor) -> torch.Tensor:
    """One layer's style cost ``1/(2 n_H n_W n_C)^2 ||G(S) - G(G)||_F^2``; ``gram_s`` is Tensor[1, C, C].

    >>> a = torch.ones(1, 1, 2, 2); style_layer_cost(gram_matrix(a) * 0, a).item()  # G = 4, (2*4)^2 = 64
    0.25
    """
    _, c, h, w = a_g.shape
    return (gram_s - gram_matrix(a_g)).pow(2).sum() / (2 * h * w * c) ** 2


def tv_cost(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference of vertically plus horizontally neighbouring pixels.

    >>> tv_cost(torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])).item()
    1.0
    """
    down = (image[..., 1:, :] - image[..., :-1, :]).pow(2).mean()
    across = (image[..., :, 1:] - image[..., :, :-1]).pow(2).mean()
    return down + across


def smooth(features: torch.Tensor) -> torch.Tensor:
    """Activation smoothing: a softmax over each map's positions, times n_H n_W (each map then averages 1).

    >>> smooth(torch.zeros(1, 1, 2, 2)).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    b, c, h, w = features.shape
    return torch.softmax(features.flatten(2), dim=2).view(b, c, h, w) * (h * w)


def _as_tensor(image, what: str) -> tuple[torch.Tensor, list[str]]:
    """An RGB Tensor[3, H, W] in [0, 1] from a PIL image or a tensor; grayscale becomes three equal channels."""
    notes = []
    if isinstance(image, Image.Image):
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        x = to_tensor(image)
    elif isinstance(image, torch.Tensor):
        x = image.detach().float().cpu()
        if x.ndim == 4 and x.shape[0] == 1:
            x = x[0]
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[0] not in (1, 3):
            raise InvalidParameter(f"{what} must be Tensor[3, H, W] or [1, H, W] in [0, 1], got shape {tuple(image.shape)}")
        if not torch.isfinite(x).all() or x.min() < 0 or x.max() > 1:
            raise InvalidParameter(f"{what} values must be finite and in [0, 1], got [{float(x.min()):.3g}, {float(x.max()):.3g}]")
    else:
        raise InvalidParameter(f"{what} must be a PIL image or a tensor, got {type(image).__name__}")
    if x.shape[1] < 8 or x.shape[2] < 8:
        raise InvalidParameter(f"{what} must be at least 8x8 pixels, got {x.shape[2]}x{x.shape[1]}")
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
        notes.append(f"The {what} is grayscale: it is used as three equal colour channels"
                     + (", so its texture transfers but not colours." if what == "style image" else "."))
    return x.contiguous(), notes


def prepare_pair(content, style, size: int) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Content resized so its longer side is ``size`` (aspect kept), style cropped and resized to the same size.

    Returns:
        (Tensor[3, H, W], Tensor[3, H, W], notices): both in [0, 1]
    """
    if not 32 <= size <= MAX_SIDE:
        raise InvalidParameter(f"size must be between 32 and {MAX_SIDE} pixels, got {size}")
    c, notes = _as_tensor(content, "content image")
    s, style_notes = _as_tensor(style, "style image")
    notes += style_notes
    h, w = c.shape[1:]
    scale = size / max(h, w)
    out_h, out_w = max(16, round(h * scale)), max(16, round(w * scale))
    if max(h, w) > 2 * MAX_SIDE:
        notes.append(f"The content image is {w}x{h} pixels; it was resized to {out_w}x{out_h} for the optimisation.")
    if max(s.shape[1:]) > 2 * MAX_SIDE:
        notes.append(f"The style image is {s.shape[2]}x{s.shape[1]} pixels; it was resized to {out_w}x{out_h}.")
    c = F.interpolate(c[None], size=(out_h, out_w), mode="bilinear", antialias=True, align_corners=False)[0]
    # The style image covers the generated image's shape: centre crop to its aspect, then resize.
    sh, sw = s.shape[1:]
    crop_h, crop_w = (sh, round(sh * out_w / out_h)) if sw * out_h >= sh * out_w else (round(sw * out_h / out_w), sw)
    top, left = (sh - crop_h) // 2, (sw - crop_w) // 2
    s = s[:, top:top + crop_h, left:left + crop_w]
    s = F.interpolate(s[None], size=(out_h, out_w), mode="bilinear", antialias=True, align_corners=False)[0]
    if torch.equal(c, s):
        notes.append("Content and style are the same image: the content-initialised start already has zero costs.")
    return c.clamp(0, 1), s.clamp(0, 1), notes


def to_image(x: torch.Tensor) -> np.ndarray:
    """Tensor[1 or 3, H, W] (or with a batch of 1) in [0, 1] -> uint8 [H, W, 3]."""
    x = x.detach().cpu()
    x = x[0] if x.ndim == 4 else x
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return (x.clamp(0, 1).permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()


def _check(settings: StyleSettings, spec: Backbone) -> tuple[str, tuple[str, ...], torch.Tensor]:
    if settings.optimizer not in OPTIMIZERS:
        raise InvalidParameter(f"optimizer must be one of {OPTIMIZERS}, got {settings.optimizer!r}")
    if settings.init not in INITS:
        raise InvalidParameter(f"init must be one of {INITS}, got {settings.init!r}")
    if not 0 <= settings.steps <= 5000:
        raise InvalidParameter(f"steps must be between 0 and 5000, got {settings.steps}")
    if settings.preview_every < 1:
        raise InvalidParameter(f"preview_every must be >= 1, got {settings.preview_every}")
    for name in ("alpha", "beta", "tv_weight"):
        value = getattr(settings, name)
        if not math.isfinite(value) or value < 0:
            raise InvalidParameter(f"{name} must be a finite number >= 0, got {value}")
    if settings.lr is not None and not (math.isfinite(settings.lr) and settings.lr > 0):
        raise InvalidParameter(f"lr must be > 0, got {settings.lr}")
    content_layer = settings.content_layer or spec.content_layer
    style_layers = tuple(settings.style_layers) if settings.style_layers is not None else spec.style_layers
    if not style_layers:
        raise InvalidParameter("style_layers must name at least one layer, got none")
    for name in (content_layer, *style_layers):
        if name not in spec.layers:
            raise InvalidParameter(f"layer must be one of {spec.name}'s layers (e.g. {spec.content_layer!r}), got {name!r}")
    weights = settings.style_layer_weights
    if weights is None:
        weights = (1.0 / len(style_layers),) * len(style_layers)
    if len(weights) != len(style_layers) or any(not math.isfinite(v) or v < 0 for v in weights):
        raise InvalidParameter(f"style_layer_weights must be {len(style_layers)} numbers >= 0, got {list(weights)}")
    return content_layer, style_layers, torch.tensor(weights, dtype=torch.float32)


class _Objective:
    """J(G) at one resolution: the targets of C and S computed once, then costs of any G."""

    def __init__(self, net, spec: Backbone, settings: StyleSettings, content_layer, style_layers, lambdas, c, s, device):
        self.net, self.settings = net, settings
        self.content_layer, self.style_layers, self.lambdas = content_layer, style_layers, lambdas.tolist()
        self.mean = torch.tensor(spec.mean, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(spec.std, device=device).view(1, 3, 1, 1)
        with torch.no_grad():
            self.a_c = self.features(c[None])[content_layer]
            style_features = self.features(s[None])
            self.grams = {name: gram_matrix(style_features[name]) for name in style_layers}

    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.net((x - self.mean) / self.std)
        return {name: smooth(a) for name, a in out.items()} if self.settings.smoothing else out

    def costs(self, g: torch.Tensor):
        """(total, content, style, tv, per-layer style) for Tensor[1, 3, H, W] ``g``, all scalar tensors."""
        out = self.features(g)
        j_content = content_cost(self.a_c, out[self.content_layer], normalized=self.settings.normalized_content)
        per_layer = [style_layer_cost(self.grams[name], out[name]) for name in self.style_layers]
        j_style = sum(lam * cost for lam, cost in zip(self.lambdas, per_layer, strict=True))
        j_tv = tv_cost(g) if self.settings.tv_weight else g.new_zeros(())
        total = self.settings.alpha * j_content + self.settings.beta * j_style + self.settings.tv_weight * j_tv
        return total, j_content, j_style, j_tv, per_layer


def transfer(content, style, *, backbone: str | None = None, model: torch.nn.Module | None = None,
             settings: StyleSettings | None = None, device=None, stop: Callable[[], bool] | None = None,
             **overrides) -> Iterator[StyleProgress]:
    """Optimise an image with the content of ``content`` and the style of ``style``, step by step.

    Args:
        content, style: PIL images, or Tensor[3, H, W] / [1, H, W] in [0, 1] (grayscale becomes RGB)
        backbone: "vgg19" or "mobilenet_v2" (default: that of ``settings``, else MobileNetV2); ``model`` is that torchvision network (its ImageNet weights are
            loaded from ``cvcore.zoo`` when None; pass an untrained one to test the mechanics)
        settings: a ``StyleSettings``; keyword ``overrides`` replace its fields (``steps=50, size=128``)
        stop: called between steps; when it returns True the run ends with a ``stopped`` record
    Yields:
        ``StyleProgress``: step 0 (the initial image), then steps 1 .. ``steps``; the last record is ``done``.
        A cost that becomes NaN or infinite ends the run with a ``diverged`` record holding the last finite image.
    Raises:
        (at the first ``next``) InvalidParameter: a bad setting, image or device. WeightsUnavailable: ``model`` is
        None and the weights are missing.
    """
    settings = settings or StyleSettings()
    backbone = backbone or settings.backbone
    fields = set(StyleSettings.__dataclass_fields__)
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise InvalidParameter(f"settings must be among {sorted(fields)}, got unknown {unknown}")
    settings = StyleSettings(**{**settings.__dict__, "backbone": backbone, **overrides})
    return _run(content, style, settings, model, device, stop)


def _run(content, style, settings: StyleSettings, model, device, stop) -> Iterator[StyleProgress]:
    spec = backbone(settings.backbone)
    content_layer, style_layers, lambdas = _check(settings, spec)
    c_full, s_full, notices = prepare_pair(content, style, settings.size)
    dev = resolve_device(device)
    if model is None:
        from cvcore import zoo  # the weights are only needed here

        model = zoo.load(spec.name, device=dev)
    on = next(model.parameters()).device
    if on.type != dev.type or (dev.index is not None and on.index != dev.index):  # moving it would change a model other sessions may share
        raise InvalidParameter(f"the model must be on the run's device {dev}, got one on {on}")
    net = extractor(model, spec, (content_layer, *style_layers), avg_pool=settings.avg_pool)
    full = tuple(c_full.shape[1:])
    if settings.multiscale and settings.steps >= 2 and min(full) >= 64:
        first = max(1, round(settings.steps * _MULTISCALE_SHARE))
        plan = [((max(16, full[0] // 2), max(16, full[1] // 2)), first), (full, settings.steps - first)]
    else:
        plan = [(full, settings.steps)]
    generator = torch.Generator().manual_seed(settings.seed)
    start = {"content": c_full, "style": s_full, "noise": torch.rand(c_full.shape, generator=generator)}[settings.init]
    g = start.to(dev)[None].clone()
    step, last_good = 0, to_image(g)
    for index, (hw, n_steps) in enumerate(plan):
        c = _resize(c_full.to(dev), hw)
        s = _resize(s_full.to(dev), hw)
        g = _resize(g[0], hw)[None].detach().clone().requires_grad_(True)
        objective = _Objective(net, spec, settings, content_layer, style_layers, lambdas, c, s, dev)
        if index == 0:
            with torch.no_grad():
                record = _record(objective.costs(g), style_layers, 0, settings.steps, hw)
            record.image, record.notices = last_good, tuple(notices)
            record.done = settings.steps == 0
            yield record
            if record.done:
                return
        optimizer = _optimizer(settings, g)
        for _ in range(n_steps):
            if stop is not None and stop():
                yield _final(g, style_layers, objective, step, settings.steps, hw, stopped=True)
                return
            costs = _step(optimizer, objective, g, settings.optimizer)
            step += 1
            record = _record(costs, style_layers, step, settings.steps, hw)
            bad_cost = not math.isfinite(record.total_cost)
            if bad_cost or not torch.isfinite(g).all():
                what = f"the cost became {record.total_cost}" if bad_cost else "the update made pixels infinite or NaN"
                record.image, record.diverged, record.done = last_good, True, True
                record.message = (f"The optimisation diverged at step {step} ({what}); lower the learning rate or "
                                  "the weights. The last finite image is kept.")
                yield record
                return
            with torch.no_grad():
                g.clamp_(0, 1)
            record.done = step == settings.steps
            if record.done or step % settings.preview_every == 0:
                last_good = record.image = to_image(g)
            yield record


def _resize(x: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[1:]) == tuple(hw):
        return x
    return F.interpolate(x[None], size=hw, mode="bilinear", antialias=True, align_corners=False)[0].clamp(0, 1)


def _optimizer(settings: StyleSettings, g: torch.Tensor) -> torch.optim.Optimizer:
    if settings.optimizer == "lbfgs":
        # One evaluation per step (max_iter=1); the curvature history carries over from step to step.
        return torch.optim.LBFGS([g], lr=settings.lr or 1.0, max_iter=1, history_size=50)
    return torch.optim.Adam([g], lr=settings.lr or 0.02)


def _step(optimizer, objective: _Objective, g: torch.Tensor, kind: str):
    """One forward and backward pass and one update; returns the costs at the evaluated point."""
    seen = []

    def closure():
        costs = objective.costs(g)
        # Gradients for the image only: the (possibly shared) network's weights get no .grad.
        g.grad = torch.autograd.grad(costs[0], g)[0]
        seen.append(costs)
        return costs[0]

    if kind == "lbfgs":
        optimizer.step(closure)
    else:
        closure()
        optimizer.step()
    return tuple(x.detach() if isinstance(x, torch.Tensor) else [v.detach() for v in x] for x in seen[-1])


def _record(costs, style_layers, step: int, total_steps: int, hw) -> StyleProgress:
    total, j_content, j_style, j_tv, per_layer = costs
    return StyleProgress(step=step, total_steps=total_steps, content_cost=float(j_content), style_cost=float(j_style),
                         tv_cost=float(j_tv), total_cost=float(total),
                         style_costs={name: float(v) for name, v in zip(style_layers, per_layer, strict=True)}, size=tuple(hw))


def _final(g, style_layers, objective, step, total_steps, hw, *, stopped: bool) -> StyleProgress:
    with torch.no_grad():
        record = _record(objective.costs(g), style_layers, step, total_steps, hw)
    record.image, record.done, record.stopped = to_image(g), True, stopped
    record.message = f"Stopped after {step} of {total_steps} steps."
    return record
