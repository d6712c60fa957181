"""The "PyTorch code" expander every lab ends with."""

from collections.abc import Callable

import streamlit as st

from ui.lazy import lazy_expander

__all__ = ["code_expander"]


def code_expander(code: str | Callable[[], str], *, filename: str, title: str = "PyTorch code") -> None:
    """Show a runnable snippet for the current settings, with a download button.

    ``code`` may be a function: it is then only called while the expander is open.
    """
    with lazy_expander(title, f"open_code_{filename}") as is_open:
        if not is_open:
            return
        text = code() if callable(code) else code
        st.caption("Runs as is with `python`: it reproduces the numbers above with PyTorch's own functions.")
        st.code(text, language="python")
        st.download_button("Download .py", lambda: text, file_name=filename, mime="text/x-python", key=f"dl_{filename}")
