"""Evidence about a heatmap: is it faithful to the model, and does it depend on the model at all?

- Deletion and insertion (Petsiuk et al., RISE, 2018): remove the pixels a heatmap ranks highest
  first and watch the class probability fall (a faithful map makes it fall fast: small area), or
  reveal them first on a blurred image and watch it rise (fast: large area). Removing the lowest-ranked
  pixels first instead (ROAD's "least relevant first", Rong et al., 2022) must hurt less: the same kind
  of removal, in the map's opposite order, so what the grey shapes alone do to the network cancels out.
- Model randomization (Adebayo et al., Sanity Checks for Saliency Maps, 2018): re-initialise the
  top layers of a copy of the model; a method that explains the model must give a different map.
"""

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torchvision.transforms import functional as TF

from cvcore.errors import InvalidParameter

__all__ = ["Faithfulness", "deletion_insertion", "randomized_top", "rank_correlation"]


@dataclass(frozen=True)
class Faithfulness:
    """Probability of the target class after each fraction of the pixels is removed or revealed."""

    fractions: list[float]
    deletion: list[float]
    insertion: list[float]
    least_first: list[float] | None = None  # deletion in the opposite order, when asked for

    @property
    def least_first_auc(self) -> float | None:
        return None if self.least_first is None else _area(self.fractions, self.least_first)

    @property
    def deletion_auc(self) -> float:
        return _area(self.fractions, self.deletion)

    @property
    def insertion_auc(self) -> float:
        return _area(self.fractions, self.insertion)


def _area(xs: list[float], ys: list[float]) -> float:
    """The area under a curve by the trapezoid rule.

    >>> _area([0, 0.5, 1], [1, 1, 0])
    0.75
    """
    return float(sum((x1 - x0) * (y0 + y1) / 2 for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:], strict=False)))


def deletion_insertion(model: torch.nn.Module, x: torch.Tensor, target: int, heatmap: torch.Tensor, *,
                       steps: int = 16, batch: int = 17, least_first: bool = False) -> Faithfulness:
    """Deletion and insertion curves of ``heatmap`` (Tensor[H, W]) for class ``target`` on ``x`` (Tensor[1, 3, H, W]).

    Deleted pixels take the value 0 (the mean colour after normalisation); insertion starts from a
    heavily blurred copy of the image, so the model sees no sharp evidence until it is revealed.
    Ties in the heatmap are broken by position, so the curves are deterministic. ``least_first`` also
    gives the deletion curve with the lowest-ranked pixels removed first.
    """
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, 3, H, W], got shape {tuple(x.shape)}")
    if tuple(heatmap.shape) != tuple(x.shape[2:]):
        raise InvalidParameter(f"heatmap must be Tensor[{x.shape[2]}, {x.shape[3]}] like the image, got {tuple(heatmap.shape)}")
    if not 2 <= steps <= 100:
        raise InvalidParameter(f"steps must be in [2, 100], got {steps}")
    h, w = heatmap.shape
    order = torch.argsort(heatmap.flatten().float().cpu(), descending=True, stable=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    rank = rank.view(1, 1, h, w).to(x.device)
    fractions = [i / steps for i in range(steps + 1)]
    size = min(51, 2 * (min(h, w) // 4) + 1)  # a wide blur, narrower on small inputs
    blurred = TF.gaussian_blur(x, kernel_size=size, sigma=size / 3.4)
    deleted, inserted, reverse = [], [], []
    for f in fractions:
        top = rank < round(f * h * w)  # [1, 1, H, W]: the pixels ranked in the top fraction f
        deleted.append(torch.where(top, torch.zeros_like(x), x))
        inserted.append(torch.where(top, x, blurred))
        if least_first:
            bottom = rank >= h * w - round(f * h * w)  # the pixels ranked in the bottom fraction f
            reverse.append(torch.where(bottom, torch.zeros_like(x), x))
    with torch.inference_mode():
        probs = torch.cat([F.softmax(model(chunk), -1)[:, target]
                           for chunk in torch.cat(deleted + inserted + reverse).split(batch)])
    probs = probs.float().cpu().tolist()
    n = steps + 1
    return Faithfulness(fractions, probs[:n], probs[n: 2 * n], probs[2 * n:] if least_first else None)


def randomized_top(model: torch.nn.Module, layers: int, *, seed: int = 0) -> torch.nn.Module:
    """A copy of ``model`` whose last ``layers`` layers with weights (counted from the output) are re-initialised.

    The shared model is never touched. Cascading randomization: 1 randomizes the classifier only.
    """
    with_weights = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    if not 1 <= layers <= len(with_weights):
        raise InvalidParameter(f"layers must be in [1, {len(with_weights)}], got {layers}")
    twin = copy.deepcopy(model).eval()
    targets = [m for m in twin.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))][-layers:]
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in targets:
            fan_in = module.weight[0].numel()
            module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
            if module.bias is not None:
                module.bias.zero_()
    return twin


def rank_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman's rank correlation between two maps of the same shape (1: same order of pixels).

    >>> m = torch.arange(16.0).view(4, 4)
    >>> rank_correlation(m, m * 3 + 1), rank_correlation(m, -m)
    (1.0, -1.0)
    """
    if a.shape != b.shape:
        raise InvalidParameter(f"maps must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")

    def ranks(t: torch.Tensor) -> torch.Tensor:
        flat = t.flatten().double()
        r = torch.empty_like(flat)
        r[torch.argsort(flat, stable=True)] = torch.arange(flat.numel(), dtype=torch.float64)
        return r - r.mean()

    ra, rb = ranks(a), ranks(b)
    denominator = float(ra.norm() * rb.norm())
    return round(float((ra * rb).sum()) / denominator, 12) if denominator else 0.0
