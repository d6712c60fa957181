"""Lab settings that survive a reload and travel in a link.

A page declares its settings with defaults. ``init`` seeds ``st.session_state`` from the
URL's query parameters (falling back to the default for a missing or malformed value);
widgets use the same keys (``key(ns, name)``); ``sync`` writes the current values back into
the URL, so a teacher can copy the address bar and reopen the lab in exactly that state.
Session keys carry the lab's namespace (``conv.stride``); URL parameters do not (``stride``).
"""

import streamlit as st

__all__ = ["key", "init", "sync", "stop", "get", "put"]


def key(ns: str, name: str) -> str:
    """The session-state (and widget) key of setting ``name`` in lab ``ns``."""
    return f"{ns}.{name}"


def get(ns: str, name: str):
    return st.session_state[key(ns, name)]


def put(ns: str, name: str, value) -> None:
    """Set a setting; from a widget callback, or before its widget is drawn in this run."""
    st.session_state[key(ns, name)] = value


def _parse(raw: str, default):
    if isinstance(default, bool):
        if raw in ("1", "true", "True"):
            return True
        if raw in ("0", "false", "False"):
            return False
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return str(raw)


def _encode(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def init(ns: str, defaults: dict, *, choices: "dict[str, list] | None" = None,
         limits: "dict[str, tuple[float, float]] | None" = None) -> None:
    """Seed each setting once per session: from the URL if it holds a valid value, else the default.

    ``choices`` restricts a setting to a list of values; ``limits`` to an inclusive range.
    """
    choices, limits = choices or {}, limits or {}
    for name, default in defaults.items():
        if key(ns, name) in st.session_state:
            continue
        value = default
        raw = st.query_params.get(name)
        if raw is not None:
            try:
                parsed = _parse(raw, default)
                ok = parsed in choices[name] if name in choices else True
                if name in limits:
                    ok = ok and limits[name][0] <= parsed <= limits[name][1]
                value = parsed if ok else default
            except ValueError:
                value = default
        st.session_state[key(ns, name)] = value


def sync(ns: str, defaults: dict) -> None:
    """Mirror the current settings into the URL; settings at their default are left out."""
    for name, default in defaults.items():
        k = key(ns, name)
        if k not in st.session_state:
            continue
        value = st.session_state[k]
        if value == default:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != _encode(value):
            st.query_params[name] = _encode(value)


def stop(ns: str, defaults: dict) -> None:
    """End the page here (after an error message), keeping the link in step with the settings."""
    sync(ns, defaults)
    st.stop()
