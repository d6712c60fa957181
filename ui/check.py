"""The "Check against PyTorch" section every lab has: the engine's result beside PyTorch's own."""

from collections.abc import Callable

import streamlit as st

from cvcore.conv import format_number
from ui.lazy import lazy_expander

__all__ = ["check_expander"]

_TOLERANCE = 1e-9


def check_expander(key: str, compute: Callable[[], tuple[str, tuple[int, ...], dict[str, float]]], *,
                   tolerance: float = _TOLERANCE) -> None:
    """``compute()`` returns (PyTorch function, its output shape, {what was compared: largest difference}).

    It is only called while the section is open. ``tolerance`` is the largest difference that still matches
    (float64 results by default; float32 ones need about 1e-6).
    """
    with lazy_expander("Check against PyTorch", key) as is_open:
        if not is_open:
            return
        function, shape, diffs = compute()
        compared = " and from ".join(f"{label} is **{format_number(diff) if diff else '0'}**" for label, diff in diffs.items())
        st.markdown(f"`{function}` gives shape {tuple(shape)}; the largest difference from {compared}.")
        matched = max(diffs.values()) <= tolerance
        (st.success if matched else st.error)("Match" if matched else "Mismatch")
