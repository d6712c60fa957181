"""What every lab page does first."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["setup"]


def setup() -> None:
    """Make sure the page runs inside the app's navigation.

    Until ``app.py`` has called ``st.navigation`` once in the server process, Streamlit runs a
    deep link such as ``/convolution`` straight from the ``pages/`` folder (its older
    multipage mode), without the app's layout and menu. The first such request switches
    that mode off and reruns through ``app.py``.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
