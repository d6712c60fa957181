"""Servers on 127.0.0.1: ``streamlit run`` of the app (or of any script), or any command that serves Streamlit's
health check, started with given settings and environment, waited for, and stopped.

    with streamlit_app("--theme.base", "dark", log=ARTIFACTS / "dark.log") as app:
        urllib.request.urlopen(app.url + "/convolution")
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SHARED_WEIGHTS = ROOT.parent / "shared" / "weights"
HEALTH = "/_stcore/health"

__all__ = ["ROOT", "ARTIFACTS", "SHARED_WEIGHTS", "HEALTH", "ServerFailed", "Server", "free_port", "app_env",
           "streamlit_app", "health", "wait_healthy", "stop"]

# Requests to 127.0.0.1 never go through a proxy that the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerFailed(RuntimeError):
    """A server that ended, or did not answer in time, while starting; the message says where its log is."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(base: dict | None = None, *, weights: bool = False, **extra: str) -> dict:
    """``base`` (this process's environment by default) with the app offline and on the CPU; with ``weights``, the
    weights folder is ``../shared/weights`` unless ``CVCORE_WEIGHTS_DIR`` names one. ``extra`` is added last."""
    env = dict(os.environ if base is None else base, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu")
    if weights and not env.get("CVCORE_WEIGHTS_DIR") and SHARED_WEIGHTS.is_dir():
        env["CVCORE_WEIGHTS_DIR"] = str(SHARED_WEIGHTS)
    env.update(extra)
    return env


def health(url: str, timeout: float = 5) -> str:
    """What ``url``'s health check answers ("ok"); ``OSError`` while nothing answers."""
    with _DIRECT.open(url + HEALTH, timeout=timeout) as response:
        return response.read().decode()


def wait_healthy(url: str, procs: Iterable[subprocess.Popen] = (), *, within: float = 90, interval: float = 0.5,
                 log: str = "test-artifacts/") -> str:
    """Poll ``url``'s health check until it answers; returns the answer. ``ServerFailed`` if one of ``procs`` ends
    first or ``within`` seconds pass (the message points to ``log``)."""
    procs = list(procs)
    deadline = time.monotonic() + within
    while True:
        ended = [p for p in procs if p.poll() is not None]
        if ended:
            raise ServerFailed(f"a server ended with status {ended[0].returncode} before {url} answered (see {log})")
        try:
            return health(url, timeout=2)
        except OSError:
            if time.monotonic() > deadline:
                raise ServerFailed(f"{url} did not answer within {within:.0f} s (see {log})") from None
            time.sleep(interval)


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a server to stop; kill it if it is still there after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class Server:
    """A server process: ``command`` run in ``cwd`` with ``env``, its output in ``log`` (discarded when None), that
    answers on 127.0.0.1:``port``. ``launch()`` starts it, ``wait()`` waits for its health check, ``start()`` does
    both; as a context manager it is started on entry and stopped on exit. ``started`` is the wall time of its start
    (epoch seconds)."""

    def __init__(self, command: Sequence[str], port: int, *, env: dict | None = None, cwd: Path = ROOT,
                 log: Path | None = None, within: float = 90, interval: float = 0.5):
        self.command, self.port, self.env, self.cwd = list(command), port, env, cwd
        self.log, self.within, self.interval = log, within, interval
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def launch(self) -> "Server":
        if self.log is None:
            out = subprocess.DEVNULL
        else:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            out = open(self.log, "w")
        self.started = time.time()
        try:
            self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        finally:
            if self.log is not None:
                out.close()  # the child keeps its own handle
        return self

    def wait(self) -> str:
        """Wait for the health check; returns its answer. On failure the process is stopped and ``ServerFailed``
        raised."""
        try:
            return wait_healthy(self.url, [self.proc], within=self.within, interval=self.interval,
                                log=str(self.log) if self.log else "its command: " + " ".join(self.command))
        except ServerFailed:
            self.stop()
            raise

    def start(self) -> "Server":
        self.launch().wait()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def streamlit_app(*args: str, script: Path = ROOT / "app.py", env: dict | None = None, root: Path = ROOT,
                  python: str | Path | None = None, log: Path | None = None, within: float = 90,
                  interval: float = 0.5) -> Server:
    """``streamlit run script *args`` on a free port of 127.0.0.1, headless, in ``root`` (whose
    ``.streamlit/config.toml`` it reads) with ``env`` (``app_env()`` by default), by ``python`` (this interpreter by
    default). Not started yet: use it as a context manager, or call ``start()``."""
    port = free_port()
    command = [str(python or sys.executable), "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", *args]
    return Server(command, port, env=app_env() if env is None else env, cwd=root, log=log, within=within,
                  interval=interval)
