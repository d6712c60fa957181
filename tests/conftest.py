"""Shared fixtures. Tests never use the network; the only server they talk to runs on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_app(log_name: str, *extra_args: str) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free port of 127.0.0.1 (offline, CPU), logging to ``test-artifacts/<log_name>``;
    returns the process and its base URL once it answers its health check (fails the test after 90 s)."""
    port = free_port()
    env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu")
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *extra_args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()  # the child keeps its own handle
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop(proc)
    pytest.fail(f"the Streamlit server did not start within 90 s (see test-artifacts/{log_name})")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a server to stop; kill it if it is still there after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@pytest.fixture(scope="session")
def app_server():
    """The app served by `streamlit run` on 127.0.0.1; yields its base URL."""
    proc, url = start_app("streamlit-server.log")
    yield url
    stop(proc)
