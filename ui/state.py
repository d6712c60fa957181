"""Lab settings that survive a reload and travel in a link.

A lab declares its settings once (``ui.settings.LabSettings``). ``init`` seeds ``st.session_state`` from the
URL's query parameters (falling back to the default for a missing or malformed value); widgets use the same
keys; ``sync`` writes the current values back into the URL, so a teacher can copy the address bar and reopen
the lab in exactly that state. Session keys carry the lab's namespace (``conv.stride``); URL parameters do not
(``stride``).

Why this is not Streamlit's own ``bind="query-params"``: a bound widget's parameter is named by its key, and the
keys carry the lab's namespace because session state is shared by every page of a session, so the links would
read ``?conv.stride=2`` and every link shared so far would stop working. Several settings have no widget at all
(the step of a stepper drawn by buttons, the selected heatmap methods), others have one only in some views, and
lessons and callbacks set them before their widgets are drawn; the link must carry all of them the same way.
"""

from collections.abc import Iterable

import streamlit as st

from ui.settings import LabSettings

__all__ = ["init", "sync", "stop"]


def init(settings: type[LabSettings]) -> None:
    """Seed each setting of ``settings`` (a ``LabSettings`` class) once per session: from the URL if it holds a
    valid value, else the default."""
    session = st.session_state
    for name, setting in settings.SETTINGS.items():
        k = settings.key(name)
        if k in session:
            continue
        value = setting.default
        raw = st.query_params.get(name)
        if raw is not None:
            try:
                value = setting.parse(raw)
            except ValueError:
                value = setting.default
        session[k] = value


def sync(settings: type[LabSettings], names: Iterable[str] | None = None) -> None:
    """Mirror the current settings (or only ``names``) into the URL; settings at their default are left out."""
    session = st.session_state
    for name in names if names is not None else settings.SETTINGS:
        setting = settings.SETTINGS[name]
        k = settings.key(name)
        if k not in session:
            continue
        value = session[k]
        if value == setting.default:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != setting.encode(value):
            st.query_params[name] = setting.encode(value)


def stop(settings: type[LabSettings]) -> None:
    """End the page here (after an error message), keeping the link in step with the settings."""
    sync(settings)
    st.stop()
