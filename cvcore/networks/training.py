"""Training a small classifier in the page: a generator of progress records that can be stopped any time."""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cvcore.data.digits import Dataset
from cvcore.errors import InvalidParameter

__all__ = ["EpochRecord", "train_classifier", "evaluate", "confusion_matrix"]


@dataclass(frozen=True)
class EpochRecord:
    """Progress after ``epoch`` passes over the training set (fractions of an epoch while in progress)."""

    epoch: float
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    images_per_s: float


def _device(model: nn.Module) -> torch.device:
    """Where the model's parameters are (data goes there a batch at a time)."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 512) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on images x Tensor[N, C, H, W] with labels y Tensor[N]
    (on any device: each batch is moved to the model's)."""
    on = _device(model)
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            xb, yb = x[start:start + batch_size].to(on), y[start:start + batch_size].to(on)
            logits = model(xb)
            total_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int((logits.argmax(1) == yb).sum())
    return total_loss / len(y), correct / len(y)


def confusion_matrix(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Tensor[n_classes, n_classes] on the CPU: row = true class, column = predicted class (the model runs on its
    own device).

    >>> confusion_matrix(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.zeros(3, 1, 2, 2), torch.tensor([0, 1, 1]), 2).sum()
    tensor(3)
    """
    model.eval()
    with torch.no_grad():
        predicted = model(x.to(_device(model))).argmax(1).cpu()
    return torch.bincount(y.cpu() * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _recompute_bn(model: nn.Module, x: torch.Tensor, batch_size: int) -> None:
    """Batch-norm statistics as exact averages over ``x`` Tensor[N, C, H, W] (the model's weights do not change)."""
    on = _device(model)
    with torch.no_grad():
        torch.optim.swa_utils.update_bn((x[i:i + batch_size] for i in range(0, len(x), batch_size)), model, device=on)


def train_classifier(model: nn.Module, data: Dataset, *, epochs: int = 5, lr: float = 1e-3, batch_size: int = 64,
                     seed: int = 0, reports_per_epoch: int = 4, precise_bn: bool = False) -> Iterator[EpochRecord]:
    """Adam on cross-entropy; yields a record ``reports_per_epoch`` times per epoch (the last at each epoch's end).

    The model trains where its parameters are; ``data`` may be elsewhere (each batch is moved to the model's device).

    ``precise_bn``: before each validation, recompute every batch-norm layer's statistics over the whole training set
    (``torch.optim.swa_utils.update_bn``). A network trained from scratch on a few batches per epoch otherwise
    validates with running averages still far from its activations' real statistics (mostly their initial 0 and 1),
    and a deep one such as MobileNetV2 then gives the same class for every image. Not for a model whose batch-norm
    layers are frozen (in eval mode while it trains): their statistics would be reset and not recomputed.
    """
    if not 1 <= epochs <= 100:
        raise InvalidParameter(f"epochs must be between 1 and 100, got {epochs}")
    if not 0 < lr <= 1:
        raise InvalidParameter(f"lr must be in (0, 1], got {lr}")
    if not 1 <= batch_size <= 1024:
        raise InvalidParameter(f"batch_size must be between 1 and 1024, got {batch_size}")
    gen = torch.Generator().manual_seed(seed)
    on = _device(model)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = len(data.train_y)
    batches = (n + batch_size - 1) // batch_size
    report_every = max(1, batches // reports_per_epoch)
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen)
        seen, loss_sum, correct, start = 0, 0.0, 0, time.perf_counter()
        for b in range(batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            xb, yb = data.train_x[idx.to(data.train_x.device)].to(on), data.train_y[idx.to(data.train_y.device)].to(on)
            model.train()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            if (b + 1) % report_every == 0 or b == batches - 1:
                if precise_bn:
                    _recompute_bn(model, data.train_x, batch_size)
                val_loss, val_acc = evaluate(model, data.val_x, data.val_y)
                yield EpochRecord(epoch + (b + 1) / batches, loss_sum / seen, correct / seen, val_loss, val_acc,
                                  seen / max(time.perf_counter() - start, 1e-9))
