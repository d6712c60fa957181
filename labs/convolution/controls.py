"""The Convolution lab's controls: the input grid, the kernel and the settings."""

import streamlit as st
import torch

from cvcore.teach import course, grids
from cvcore import images
from cvcore.conv import kernels
from cvcore.conv import PADDING_MODES
from cvcore.errors import CvcoreError
from ui import state
from ui.grid_input import grid_editor, photo_input, random_input
from ui.image_input import IMAGE_SOURCES

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "input_controls", "kernel_controls", "setting_controls"]

NS = "conv"
_EXAMPLES = course.conv_examples()
_CATALOG = kernels.kernel_catalog()
_SOURCES = {**{k: f"Course: {ex.title}" for k, ex in _EXAMPLES.items()},
            "random": "Random integers", "photo": "Grayscale crop of a photo", "custom": "My own grid (edit cells)"}
_PADDING = {"valid": "valid (p = 0)", "same": "same (output size = input size)", "number": "choose p"}

DEFAULTS = {
    "src": "edge_6x6", "n": 8, "seed": 0, "photo": "chelsea", "zoom": 1.0,
    "grid": grids.grid_text(torch.tensor(_EXAMPLES["edge_6x6"].image)),
    "kernel": "vertical_edge", "ksize": 3, "kgrid": "1,0,-1/1,0,-1/1,0,-1",
    "pad": "valid", "p": 1, "mode": "zeros", "stride": 1, "dilation": 1, "flip": False, "step": 1,
    "pic_source": "Sample", "pic_sample": "chelsea", "pic_gray": True,
}
CHOICES = {"src": list(_SOURCES), "kernel": [*_CATALOG, "custom"], "pad": list(_PADDING), "mode": list(PADDING_MODES),
           "ksize": [1, 3, 5, 7], "photo": list(images.sample_names()), "pic_sample": list(images.sample_names()),
           "pic_source": list(IMAGE_SOURCES)}
LIMITS = {"n": (1, 32), "seed": (0, 10_000), "zoom": (1.0, 8.0), "p": (0, 10), "stride": (1, 8), "dilation": (1, 4),
          "step": (1, 32 * 32 * 4)}


def _k(name: str) -> str:
    return state.key(NS, name)


def _catalog_match(kernel: torch.Tensor) -> "str | None":
    for name, info in _CATALOG.items():
        if kernel.shape[0] in info.sizes and kernel.shape[0] == kernel.shape[1]:
            if torch.equal(kernels.make_kernel(name, kernel.shape[0]), kernel):
                return name
    return None


def _on_source() -> None:
    src = state.get(NS, "src")
    state.put(NS, "step", 1)
    if src == "custom":  # start editing from what was on screen
        state.put(NS, "grid", st.session_state.get(_k("_shown_input"), DEFAULTS["grid"]))
    if src not in _EXAMPLES:
        return
    ex = _EXAMPLES[src]
    kernel = torch.tensor(ex.kernel, dtype=torch.float64)
    name = _catalog_match(kernel)
    state.put(NS, "kernel", name or "custom")
    state.put(NS, "ksize", 3)
    state.put(NS, "kgrid", grids.grid_text(kernel))
    state.put(NS, "stride", ex.stride)
    state.put(NS, "pad", "valid" if ex.padding == 0 else "number")
    state.put(NS, "p", ex.padding or DEFAULTS["p"])
    state.put(NS, "dilation", 1)
    state.put(NS, "flip", False)


def _on_kernel() -> None:
    state.put(NS, "step", 1)
    if state.get(NS, "kernel") == "custom":
        state.put(NS, "kgrid", st.session_state.get(_k("_shown_kernel"), DEFAULTS["kgrid"]))
    else:
        sizes = _CATALOG[state.get(NS, "kernel")].sizes
        if state.get(NS, "ksize") not in sizes:
            state.put(NS, "ksize", 3 if 3 in sizes else sizes[0])


def input_controls() -> "torch.Tensor | None":
    """The input grid (Tensor[H, W]) from a course example, random numbers, a photo or the editor."""
    src = st.selectbox("Input", list(_SOURCES), key=_k("src"), format_func=_SOURCES.get, on_change=_on_source)
    if src in _EXAMPLES:
        ex = _EXAMPLES[src]
        st.caption(f"From the {ex.source}.")
        image = torch.tensor(ex.image, dtype=torch.float64)
    elif src == "random":
        image = random_input(_k("n"), _k("seed"))
    elif src == "photo":
        image = photo_input(_k("n"), _k("photo"), _k("zoom"))
    else:
        image = grid_editor(_k("grid"), label="input grid", fallback=torch.tensor(_EXAMPLES["edge_6x6"].image))
    if image is not None:
        st.session_state[_k("_shown_input")] = grids.grid_text(image)
    return image


def kernel_controls() -> "torch.Tensor | None":
    """The kernel (Tensor[kh, kw]) from the catalog or the editor."""
    name = st.selectbox("Kernel", [*_CATALOG, "custom"], key=_k("kernel"), on_change=_on_kernel,
                        format_func=lambda n: _CATALOG[n].label if n in _CATALOG else "My own kernel (edit cells)")
    if name == "custom":
        kernel = grid_editor(_k("kgrid"), label="kernel", max_side=7, fallback=kernels.make_kernel("vertical_edge"))
    else:
        info = _CATALOG[name]
        if len(info.sizes) > 1:
            st.select_slider("Kernel size f", list(info.sizes), key=_k("ksize"))
        size = state.get(NS, "ksize") if state.get(NS, "ksize") in info.sizes else info.sizes[0]
        st.caption(info.description)
        try:
            kernel = kernels.make_kernel(name, size)
        except CvcoreError as exc:
            st.error(str(exc))
            return None
    if kernel is not None:
        st.session_state[_k("_shown_kernel")] = grids.grid_text(kernel)
    return kernel


def setting_controls() -> dict:
    """Padding, padding mode, stride, dilation and flip as ``conv_trace`` keyword arguments."""
    pad = st.radio("Padding", list(_PADDING), key=_k("pad"), format_func=_PADDING.get, horizontal=True)
    p_col, mode_col = st.columns(2)
    p = p_col.number_input("p", 0, 10, key=_k("p"), disabled=pad != "number")
    mode = mode_col.selectbox("Pad with", list(PADDING_MODES), key=_k("mode"), disabled=pad == "valid",
                              help="zeros: the course's padding; reflect / replicate / circular: other ways to fill the border")
    s_col, d_col = st.columns(2)
    stride = s_col.number_input("Stride s", 1, 8, key=_k("stride"))
    dilation = d_col.number_input("Dilation d", 1, 4, key=_k("dilation"), help="Gaps between kernel taps (atrous convolution)")
    flip = st.toggle("True convolution (flip the kernel)", key=_k("flip"),
                     help="Deep learning's 'convolution' is cross-correlation: the kernel is not flipped.")
    padding = {"valid": 0, "same": "same", "number": int(p)}[pad]
    return {"stride": int(stride), "padding": padding, "dilation": int(dilation), "padding_mode": mode, "flip": flip}
