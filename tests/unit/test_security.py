"""The security review (docs/security.md), checked in the code: what is claimed there is tested here."""

import ast
import tomllib
from pathlib import Path

from tests.conftest import ROOT

# The application's own code (tests and doctests may exec the snippets they check).
SOURCES = sorted(p for folder in ("cvcore", "ui", "labs", "scripts", "benchmarks")
                 for p in (ROOT / folder).rglob("*.py")) + [ROOT / "app.py"]


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            owner = (f.value.id if isinstance(f.value, ast.Name) else "?") if isinstance(f, ast.Attribute) else ""
            yield node, owner, name


def test_the_sources_were_found():
    assert len(SOURCES) > 40 and ROOT / "ui" / "image_input.py" in SOURCES


def test_no_eval_exec_or_pickle_anywhere_in_the_app():
    found = []
    for path in SOURCES:
        for node, owner, name in _calls(ast.parse(path.read_text(), str(path))):
            if (owner, name) in (("", "eval"), ("", "exec"), ("", "compile"), ("", "__import__"), ("pickle", "load"),
                                 ("pickle", "loads"), ("marshal", "loads"), ("yaml", "load")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner}.{name}".replace(" .", " "))
    assert found == []


def test_every_torch_load_has_weights_only_true():
    loads = []
    for path in SOURCES:
        for node, owner, name in _calls(ast.parse(path.read_text(), str(path))):
            if owner == "torch" and name == "load":
                flag = [k for k in node.keywords if k.arg == "weights_only"]
                ok = len(flag) == 1 and isinstance(flag[0].value, ast.Constant) and flag[0].value.value is True
                loads.append((f"{path.relative_to(ROOT)}:{node.lineno}", ok))
    assert loads, "expected some torch.load calls"
    assert [where for where, ok in loads if not ok] == []


def _module_constants(tree: ast.Module) -> set[str]:
    """Names assigned once, at module level, from a plain string literal."""
    assigned: dict[str, int] = {}
    literal = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            assigned[name] = assigned.get(name, 0) + 1
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                literal.add(name)
    return {name for name in literal if assigned[name] == 1}


# Functions allowed to write HTML, each read by hand: what they write is made of the app's constants and numbers only.
# Segmentation's legend: colour swatches (computed RGB values), the class and colour names (constants) and the opacity
# (a float, formatted with :g).
_APP_ONLY_HTML = {"labs/segmentation/views.py": ("_show_legend",)}


def _allowed_lines(tree: ast.AST, names) -> set[int]:
    return {line for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in names
            for line in range(node.lineno, node.end_lineno + 1)}


def test_no_html_from_the_app_is_unescaped():
    # st.markdown(..., unsafe_allow_html=True), components.html and st.html would render user text as HTML.
    # The one exception: st.html of the app's own constant style sheets and script (a module-level string literal).
    offenders, constant_html = [], 0
    for path in SOURCES:
        text = path.read_text()
        tree = ast.parse(text, str(path))
        allowed = _allowed_lines(tree, _APP_ONLY_HTML.get(str(path.relative_to(ROOT)), ()))
        offenders += [f"{path.relative_to(ROOT)}:{i + 1}" for i, line in enumerate(text.splitlines())
                      if ("unsafe_allow_html" in line or "components.html(" in line) and i + 1 not in allowed]
        constants = _module_constants(tree)
        for node, owner, name in _calls(tree):
            if owner == "st" and name == "html":
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Name) and arg.id in constants and not node.keywords[1:]:
                    constant_html += 1
                else:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} st.html")
    assert offenders == []
    assert constant_html >= 1  # the accessibility and presenter style sheets are found, so the check is looking


def test_uploads_are_decoded_in_memory_never_written():
    offenders = []
    # cvcore/weights.py is left out: it downloads official weights into torch's cache through a temporary file.
    for path in (p for p in SOURCES if p.relative_to(ROOT).parts[0] in ("ui", "labs", "cvcore") and p.name != "weights.py"):
        text = path.read_text()
        for word in ("tempfile", "NamedTemporaryFile", ".write_bytes(", "open(upload", "mkstemp"):
            if word in text:
                offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert offenders == []


def test_server_settings_keep_xsrf_and_cors_protection_and_cap_uploads():
    from cvcore import images

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert server["maxUploadSize"] * 2**20 == images.MAX_UPLOAD_BYTES
    assert config["browser"]["gatherUsageStats"] is False
    assert images.MAX_PIXELS <= 50_000_000


def test_weights_files_are_plain_names_inside_their_folder():
    # A weights file is found by its registry name inside CVCORE_WEIGHTS_DIR or the hub cache: no path of the user's.
    from cvcore import zoo

    names = [entry.weights.filename for entry in zoo.registry().values() if entry.weights is not None]
    assert names and all(Path(n).name == n and ".." not in n and "/" not in n and "\\" not in n for n in names)


def test_weights_dir_lookups_stay_in_the_folder(monkeypatch, tmp_path):
    from cvcore import weights, zoo

    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(tmp_path))
    spec = zoo.registry()["mobilenet_v2"].weights
    in_dir = [path for source, path in weights._candidates(spec) if source == "CVCORE_WEIGHTS_DIR"]
    assert len(in_dir) == 1 and in_dir[0].resolve().parent == tmp_path.resolve()
    # A file there with the right name but other bytes is never loaded.
    in_dir[0].write_bytes(b"not the weights")
    location, _ = zoo.find_local_weights(spec)
    assert location is None or location.source != "CVCORE_WEIGHTS_DIR"
