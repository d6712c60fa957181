"""The "PyTorch code" expander every lab ends with."""

import streamlit as st

__all__ = ["code_expander"]


def code_expander(code: str, *, filename: str, title: str = "PyTorch code") -> None:
    """Show a runnable snippet for the current settings, with a download button."""
    with st.expander(title):
        st.caption("Runs as is with `python`: it reproduces the numbers above with PyTorch's own functions.")
        st.code(code, language="python")
        st.download_button("Download .py", lambda: code, file_name=filename, mime="text/x-python", key=f"dl_{filename}")
