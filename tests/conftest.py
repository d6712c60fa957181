"""Shared fixtures. Tests never use the network; the only server they talk to runs on 127.0.0.1."""

import sys
from pathlib import Path

import pytest

_CHECKOUT = str(Path(__file__).resolve().parents[1])
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from harness.server import ARTIFACTS, ROOT  # noqa: E402, F401  (ROOT: the tests import it from here)


def pytest_addoption(parser):
    """``--device``: where the tests under tests/device run the engine (``pytest tests/device --device cuda``)."""
    parser.addoption("--device", default="cpu", help="the device tests/device checks against the CPU (default cpu)")


def pytest_configure(config):
    """A ``--device`` this machine lacks stops the run before any test: a GPU check must never pass by skipping."""
    from cvcore.device import resolve_device
    from cvcore.errors import CvcoreError

    try:
        resolve_device(config.getoption("--device"))
    except CvcoreError as exc:
        raise pytest.UsageError(f"--device: {exc}; nothing was checked") from None


@pytest.fixture(scope="session")
def mobilenet():
    """The offline MobileNetV2 (ImageNet weights from the carrier package), in eval mode on the CPU."""
    from cvcore import zoo

    return zoo.load("mobilenet_v2", device="cpu")


@pytest.fixture(scope="session")
def entry():
    """MobileNetV2's registry entry: preprocessing, categories, CAM layer."""
    from cvcore import zoo

    return zoo.registry()["mobilenet_v2"]


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No weights folder, an empty torch hub cache, online unless a test says otherwise."""
    monkeypatch.delenv("CVCORE_WEIGHTS_DIR", raising=False)
    monkeypatch.delenv("CVCORE_OFFLINE", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
