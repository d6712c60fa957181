"""Small labelled image sets that work offline, for training networks in the page."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cvcore.errors import InvalidParameter

__all__ = ["Dataset", "digits"]


@dataclass(frozen=True)
class Dataset:
    """Images Tensor[N, 1, S, S] in [0, 1] with labels Tensor[N], split into training and validation."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    classes: tuple[str, ...]


def digits(size: int = 28, *, val_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's handwritten digits (1,797 images of 8x8, shipped with the package), up-scaled to size x size.

    >>> d = digits(28); d.train_x.shape[1:], len(d.classes)
    (torch.Size([1, 28, 28]), 10)
    """
    if not 8 <= size <= 64:
        raise InvalidParameter(f"size must be between 8 and 64, got {size}")
    if not 0.05 <= val_fraction <= 0.5:
        raise InvalidParameter(f"val_fraction must be between 0.05 and 0.5, got {val_fraction}")
    from sklearn.datasets import load_digits  # imported lazily: only this lab needs it

    raw = load_digits()
    x = torch.tensor(raw.images, dtype=torch.float32)[:, None] / 16.0  # [N, 1, 8, 8]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)
    y = torch.tensor(raw.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_val = int(len(y) * val_fraction)
    val, train = order[:n_val], order[n_val:]
    return Dataset(x[train], y[train], x[val], y[val], tuple(str(d) for d in range(10)))
