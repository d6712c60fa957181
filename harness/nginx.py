"""deploy/nginx.conf run on 127.0.0.1 in front of app replicas: for the multi-replica test and ``make load``."""

import os
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.server import ARTIFACTS, ROOT, Server, ServerFailed, free_port, stop, streamlit_app, wait_healthy

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")

__all__ = ["NGINX", "Front", "site_config", "write_config", "start_nginx", "behind_nginx"]


def site_config(ports: list[int], listen: int) -> str:
    """The repository's config with these replicas and this port (everything else as deployed)."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+.*;$", site, flags=re.M)
    if len(servers) < 2:
        raise ValueError(f"deploy/nginx.conf should list several replicas, found {len(servers)}")
    site = site.replace(servers[0], "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in ports))
    for extra in servers[1:]:
        site = site.replace(extra + "\n", "")
    if "listen 80;" not in site:
        raise ValueError("deploy/nginx.conf should listen on port 80")
    return site.replace("listen 80;", f"listen 127.0.0.1:{listen};")


def write_config(work: Path, ports: list[int], listen: int, *, connections: int = 256) -> Path:
    """A whole nginx.conf in ``work`` (its pid, logs and temporary folders there too; the access log names the
    route key and the replica of every request). Returns its path."""
    work.chmod(0o777)  # nginx's workers may run as another user
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / sub).mkdir(exist_ok=True)
        (work / sub).chmod(0o777)
    conf = work / "nginx.conf"
    conf.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections {connections}; }}
http {{
    log_format route '$cnnlab_route $upstream_addr $status $request_uri';
    access_log {work / "access.log"} route;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
{site_config(ports, listen)}
}}
""")
    return conf


def start_nginx(work: Path, conf: Path) -> subprocess.Popen:
    """Check the config (``nginx -t``; RuntimeError with its message if it fails), then start nginx in the
    foreground."""
    args = [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    check = subprocess.run([*args[:1], "-t", *args[1:]], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(check.stderr)
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


@dataclass
class Front:
    """nginx on ``url`` in front of ``replicas``; ``access_log`` names the route key and the replica of each request."""

    url: str
    access_log: Path
    replicas: list[Server]
    proc: subprocess.Popen


@contextmanager
def behind_nginx(replicas: int, work: Path, *, log_name: str = "replica", env: dict | None = None,
                 connections: int = 256, within: float = 150):
    """``replicas`` app servers (``streamlit_app``, each logging to ``test-artifacts/<log_name>-<i>.log``), started
    side by side, and nginx in front of them on a free port (its config, pid and logs in ``work``); yields a
    ``Front`` once all answer, and stops them at the end. ``ServerFailed`` if nginx refuses the config or a server
    does not answer."""
    if not Path(NGINX).exists():
        raise ServerFailed(f"nginx is missing at {NGINX}: `make nginx` installs Debian's nginx package")
    servers = [streamlit_app(env=env, log=ARTIFACTS / f"{log_name}-{i + 1}.log", within=within)
               for i in range(replicas)]
    listen = free_port()
    proc = None
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait()
        try:
            proc = start_nginx(work, write_config(work, [s.port for s in servers], listen, connections=connections))
        except RuntimeError as exc:
            raise ServerFailed(f"nginx -t refused the config: {exc}") from None
        url = f"http://127.0.0.1:{listen}"
        wait_healthy(url, [proc], within=within, log=str(work / "error.log"))
        yield Front(url, work / "access.log", servers, proc)
    finally:
        if proc is not None:
            stop(proc)
        for server in servers:
            server.stop()
