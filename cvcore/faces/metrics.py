"""Choosing the threshold tau from labelled pairs: ROC, FAR and FRR against tau, the equal-error rate and
the accuracy-maximising tau.

A pair is accepted ("same person") when its distance d <= tau.
FAR(tau) = accepted different pairs / different pairs (false accepts); FRR(tau) = rejected same pairs /
same pairs (false rejects); the ROC curve plots the true-accept rate 1 - FRR against FAR as tau grows.
"""

from dataclasses import dataclass

import torch

from cvcore.errors import InvalidParameter

__all__ = ["Roc", "ThresholdSummary", "roc", "rates_at", "threshold_summary"]


@dataclass(frozen=True)
class Roc:
    """``thresholds`` [T] increasing (every distinct distance, with -inf first); ``far``, ``tar`` [T] at each."""

    thresholds: torch.Tensor
    far: torch.Tensor
    tar: torch.Tensor
    auc: float

    @property
    def frr(self) -> torch.Tensor:
        return 1.0 - self.tar


@dataclass(frozen=True)
class ThresholdSummary:
    """The equal-error rate (FAR = FRR) and where it falls; the best accuracy and its tau."""

    eer: float
    eer_threshold: float
    best_accuracy: float
    best_threshold: float


def _pairs(distances, same) -> tuple[torch.Tensor, torch.Tensor]:
    d = torch.as_tensor(distances, dtype=torch.float64).flatten()
    s = torch.as_tensor(same).flatten().bool()
    if d.shape != s.shape:
        raise InvalidParameter(f"expected one label per distance, got {len(d)} distances and {len(s)} labels")
    if not torch.isfinite(d).all():
        raise InvalidParameter("expected finite distances, got NaN or infinity")
    if int(s.sum()) == 0 or int((~s).sum()) == 0:
        raise InvalidParameter(f"expected both same and different pairs, got {int(s.sum())} same and {int((~s).sum())} different")
    return d, s


def roc(distances, same) -> Roc:
    """The ROC of the rule "same when d <= tau" over every tau.

    distances (Tensor[K]), same (Tensor[K] bool): one labelled pair each.

    >>> r = roc([0.1, 0.2, 0.3, 0.4], [True, False, True, False]); r.auc
    0.75
    >>> r.far.tolist(), r.tar.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    d, s = _pairs(distances, same)
    order = torch.argsort(d, stable=True)
    d, s = d[order], s[order]
    last = torch.ones(len(d), dtype=torch.bool)  # the last pair of each run of equal distances
    last[:-1] = d[1:] != d[:-1]
    tp = torch.cumsum(s.double(), 0)[last]
    fp = torch.cumsum((~s).double(), 0)[last]
    zero = torch.zeros(1, dtype=torch.float64)
    tar = torch.cat([zero, tp / tp[-1]])
    far = torch.cat([zero, fp / fp[-1]])
    thresholds = torch.cat([torch.tensor([float("-inf")], dtype=torch.float64), d[last]])
    auc = float(torch.trapezoid(tar, far))
    return Roc(thresholds, far, tar, auc)


def rates_at(distances, same, threshold: float) -> tuple[float, float, float]:
    """(FAR, FRR, accuracy) of the rule "same when d <= threshold".

    >>> rates_at([0.1, 0.2, 0.3, 0.4], [True, False, True, False], 0.25)
    (0.5, 0.5, 0.5)
    """
    d, s = _pairs(distances, same)
    accept = d <= float(threshold)
    far = float((accept & ~s).sum()) / int((~s).sum())
    frr = float((~accept & s).sum()) / int(s.sum())
    return far, frr, float((accept == s).double().mean())


def threshold_summary(distances, same) -> ThresholdSummary:
    """The equal-error rate and the accuracy-maximising threshold over every distinct tau.

    The EER is read where FAR - FRR changes sign, interpolated linearly between the two taus around it;
    the best tau is the midpoint between the distance where accuracy peaks and the next one.

    >>> t = threshold_summary([0.1, 0.2, 0.3, 0.4], [True, True, False, False]); t.eer, t.best_accuracy, t.best_threshold
    (0.0, 1.0, 0.25)
    """
    d, s = _pairs(distances, same)
    r = roc(d, s)
    taus, far, frr = r.thresholds[1:], r.far[1:], r.frr[1:]
    n_same, n_diff = int(s.sum()), int((~s).sum())
    accuracy = ((1 - frr) * n_same + (1 - far) * n_diff) / (n_same + n_diff)
    accuracy = torch.cat([torch.tensor([n_diff / (n_same + n_diff)], dtype=torch.float64), accuracy])  # tau below all
    best = int(torch.argmax(accuracy))
    values = torch.cat([taus[:1] - 1e-6, taus])
    nxt = values[best + 1] if best + 1 < len(values) else values[best] + 1e-6
    best_tau = float((values[best] + nxt) / 2) if best > 0 else float(taus[0] - 1e-6)
    gap = far - frr  # rises from -1 towards +1 as tau grows
    k = int(torch.nonzero(gap >= 0)[0]) if bool((gap >= 0).any()) else len(gap) - 1
    if k == 0:
        eer, eer_tau = float((far[0] + frr[0]) / 2), float(taus[0])
    else:
        g0, g1 = float(gap[k - 1]), float(gap[k])
        w = -g0 / (g1 - g0) if g1 != g0 else 0.0
        eer = float((1 - w) * (far[k - 1] + frr[k - 1]) / 2 + w * (far[k] + frr[k]) / 2)
        eer_tau = float((1 - w) * taus[k - 1] + w * taus[k])
    return ThresholdSummary(eer, eer_tau, float(accuracy[best]), best_tau)
