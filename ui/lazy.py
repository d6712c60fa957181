"""Expanders whose content is computed only while they are open."""

from contextlib import contextmanager

import streamlit as st

__all__ = ["lazy_expander"]


@contextmanager
def lazy_expander(label: str, key: str, *, expanded: bool = False):
    """``with lazy_expander("Check", "conv.open_check") as is_open: if is_open: ...``

    Closed sections cost a rerun nothing: Streamlit reruns the page when one is opened.
    """
    with st.expander(label, expanded=expanded, key=key, on_change="rerun") as box:
        yield bool(box.open)
