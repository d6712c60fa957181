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

__all__ = ["NetworkProgress", "Trained", "train_networks", "transfer_records", "fine_tune", "style_transfer", "maximize"]

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


class Trained(NamedTuple):
    """A record of ``fine_tune``: the epoch's record and, with the last epoch's, the network's weights (on the CPU),
    so that the page that asked for the job holds the trained network as if it had trained it itself."""

    record: object  # cvcore.networks.training.EpochRecord
    weights: dict | None


def transfer_records(net, data, *, epochs: int, lr: float, batch_size: int, from_scratch: bool = False) -> Iterator:
    """How the Transfer lab trains ``net`` (a ``TransferNet``) on ``data``: only the head, on features computed once,
    when the backbone is wholly frozen; else the network, with batch-norm statistics recomputed before each
    validation for one from random weights. One ``EpochRecord`` per epoch."""
    from cvcore.networks import training, transfer

    if net.frozen == len(net.features):
        return transfer.train_head(net, data, epochs=epochs, lr=lr)
    return training.train_classifier(net, data, epochs=epochs, lr=lr, batch_size=batch_size, reports_per_epoch=1,
                                     precise_bn=from_scratch)


def fine_tune(data, case: str, *, epochs: int, lr: float, batch_size: int, device=None) -> Iterator[Trained]:
    """Build the Transfer lab's network for ``case`` ("small", "medium", "large" from ImageNet weights, or "scratch"
    from random ones) here, and train it on ``data`` as ``transfer_records`` does."""
    from cvcore.networks import transfer

    dev = resolve_device(device)
    if case == "scratch":
        net, _ = transfer.random_network(len(data.classes), device=dev)
    else:
        net, _ = transfer.make_network(_pretrained("mobilenet_v2", str(dev)), len(data.classes), case)
    for record in transfer_records(net, data, epochs=epochs, lr=lr, batch_size=batch_size,
                                   from_scratch=case == "scratch"):
        done = record.epoch >= epochs
        yield Trained(record, {k: v.detach().cpu() for k, v in net.state_dict().items()} if done else None)


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
