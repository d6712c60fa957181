"""What the embedding is trained for, and an alternative to a threshold.

- The triplet loss (Schroff et al., 2015, FaceNet eq. 1): with anchor A, positive P (same person) and
  negative N, L = max(d(A, P) - d(A, N) + alpha, 0); the course writes d as the squared Euclidean distance.
  A triplet is *easy* when d(A, N) > d(A, P) + alpha (loss 0, nothing to learn), *semi-hard* when
  d(A, P) < d(A, N) <= d(A, P) + alpha, *hard* when d(A, N) <= d(A, P).
- The siamese head (Taigman et al., 2014, DeepFace): verification as binary classification, a logistic
  unit on |f(x_i) - f(x_j)|, trained on labelled pairs.
- A 2-D view of the embedding space by PCA.
"""

from dataclasses import dataclass

import torch

from cvcore.errors import InvalidParameter

__all__ = ["TRIPLET_DISTANCES", "TripletCounts", "SiameseHead", "triplet_loss", "triplet_kinds", "train_siamese_head",
           "pca_2d"]

TRIPLET_DISTANCES = ("squared", "euclidean", "cosine")


@dataclass(frozen=True)
class TripletCounts:
    """How many (anchor, positive, negative) triplets of a labelled set are easy, semi-hard and hard."""

    easy: int
    semi_hard: int
    hard: int

    @property
    def total(self) -> int:
        return self.easy + self.semi_hard + self.hard


