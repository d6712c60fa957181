"""The Pooling lab's controls: the input (one channel or several) and the pooling settings."""

import streamlit as st
import torch

from cvcore.teach import grids
from labs.pooling.settings import EXAMPLES
from labs.pooling.settings import PoolSettings as S
from ui.grid_input import grid_editor, photo_input, random_input

__all__ = ["input_controls", "setting_controls"]

_SHOWN_INPUT = S.key("_shown_input")


def _on_source() -> None:
    src = S.get("src")
    S.put("step", 1)
    if src == "custom":
        S.put("grid", st.session_state.get(_SHOWN_INPUT, S.field("grid").default))
    if src in EXAMPLES:
        ex = EXAMPLES[src]
        for name, value in (("kind", ex.kind), ("size", ex.size), ("stride", ex.stride), ("padding", 0)):
            S.put(name, value)


def input_controls() -> torch.Tensor | None:
    """Tensor[H, W] or Tensor[C, H, W] from a course example, random numbers, a photo or the editor."""
    src = S.widget("src", on_change=_on_source)
    if src in EXAMPLES:
        ex = EXAMPLES[src]
        st.caption(f"From the {ex.source}." if ex.printed else ex.source + ".")
        x = torch.tensor(ex.image, dtype=torch.float64)
    elif src == "random":
        channels = S.widget("channels")
        x = random_input(S)
        if channels > 1:
            seed = int(S.get("seed"))
            x = torch.stack([x] + [grids.random_grid(x.shape[0], x.shape[1], seed=seed + c) for c in range(1, channels)])
    elif src == "photo":
        x = photo_input(S, rgb=S.widget("rgb"))
    else:
        x = grid_editor(S.key("grid"), label="input grid", fallback=torch.tensor(EXAMPLES["max_4x4"].image))
    if x is not None and x.ndim == 2:
        st.session_state[_SHOWN_INPUT] = grids.grid_text(x)
    return x


def setting_controls() -> S:
    """Kind, window size f, stride s and padding p; returns every setting's value after the widgets."""
    S.widget("kind", horizontal=True)
    f_col, s_col, p_col = st.columns(3)
    S.widget("size", f_col)
    S.widget("stride", s_col)
    S.widget("padding", p_col)
    st.caption("Hyperparameters only: pooling has **no parameters to learn**.")
    return S.current()
