"""Number grids the learner edits: a cell-by-cell table, a paste box, random numbers, a photo crop."""

import hashlib

import pandas as pd
import streamlit as st
import torch

from cvcore import images
from cvcore.conv import format_number
from cvcore.errors import CvcoreError
from cvcore.teach import grids

__all__ = ["grid_editor", "random_input", "photo_input"]


def _resize(grid: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    out = torch.zeros(rows, cols, dtype=torch.float64)
    h, w = min(rows, grid.shape[0]), min(cols, grid.shape[1])
    out[:h, :w] = grid[:h, :w]
    return out


def _paste(text_key: str, state_key: str, label: str) -> None:
    try:
        st.session_state[state_key] = grids.grid_text(grids.parse_grid_text(st.session_state[text_key], label))
        st.session_state.pop(f"{state_key}__paste_error", None)
    except CvcoreError as exc:
        st.session_state[f"{state_key}__paste_error"] = str(exc)


def grid_editor(state_key: str, *, label: str, max_side: int = 32, fallback: torch.Tensor | None = None) -> torch.Tensor | None:
    """Edit the grid stored as compact text in ``st.session_state[state_key]``, cell by cell.

    Returns the parsed grid, or None after showing an ``st.error`` for an empty or
    non-numeric cell. ``fallback`` is used when the stored text itself is unusable.
    """
    text = st.session_state.get(state_key, "")
    try:
        base = grids.parse_grid_text(text, label)
    except CvcoreError as exc:
        st.error(f"The {label} in the link could not be read ({exc}); showing the default instead.")
        base = fallback if fallback is not None else torch.zeros(3, 3, dtype=torch.float64)
    base = base[:max_side, :max_side]
    rows_key, cols_key, shape_of = f"{state_key}__rows", f"{state_key}__cols", f"{state_key}__shape_of"
    if st.session_state.get(shape_of) != text or rows_key not in st.session_state or cols_key not in st.session_state:
        st.session_state[rows_key], st.session_state[cols_key] = int(base.shape[0]), int(base.shape[1])
    rows_col, cols_col = st.columns(2)
    rows = rows_col.number_input("Rows", 1, max_side, key=rows_key)
    cols = cols_col.number_input("Columns", 1, max_side, key=cols_key)
    if (rows, cols) != tuple(base.shape):
        base = _resize(base, int(rows), int(cols))
    digest = hashlib.sha1(grids.grid_text(base).encode()).hexdigest()[:10]
    frame = pd.DataFrame([[format_number(v) for v in row] for row in base.tolist()],
                         columns=[str(j) for j in range(base.shape[1])])
    edited = st.data_editor(frame, key=f"{state_key}__editor_{digest}", num_rows="fixed", width="content",
                            column_config={c: st.column_config.TextColumn(c, width=44) for c in frame.columns})
    with st.popover("Type or paste numbers"):
        st.text_area("One row per line (or rows separated by /), numbers separated by spaces or commas",
                     key=f"{state_key}__text", placeholder="3 0 1 2\n1 5 8 9")
        st.button("Use these numbers", key=f"{state_key}__use", on_click=_paste, args=(f"{state_key}__text", state_key, label))
    paste_error = st.session_state.get(f"{state_key}__paste_error")
    if paste_error:
        st.error(paste_error)
    try:
        grid = grids.parse_grid(edited.values.tolist(), label)
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    st.session_state[state_key] = st.session_state[shape_of] = grids.grid_text(grid)
    return grid


def random_input(settings, *, low: int = 0, high: int = 9) -> torch.Tensor:
    """Random whole numbers in an n x n grid; a new seed draws new numbers (``settings`` declares n and seed)."""
    size_col, seed_col = st.columns(2)
    n = settings.widget("n", size_col)
    seed = settings.widget("seed", seed_col)
    return grids.random_grid(int(n), int(n), low=low, high=high, seed=int(seed))


@st.cache_data(show_spinner=False, max_entries=64)
def _sample_crop(name: str, n: int, zoom: float, rgb: bool) -> torch.Tensor:
    return images.gray_crop(images.sample_image(name), n, zoom=zoom, rgb=rgb)


def photo_input(settings, *, rgb: bool = False) -> torch.Tensor:
    """A crop of a sample photo downsampled to n x n intensities 0..255: Tensor[n, n], or [3, n, n] with ``rgb``
    (``settings`` declares photo, n and zoom)."""
    photo = settings.widget("photo")
    size_col, zoom_col = st.columns(2)
    n = settings.widget("n", size_col, bounds=(max(2, settings.field("n").bounds[0]), settings.field("n").bounds[1]))
    zoom = settings.widget("zoom", zoom_col)
    return _sample_crop(photo, int(n), float(zoom), rgb)
