"""deploy/nginx.conf in front of two app replicas on 127.0.0.1: health, sticky sessions, the WebSocket, a real page."""

import re
import time
import urllib.request
from pathlib import Path

import pytest

from harness import browser as chromium
from harness.nginx import behind_nginx as start_front
from harness.server import ARTIFACTS, HEALTH, ServerFailed

pytestmark = pytest.mark.e2e


def _get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": f"cnnlab_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.read().decode("utf-8", "replace"), response.headers.get("Set-Cookie", "")


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    """Two replicas and nginx in front; yields (nginx URL, access-log path, replica addresses)."""
    work = tmp_path_factory.mktemp("nginx")
    try:
        with start_front(2, work, log_name="replica") as front:
            yield front.url, front.access_log, {f"127.0.0.1:{s.port}" for s in front.replicas}
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
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
    status, body, _ = _get(url + HEALTH)
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
    url, access, replicas = behind_nginx
    try:
        with chromium.chromium_page(timeout_ms=90_000) as page:
            page.goto(f"{url}/convolution")
            page.get_by_text("Step (of 16)").wait_for()  # drawn by the script over the WebSocket
            stride = page.get_by_label("Stride s")
            stride.fill("2")
            stride.press("Enter")
            page.get_by_text("Step (of 4)").wait_for()  # a rerun on the same replica's session
            page.screenshot(path=str(artifacts_dir / "e2e-through-nginx.png"))
            cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "cnnlab_route")
    except chromium.BrowserMissing as exc:
        pytest.fail(str(exc))
    time.sleep(0.5)
    served = _routes(access)[cookie]
    assert len(served) == 1 and served <= replicas
    assert any("/_stcore/stream" in line and cookie in line for line in access.read_text().splitlines())
