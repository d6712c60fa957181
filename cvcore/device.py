"""Where tensors live: CUDA, then Apple's MPS, then the CPU.

``CVCORE_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice, so a
host can pin the app to the CPU even when a GPU is present.
"""

import os

import torch

from cvcore.errors import InvalidParameter

__all__ = ["default_device", "resolve_device", "describe_device", "configure_threads"]

_ENV = "CVCORE_DEVICE"


def default_device() -> torch.device:
    """The device heavy functions use when none is given.

    >>> default_device().type in {"cpu", "cuda", "mps"}
    True
    """
    override = os.environ.get(_ENV, "").strip()
    if override:
        return resolve_device(override)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """Turn ``None``, a name or a ``torch.device`` into an available ``torch.device``.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None:
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidParameter(f"device must be like 'cpu', 'cuda' or 'mps', got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameter(f"device {str(dev)!r} was asked for, but CUDA is not available here")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise InvalidParameter("device 'mps' was asked for, but MPS is not available here")
    return dev


def describe_device(device: str | torch.device | None = None) -> str:
    """A short human-readable name, e.g. ``"CPU"`` or ``"CUDA: NVIDIA H100"``."""
    dev = resolve_device(device)
    if dev.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(dev)}"
    if dev.type == "mps":
        return "Apple MPS"
    return "CPU"


def configure_threads(default: int = 1) -> int:
    """Set torch's CPU threads per operation from ``CVCORE_THREADS`` (else ``default``); returns it.

    A server runs many small computations for many sessions at once: one thread each is
    fastest there, because idle OpenMP threads spin between operations and starve the web
    server's own threads (measured: 134 vs 1,121 steps/s in the Learning-a-filter lab on 2 cores).

    >>> configure_threads(1)
    1
    """
    raw = os.environ.get("CVCORE_THREADS", "").strip()
    try:
        threads = int(raw) if raw else default
    except ValueError:
        raise InvalidParameter(f"CVCORE_THREADS must be a whole number, got {raw!r}") from None
    if threads < 1:
        raise InvalidParameter(f"CVCORE_THREADS must be >= 1, got {threads}")
    torch.set_num_threads(threads)
    return threads