@dataclass(frozen=True)
class SiameseHead:
    """p(same | x_i, x_j) = sigmoid(w . |f_i - f_j| + b), with its training curve (mean loss per step)."""

    weight: torch.Tensor  # [D]
    bias: float
    losses: tuple[float, ...]

    def probability(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """p(same) for pairs of embeddings a, b [K, D] -> [K]."""
        return torch.sigmoid((a - b).abs() @ self.weight + self.bias)


def _distance(a: torch.Tensor, b: torch.Tensor, distance: str) -> torch.Tensor:
    if distance == "squared":
        return ((a - b) ** 2).sum(-1)
    if distance == "euclidean":
        return (a - b).norm(dim=-1)
    return 1.0 - torch.nn.functional.cosine_similarity(a, b, dim=-1)


def triplet_loss(anchor, positive, negative, margin: float = 0.2, *, distance: str = "squared",
                 reduction: str = "none") -> torch.Tensor:
    """max(d(A, P) - d(A, N) + margin, 0) per triplet: embeddings [D] or [N, D] -> a scalar or Tensor[N]
    (``reduction="mean"`` or ``"sum"`` reduces over the triplets).

    >>> a, p, n = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    >>> float(triplet_loss(a, p, n, 0.5)), float(triplet_loss(a, n, p, 0.5))  # max(1 - 4 + .5, 0), max(4 - 1 + .5, 0)
    (0.0, 3.5)
    """
    if distance not in TRIPLET_DISTANCES:
        raise InvalidParameter(f"distance must be one of {list(TRIPLET_DISTANCES)}, got {distance!r}")
    if reduction not in ("none", "mean", "sum"):
        raise InvalidParameter(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    if float(margin) < 0:
        raise InvalidParameter(f"margin must be >= 0, got {margin}")
    a, p, n = (torch.as_tensor(t, dtype=torch.float32) for t in (anchor, positive, negative))
    if not (a.shape == p.shape == n.shape) or a.ndim not in (1, 2):
        raise InvalidParameter(f"expected anchor, positive and negative of one shape [D] or [N, D], got "
                               f"{tuple(a.shape)}, {tuple(p.shape)} and {tuple(n.shape)}")
    loss = (_distance(a, p, distance) - _distance(a, n, distance) + float(margin)).clamp_min(0.0)
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def triplet_kinds(embeddings, labels, margin: float = 0.2, *, distance: str = "squared") -> TripletCounts:
    """Count every triplet (a, p, n) of a labelled set with label[a] == label[p] != label[n], a != p.

    >>> e = torch.tensor([[0.0], [0.1], [1.0], [0.15]]); triplet_kinds(e, [0, 0, 1, 1], 0.2, distance="euclidean")
    TripletCounts(easy=2, semi_hard=3, hard=3)
    """
    if distance not in TRIPLET_DISTANCES:
        raise InvalidParameter(f"distance must be one of {list(TRIPLET_DISTANCES)}, got {distance!r}")
    e = torch.as_tensor(embeddings, dtype=torch.float32)
    y = torch.as_tensor(labels)
    if e.ndim != 2 or len(y) != len(e):
        raise InvalidParameter(f"expected embeddings [N, D] and N labels, got {tuple(e.shape)} and {len(y)} labels")
    d = _distance(e[:, None], e[None], distance)  # [N, N]
    same = y[:, None] == y[None]
    positive = same & ~torch.eye(len(e), dtype=torch.bool)  # [a, p]
    d_ap, d_an = d[:, :, None], d[:, None, :]  # [a, p, 1], [a, 1, n]
    valid = positive[:, :, None] & ~same[:, None, :]  # [a, p, n]
    hard = valid & (d_an <= d_ap)
    semi = valid & (d_an > d_ap) & (d_an <= d_ap + float(margin))
    easy = valid & (d_an > d_ap + float(margin))
    return TripletCounts(int(easy.sum()), int(semi.sum()), int(hard.sum()))


def train_siamese_head(a, b, same, *, steps: int = 200, lr: float = 0.1, weight_decay: float = 1e-3,
                       seed: int = 0) -> SiameseHead:
    """Fit the logistic head on labelled pairs: embeddings a, b [K, D], same [K] (bool), by full-batch Adam on
    the binary cross-entropy (plus ``weight_decay`` * ||w||^2 / 2)."""
    a, b = torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    y = torch.as_tensor(same, dtype=torch.float32).flatten()
    if a.shape != b.shape or a.ndim != 2 or len(y) != len(a):
        raise InvalidParameter(f"expected pairs a, b [K, D] and K labels, got {tuple(a.shape)}, {tuple(b.shape)} and {len(y)}")
    if not 1 <= steps <= 10_000:
        raise InvalidParameter(f"steps must be between 1 and 10000, got {steps}")
    if len(torch.unique(y)) < 2:
        raise InvalidParameter("expected both same and different pairs to train on, got only one kind")
    x = (a - b).abs()  # [K, D]
    generator = torch.Generator().manual_seed(seed)
    w = (torch.randn(x.shape[1], generator=generator) * 0.01).to(x.device).requires_grad_()  # drawn on the CPU
    bias = torch.zeros(1, device=x.device, requires_grad=True)
    optimiser = torch.optim.Adam([w, bias], lr=lr)
    losses = []
    with torch.enable_grad():
        for _ in range(steps):
            optimiser.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + bias, y) + weight_decay * (w ** 2).sum() / 2
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
    return SiameseHead(w.detach(), float(bias.detach()), tuple(losses))


def pca_2d(embeddings) -> tuple[torch.Tensor, torch.Tensor]:
    """The embeddings projected on their first two principal axes: (Tensor[N, 2], explained variance ratio [2]).

    >>> pts, ratio = pca_2d(torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])); ratio.tolist()
    [0.800000011920929, 0.20000000298023224]
    """
    e = torch.as_tensor(embeddings, dtype=torch.float64)
    if e.ndim != 2 or len(e) < 2:
        raise InvalidParameter(f"expected at least two embeddings [N, D], got shape {tuple(e.shape)}")
    centred = e - e.mean(0)
    _, sigma, vt = torch.linalg.svd(centred, full_matrices=False)
    k = min(2, vt.shape[0])
    points = centred @ vt[:k].T
    if k < 2:
        points = torch.cat([points, torch.zeros(len(e), 2 - k, dtype=e.dtype)], 1)
    variance = sigma ** 2
    ratio = variance[:2] / variance.sum() if float(variance.sum()) > 0 else torch.zeros(2, dtype=e.dtype)
    if len(ratio) < 2:
        ratio = torch.cat([ratio, torch.zeros(2 - len(ratio), dtype=e.dtype)])
    return points.float(), ratio.float()
