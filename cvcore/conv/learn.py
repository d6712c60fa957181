"""Learning a filter: gradient descent finds the nine numbers of an edge detector by itself.

The course says a CNN learns its filters instead of having them designed. Here a random
3x3 kernel is trained so that convolving a real image with it reproduces the output of a
target kernel (Sobel, Scharr, or any other): the loss falls, and the nine numbers converge
to the target's.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cvcore import _validate
from cvcore.errors import InvalidParameter

__all__ = ["LearnStep", "learn_kernel"]


@dataclass(frozen=True)
class LearnStep:
    """Progress after ``step`` updates: the mean squared error and the current kernel (Tensor[kh, kw]).

    ``seconds`` is the time spent computing those updates, without the time between records (a page that paces
    the records for its learners waits there)."""

    step: int
    loss: float
    kernel: torch.Tensor
    distance: float  # max |kernel - target|
    diverged: bool = False  # the loss blew up (learning rate too high); the generator stops here
    seconds: float = 0.0


def learn_kernel(image, target, *, steps: int = 300, lr: float = 0.1, seed: int = 0,
                 optimizer: str = "sgd") -> Iterator[LearnStep]:
    """Train a random kernel to imitate ``target`` on ``image``; yields one ``LearnStep`` per update.

    Args:
        image (Tensor[H, W]): a grayscale image; it is standardised (zero mean, unit variance) first,
            which keeps the problem well conditioned for any intensity range.
        target (Tensor[kh, kw]): the kernel whose output is to be reproduced.
        steps: number of updates (1 to 10,000); the caller may stop early at any step.
        lr: learning rate; optimizer: "sgd" (with momentum 0.9) or "adam".

    >>> last = list(learn_kernel(torch.rand(32, 32), torch.tensor([[1., 0, -1]] * 3), steps=300))[-1]
    >>> last.distance < 0.05
    True
    """
    x = _validate.matrix(image, "image").float()[None, None]
    x = (x - x.mean()) / (x.std() if float(x.std()) > 0 else 1.0)
    t = _validate.matrix(target, "target").float().to(x.device)
    if not 1 <= steps <= 10_000:
        raise InvalidParameter(f"steps must be between 1 and 10000, got {steps}")
    if not 0 < lr <= 10:
        raise InvalidParameter(f"lr must be in (0, 10], got {lr}")
    if optimizer not in ("adam", "sgd"):
        raise InvalidParameter(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    if x.shape[2] < t.shape[0] or x.shape[3] < t.shape[1]:
        raise InvalidParameter(f"the image ({x.shape[2]}x{x.shape[3]}) must be at least as large as the kernel "
                               f"({t.shape[0]}x{t.shape[1]})")
    with torch.no_grad():
        wanted = F.conv2d(x, t[None, None])
    gen = torch.Generator().manual_seed(seed)
    # drawn on the CPU (the same start on every device), then moved to the image's device
    kernel = (torch.randn(t.shape, generator=gen) * 0.5).to(x.device).requires_grad_(True)
    opt = torch.optim.Adam([kernel], lr=lr) if optimizer == "adam" else torch.optim.SGD([kernel], lr=lr, momentum=0.9)
    computing = 0.0
    for step in range(1, steps + 1):
        began = time.perf_counter()
        opt.zero_grad()
        loss = F.mse_loss(F.conv2d(x, kernel[None, None]), wanted)
        loss.backward()
        opt.step()
        current = kernel.detach().clone()
        value = loss.item()
        diverged = not torch.isfinite(loss) or value > 1e12
        computing += time.perf_counter() - began
        yield LearnStep(step, value, current, float((current - t).abs().max()), diverged, computing)
        if diverged:
            return
