"""The app uses Streamlit's public API only: no script runner's request state, no session manager, no run context.

Private names break silently when Streamlit changes (a job that can no longer be stopped, a camera that never
streams); the public ones are documented and kept. ``st.context.headers``, ``streamlit.runtime.exists()``,
``st.fragment(run_every=...)`` and ``st.session_state`` do what these names were used for."""

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PRIVATE = re.compile(r"script_requests|scriptrunner|_session_mgr|get_script_run_ctx|add_script_run_ctx|"
                      r"\bRuntime\b|from streamlit \. runtime \.|_get_async_objs")  # on tokens joined by spaces

# Python 3.12 cuts f-strings into parts; before, an f-string is one STRING token.
_NOT_CODE = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _code(path: Path) -> str:
    """The file's code without its strings and comments (a logger's name in a string is not a use of the module)."""
    kept = [tok.string for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            if tok.type not in _NOT_CODE]
    return " ".join(kept)


def test_no_private_streamlit_names_in_the_app():
    files = [ROOT / "app.py", *sorted(p for folder in ("labs", "ui", "cvcore") for p in (ROOT / folder).rglob("*.py"))]
    assert len(files) > 50
    found = {str(path.relative_to(ROOT)): sorted({m.group(0) for m in _PRIVATE.finditer(_code(path))})
             for path in files}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from streamlit.runtime.scriptrunner import get_script_run_ctx\n"
                      "from streamlit.runtime import Runtime\n"
                      "ok = Runtime.instance()._session_mgr\n"
                      "log = 'streamlit.runtime.scriptrunner_utils'  # a name in a string is not code\n")
    assert sorted({m.group(0) for m in _PRIVATE.finditer(_code(sample))}) == [
        "Runtime", "_session_mgr", "from streamlit . runtime .", "get_script_run_ctx", "scriptrunner"]
