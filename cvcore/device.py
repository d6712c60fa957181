"""Where tensors live: CUDA, then Apple's MPS, then the CPU.

``CVCORE_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice, so a
host can pin the app to the CPU even when a GPU is present.
"""

import os

import torch

from cvcore.errors import InvalidParameter

__all__ = ["default_device", "resolve_device", "describe_device"]

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


def resolve_device(device: "str | torch.device | None") -> torch.device:
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


def describe_device(device: "str | torch.device | None" = None) -> str:
    """A short human-readable name, e.g. ``"CPU"`` or ``"CUDA: NVIDIA H100"``."""
    dev = resolve_device(device)
    if dev.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(dev)}"
    if dev.type == "mps":
        return "Apple MPS"
    return "CPU"
