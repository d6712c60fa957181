"""deploy/nginx.conf in front of two app replicas on 127.0.0.1: health, sticky sessions, the WebSocket, a real page."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, ROOT, free_port, stop
from tests.e2e.test_browser import ARGS, CHROMIUM
from tests.nginx_front import NGINX, start_nginx, write_config

pytestmark = pytest.mark.e2e


def _get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": f"cnnlab_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.read().decode("utf-8", "replace"), response.headers.get("Set-Cookie", "")


def _wait_healthy(url: str, procs, deadline: float) -> None:
    while time.time() < deadline:
        if any(p.poll() is not None for p in procs):
            pytest.fail(f"a process ended early while waiting for {url} (see test-artifacts/)")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within the time allowed (see test-artifacts/)")


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    """Two replicas and nginx in front; yields (nginx URL, access-log path, replica addresses)."""
    if not Path(NGINX).exists():
        pytest.fail(f"nginx is missing at {NGINX}: `make test` installs Debian's nginx package")
    work = tmp_path_factory.mktemp("nginx")
    ARTIFACTS.mkdir(exist_ok=True)
    env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu")
    ports, procs, logs = [free_port(), free_port()], [], []
    for i, port in enumerate(ports):
        logs.append(open(ARTIFACTS / f"replica-{i + 1}.log", "w"))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
    listen = free_port()
    conf = write_config(work, ports, listen)
    access = work / "access.log"
    try:
        nginx = start_nginx(work, conf)
    except RuntimeError as exc:
        for p in procs:
            stop(p)
        pytest.fail(f"nginx -t refused the config: {exc}")
    try:
        deadline = time.time() + 150
        for port in ports:
            _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", procs, deadline)
        _wait_healthy(f"http://127.0.0.1:{listen}/_stcore/health", [nginx], deadline)
        yield f"http://127.0.0.1:{listen}", access, {f"127.0.0.1:{p}" for p in ports}
    finally:
        for p in [nginx, *procs]:
            stop(p)
        for log in logs:
            log.close()
        for name in ("error.log", "access.log"):
            if (work / name).exists():
                (ARTIFACTS / f"nginx-{name}").write_text((work / name).read_text())


def _routes(access: Path) -> dict[str, set[str]]:
    """Which replicas served each route key, from nginx's access log."""
    out: dict[str, set[str]] = {}
    for line in access.read_text().splitlines():
        key, upstream, *_ = line.split()
        if upstream != "-":
            out.setdefault(key, set()).add(upstream)
    return out


def test_sessions_are_spread_over_the_replicas_and_each_stays_on_one(behind_nginx):
    url, access, replicas = behind_nginx
    status, body, _ = _get(url + "/_stcore/health")
    assert (status, body.strip()) == (200, "ok")
    cookies = []
    for _ in range(16):  # new visitors: each gets a route cookie
        status, body, set_cookie = _get(url + "/")
        assert status == 200 and "<html" in body.lower()
        match = re.search(r"cnnlab_route=([^;]+)", set_cookie)
        assert match, set_cookie
        cookies.append(match.group(1))
    assert len(set(cookies)) == 16
    for cookie in cookies[:4]:  # returning visitors keep their cookie
        for path in ("/", "/_stcore/host-config", "/convolution"):
            assert _get(url + path, cookie)[0] == 200
    time.sleep(0.5)  # the access log is written after each response
    routes = _routes(access)
    assert all(len(routes[c]) == 1 for c in cookies), {c: routes.get(c) for c in cookies}
    used = set().union(*(routes[c] for c in cookies))
    assert used == replicas  # 16 visitors all on one replica would have odds of 1 in 32,768


def test_a_browser_session_through_nginx(behind_nginx, artifacts_dir):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    url, access, replicas = behind_nginx
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1800})
            page = context.new_page()
            page.set_default_timeout(90_000)
            page.goto(f"{url}/convolution")
            page.get_by_text("Step (of 16)").wait_for()  # drawn by the script over the WebSocket
            stride = page.get_by_label("Stride s")
            stride.fill("2")
            stride.press("Enter")
            page.get_by_text("Step (of 4)").wait_for()  # a rerun on the same replica's session
            page.screenshot(path=str(artifacts_dir / "e2e-through-nginx.png"))
            cookie = next(c["value"] for c in context.cookies() if c["name"] == "cnnlab_route")
        finally:
            browser.close()
    time.sleep(0.5)
    served = _routes(access)[cookie]
    assert len(served) == 1 and served <= replicas
    assert any("/_stcore/stream" in line and cookie in line for line in access.read_text().splitlines())
