"""The Convolution lab's controls: the input grid, the kernel and the settings."""

import streamlit as st
import torch

from cvcore.conv import kernels
from cvcore.errors import CvcoreError
from cvcore.teach import grids
from labs.convolution.settings import CATALOG, EXAMPLES
from labs.convolution.settings import ConvSettings as S
from ui.grid_input import grid_editor, photo_input, random_input

__all__ = ["input_controls", "kernel_controls", "setting_controls"]

_SHOWN_INPUT, _SHOWN_KERNEL = S.key("_shown_input"), S.key("_shown_kernel")


def _catalog_match(kernel: torch.Tensor) -> str | None:
    for name, info in CATALOG.items():
        if kernel.shape[0] in info.sizes and kernel.shape[0] == kernel.shape[1]:
            if torch.equal(kernels.make_kernel(name, kernel.shape[0]), kernel):
                return name
    return None


def _on_source() -> None:
    src = S.get("src")
    S.put("step", 1)
    if src == "custom":  # start editing from what was on screen
        S.put("grid", st.session_state.get(_SHOWN_INPUT, S.field("grid").default))
    if src not in EXAMPLES:
        return
    ex = EXAMPLES[src]
    kernel = torch.tensor(ex.kernel, dtype=torch.float64)
    S.put("kernel", _catalog_match(kernel) or "custom")
    S.put("ksize", 3)
    S.put("kgrid", grids.grid_text(kernel))
    S.put("stride", ex.stride)
    S.put("pad", "valid" if ex.padding == 0 else "number")
    S.put("p", ex.padding or S.field("p").default)
    S.put("dilation", 1)
    S.put("flip", False)


def _on_kernel() -> None:
    S.put("step", 1)
    if S.get("kernel") == "custom":
        S.put("kgrid", st.session_state.get(_SHOWN_KERNEL, S.field("kgrid").default))
    else:
        sizes = CATALOG[S.get("kernel")].sizes
        if S.get("ksize") not in sizes:
            S.put("ksize", 3 if 3 in sizes else sizes[0])


def input_controls() -> torch.Tensor | None:
    """The input grid (Tensor[H, W]) from a course example, random numbers, a photo or the editor."""
    src = S.widget("src", on_change=_on_source)
    if src in EXAMPLES:
        ex = EXAMPLES[src]
        st.caption(f"From the {ex.source}.")
        image = torch.tensor(ex.image, dtype=torch.float64)
    elif src == "random":
        image = random_input(S)
    elif src == "photo":
        image = photo_input(S)
    else:
        image = grid_editor(S.key("grid"), label="input grid", fallback=torch.tensor(EXAMPLES["edge_6x6"].image))
    if image is not None:
        st.session_state[_SHOWN_INPUT] = grids.grid_text(image)
    return image


def kernel_controls() -> torch.Tensor | None:
    """The kernel (Tensor[kh, kw]) from the catalog or the editor."""
    name = S.widget("kernel", on_change=_on_kernel)
    if name == "custom":
        kernel = grid_editor(S.key("kgrid"), label="kernel", max_side=7, fallback=kernels.make_kernel("vertical_edge"))
    else:
        info = CATALOG[name]
        if len(info.sizes) > 1:
            S.widget("ksize", options=info.sizes)
        size = S.get("ksize") if S.get("ksize") in info.sizes else info.sizes[0]
        st.caption(info.description)
        try:
            kernel = kernels.make_kernel(name, size)
        except CvcoreError as exc:
            st.error(str(exc))
            return None
    if kernel is not None:
        st.session_state[_SHOWN_KERNEL] = grids.grid_text(kernel)
    return kernel


def setting_controls() -> S:
    """Padding, padding mode, stride, dilation and flip; returns every setting's value after the widgets."""
    pad = S.widget("pad", horizontal=True)
    p_col, mode_col = st.columns(2)
    S.widget("p", p_col, disabled=pad != "number")
    S.widget("mode", mode_col, disabled=pad == "valid")
    s_col, d_col = st.columns(2)
    S.widget("stride", s_col)
    S.widget("dilation", d_col)
    S.widget("flip")
    return S.current()
