"""The Pooling lab's controls: the input (one channel or several) and the pooling settings."""

import streamlit as st
import torch

from cvcore.teach import course, grids
from cvcore import images
from cvcore.conv.pooling import POOL_KINDS
from ui import state
from ui.grid_input import grid_editor, photo_input, random_input
from ui.image_input import IMAGE_SOURCES

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "input_controls", "setting_controls"]

NS = "pool"
_EXAMPLES = course.pool_examples()
_SOURCES = {**{k: f"{'Course' if ex.printed else 'Example'}: {ex.title}" for k, ex in _EXAMPLES.items()},
            "random": "Random integers (1 to 4 channels)", "photo": "Crop of a photo (gray or RGB)",
            "custom": "My own grid (edit cells)"}
_KINDS = {"max": "Max pooling", "avg": "Average pooling"}

DEFAULTS = {
    "src": "max_4x4", "n": 6, "seed": 0, "channels": 1, "photo": "chelsea", "zoom": 1.0, "rgb": False,
    "grid": grids.grid_text(torch.tensor(_EXAMPLES["max_4x4"].image)),
    "kind": "max", "size": 2, "stride": 2, "padding": 0, "step": 1,
    "pic_source": "Sample", "pic_sample": "astronaut", "channel": -1,
}
CHOICES = {"src": list(_SOURCES), "kind": list(POOL_KINDS), "photo": list(images.sample_names()),
           "pic_sample": list(images.sample_names()), "pic_source": list(IMAGE_SOURCES)}
LIMITS = {"n": (1, 32), "seed": (0, 10_000), "channels": (1, 4), "zoom": (1.0, 8.0), "size": (1, 8), "stride": (1, 8),
          "padding": (0, 4), "step": (1, 4 * 32 * 32), "channel": (-1, 1279)}


def _k(name: str) -> str:
    return state.key(NS, name)


def _on_source() -> None:
    src = state.get(NS, "src")
    state.put(NS, "step", 1)
    if src == "custom":
        state.put(NS, "grid", st.session_state.get(_k("_shown_input"), DEFAULTS["grid"]))
    if src in _EXAMPLES:
        ex = _EXAMPLES[src]
        for name, value in (("kind", ex.kind), ("size", ex.size), ("stride", ex.stride), ("padding", 0)):
            state.put(NS, name, value)


def input_controls() -> "torch.Tensor | None":
    """Tensor[H, W] or Tensor[C, H, W] from a course example, random numbers, a photo or the editor."""
    src = st.selectbox("Input", list(_SOURCES), key=_k("src"), format_func=_SOURCES.get, on_change=_on_source)
    if src in _EXAMPLES:
        st.caption(f"From the {_EXAMPLES[src].source}." if _EXAMPLES[src].printed else _EXAMPLES[src].source + ".")
        x = torch.tensor(_EXAMPLES[src].image, dtype=torch.float64)
    elif src == "random":
        channels = st.number_input("Channels n_C", 1, 4, key=_k("channels"),
                                   help="Pooling works on each channel separately: n_C stays the same")
        x = random_input(_k("n"), _k("seed"))
        if channels > 1:
            seed = int(state.get(NS, "seed"))
            x = torch.stack([x] + [grids.random_grid(x.shape[0], x.shape[1], seed=seed + c) for c in range(1, channels)])
    elif src == "photo":
        rgb = st.toggle("Keep R, G and B (3 channels)", key=_k("rgb"))
        x = photo_input(_k("n"), _k("photo"), _k("zoom"), rgb=rgb)
    else:
        x = grid_editor(_k("grid"), label="input grid", fallback=torch.tensor(_EXAMPLES["max_4x4"].image))
    if x is not None and x.ndim == 2:
        st.session_state[_k("_shown_input")] = grids.grid_text(x)
    return x


def setting_controls() -> dict:
    """Kind, window size f, stride s and padding p as ``pool_trace`` keyword arguments."""
    kind = st.radio("Pooling", list(POOL_KINDS), key=_k("kind"), format_func=_KINDS.get, horizontal=True)
    f_col, s_col, p_col = st.columns(3)
    size = f_col.number_input("Window f", 1, 8, key=_k("size"))
    stride = s_col.number_input("Stride s", 1, 8, key=_k("stride"))
    padding = p_col.number_input("Padding p", 0, 4, key=_k("padding"), help="Rarely used; at most f/2, as in PyTorch")
    st.caption("Hyperparameters only: pooling has **no parameters to learn**.")
    return {"kind": kind, "size": int(size), "stride": int(stride), "padding": int(padding)}
