"""Every view of every lab with each weights file missing, and with all of them missing: a clear message in the
learner's words, the rest of the lab working, no traceback and no folder of the server on the page.

The weights are hidden the way a one-file host lacks them: an empty weights folder (holding only the files a case
keeps), an empty torch hub cache and no carrier package. Two ways of being without them are covered: downloads
turned off (``CVCORE_OFFLINE=1``) and a server that has no internet access although nothing says so (every
download fails; the message must then not tell a teacher to "unset CVCORE_OFFLINE"). The views are found by
exploring each page (``tests/pages/explore.py``), so a view added later is visited too.
"""

import os
import sys
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import streamlit as st

from cvcore import weights, zoo
from tests.pages.explore import explore, lab_pages

ROOT = Path(__file__).resolve().parents[2]
SHARED_WEIGHTS = ROOT.parent / "shared" / "weights"

# Each weights file the app can lack (the carrier packages and ../shared hold them here), and the labs that use it.
FILES = {
    "mobilenet_v2-b0353104.pth": zoo.weights_spec("mobilenet_v2"),
    "pnet.pt": zoo.FILES["mtcnn_pnet"],
    "rnet.pt": zoo.FILES["mtcnn_rnet"],
    "onet.pt": zoo.FILES["mtcnn_onet"],
    "mobilefacenet.pt": zoo.FILES["mobilefacenet"],
}
USERS = {
    "mobilenet_v2-b0353104.pth": ("pooling", "inside_cnn", "transfer", "detection", "style_transfer"),
    "pnet.pt": ("faces",),
    "rnet.pt": ("faces",),
    "onet.pt": ("faces",),
    "mobilefacenet.pt": ("faces",),
}
# The learner's name for each file, which its lab's message must use.
NAMES = {"mobilenet_v2-b0353104.pth": "MobileNetV2", "pnet.pt": "MTCNN", "rnet.pt": "MTCNN", "onet.pt": "MTCNN",
         "mobilefacenet.pt": "MobileFaceNet"}
WEIGHT_LABS = sorted({lab for labs in USERS.values() for lab in labs})


def _present(filename: str) -> Path | None:
    """Where this machine holds the file now (carrier package, ../shared/weights), or None."""
    if filename == "mobilefacenet.pt":
        path = SHARED_WEIGHTS / filename
        return path if path.is_file() else None
    location, _ = weights.find_local_weights(FILES[filename])
    return location.path if location is not None else None


def _clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def without(monkeypatch, tmp_path, open_page):
    """``without(missing, online=False)``: hide the files named in ``missing`` (every other one is served from a
    weights folder), and return a function that opens a page and records every AppTest it makes."""
    from ui import warmup

    warmup.start()
    warmup.wait(120)  # its preload of MobileNetV2 must not land in the cache cleared below

    def _hide(missing: set[str], *, online: bool) -> list:
        folder = tmp_path / "weights"
        folder.mkdir()
        for name in set(FILES) - missing:
            source = _present(name)
            if source is None:
                message = f"{name} is not on this machine (../shared/weights, the carrier packages)"
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
            (folder / name).symlink_to(source)
        # No carrier package: cvcore.weights no longer finds the packages that hold MobileNetV2's and MTCNN's files.
        monkeypatch.setattr(weights, "importlib", types.SimpleNamespace(util=types.SimpleNamespace(find_spec=lambda n: None)))
        monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(folder))
        monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
        tried = []

        def no_network(url, *args, **kwargs):
            tried.append(url)
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

        monkeypatch.setattr(urllib.request, "urlopen", no_network)
        if online:  # a host that does not say it is offline (open_page's CVCORE_OFFLINE=1 is taken back)
            monkeypatch.delenv("CVCORE_OFFLINE", raising=False)
        _clear_caches()
        made = []

        def _open(page: str, **kwargs):
            at = open_page(page, **kwargs)
            made.append(at)
            return at

        return _open, made, tried

    yield _hide
    _clear_caches()  # the next tests load the real files again


def _leaks(text: str) -> list[str]:
    """Folders of the server (or raw exception text) that a page must never show."""
    folders = {str(ROOT), str(ROOT.parent), sys.prefix, os.path.expanduser("~"), "/tmp/", "site-packages"}
    raw = ("Traceback", "urlopen error", "Errno", "URLError", "unset CVCORE_OFFLINE")
    return [f for f in folders | set(raw) if f and f in text]


def _page_texts(at) -> list[tuple[str, str]]:
    kinds = ("error", "warning", "info", "success", "markdown", "caption", "exception")
    return [(kind, str(getattr(e, "value", "") or getattr(e, "message", ""))) for kind in kinds for e in at.get(kind)]


def _sweep(page: str, open_recording, made: list, *, depth: int) -> list[tuple[str, str]]:
    """Every view of ``page``; fails on an exception, a traceback or a server folder; returns what the pages said."""
    found = explore(open_recording, page, depth=depth)
    assert not found.failures, found.failures
    said = []
    for at in made:
        assert not at.exception, f"{page}: an uncaught error ({at.exception[0].proto.type})"
        for kind, text in _page_texts(at):
            allowed = {"unset CVCORE_OFFLINE"} if os.environ.get("CVCORE_OFFLINE") == "1" else set()
            leaks = [leak for leak in _leaks(text) if leak not in allowed]
            assert not leaks, f"{page}: {kind} shows {leaks}: {text[:300]}"
            said.append((kind, text))
    assert made, f"{page} was not opened"
    return said


def _told(said: list[tuple[str, str]], filename: str) -> list[str]:
    return [text for kind, text in said if filename in text]


CASES = [(name, lab) for name, labs in USERS.items() for lab in labs]


@pytest.mark.parametrize(("missing", "page"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_each_missing_file_is_explained_where_it_is_used(without, missing, page):
    open_recording, made, tried = without({missing}, online=False)
    said = _sweep(page, open_recording, made, depth=2 if page != "faces" else 1)
    told = _told(said, missing)
    assert told, f"{page}: no view says that {missing} is missing"
    for text in told:
        assert NAMES[missing] in text and "not available on this server" in text and "CVCORE_WEIGHTS_DIR" in text, text
        assert "unset CVCORE_OFFLINE" in text  # downloads are off here: the way to turn them on is the right advice
    assert not [text for kind, text in said if kind == "error" and missing in text], "a missing file is not an error"
    assert not tried, f"{page} tried to download {tried} although downloads are off"


# With every file missing, the first file each lab needs is the one its message names (MTCNN's P-Net comes first).
FIRST_MISSING = {"mobilenet_v2-b0353104.pth": USERS["mobilenet_v2-b0353104.pth"], "pnet.pt": ("faces",)}


@pytest.mark.parametrize("page", lab_pages())
def test_every_lab_with_no_weights_on_a_host_without_internet(without, page):
    """A one-file host: nothing installed but requirements.txt, no internet, and CVCORE_OFFLINE not set."""
    open_recording, made, tried = without(set(FILES), online=True)
    said = _sweep(page, open_recording, made, depth=2 if page in WEIGHT_LABS and page != "faces" else 1)
    for name, labs in FIRST_MISSING.items():
        if page not in labs:
            continue
        told = _told(said, name)
        assert told, f"{page}: no view says that {name} is missing"
        for text in told:
            assert NAMES[name] in text and "cannot reach" in text and "CVCORE_OFFLINE" not in text, text
    assert len(tried) == len(set(tried)), f"a failed download was tried again at once: {tried}"
