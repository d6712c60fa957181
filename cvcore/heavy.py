"""The heavy jobs as functions of plain data, so that a worker of a shared pool (``cvcore.cluster``) can run them.

Each takes names of networks instead of the networks themselves and rebuilds (or loads, once per process) what it
needs, then returns the engine's generator of progress records, exactly as the labs call it in the web process.
Learning a filter needs nothing rebuilt: its job calls ``cvcore.conv.learn.learn_kernel`` directly.
"""

import functools
from collections.abc import Iterator
from typing import NamedTuple

import torch

from cvcore.device import resolve_device

__all__ = ["NetworkProgress", "train_networks", "style_transfer", "maximize"]

INPUT = (1, 28, 28)  # the digits the Build lab trains on


class NetworkProgress(NamedTuple):
    """A record of ``train_networks``: ``label`` names the network, ``epochs`` counts those of every network so far."""

    label: str
    model: torch.nn.Module
    epochs: float
    record: object  # cvcore.networks.training.EpochRecord


@functools.lru_cache(maxsize=4)
def _pretrained(name: str, device: str) -> torch.nn.Module:
    from cvcore import zoo

    return zoo.load(name, device=device)  # in eval mode, never changed: the jobs only read it


@functools.lru_cache(maxsize=1)
def _digits():
    from cvcore.data import digits

    return digits.digits(INPUT[1])


def train_networks(networks: dict, opts: dict, *, data=None) -> Iterator[NetworkProgress]:
    """Train each network (label -> list of ``builder.LayerSpec``) in turn on the digits, from the same seed.

    ``opts``: ``train_classifier``'s keyword arguments (epochs, lr, batch_size, seed); ``data`` the digits
    (``cvcore.data.digits.digits(28)`` when None)."""
    from cvcore.networks import builder, training

    data = data if data is not None else _digits()
    for index, (label, specs) in enumerate(networks.items()):
        model = builder.build_network(specs, INPUT, seed=opts["seed"])
        for record in training.train_classifier(model, data, **opts):
            yield NetworkProgress(label, model, index * opts["epochs"] + record.epoch, record)


def style_transfer(content, style, *, settings, device=None) -> Iterator:
    """``cvcore.style.gatys.transfer`` with the backbone ``settings.backbone`` loaded here (weights from the zoo)."""
    from cvcore.style import gatys

    dev = resolve_device(device)
    return gatys.transfer(content, style, model=_pretrained(settings.backbone, str(dev)), settings=settings, device=dev)


def maximize(model: str, layer: str, channel: int, *, device=None, **options) -> Iterator:
    """``cvcore.inside.maximize.maximize_channel`` on the zoo network named ``model``."""
    from cvcore.inside.maximize import maximize_channel

    dev = resolve_device(device)
    return maximize_channel(_pretrained(model, str(dev)), layer, channel, device=dev, **options)
