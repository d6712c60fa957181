"""The Volumes lab: controls and displays for convolution over C-channel inputs."""

import streamlit as st
import torch

from cvcore.teach import grids
from cvcore import images
from cvcore.conv import VolumeTrace, apply_filters, filter_bank, volume_conv_trace
from cvcore.conv.volume import reference_output as volume_reference
from cvcore.errors import CvcoreError
from cvcore.viz import volume_figures
from cvcore.viz.volume import channel_name
from ui.figures import show_chart
from ui import state
from ui.check import check_expander
from ui.grid_input import photo_input

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "input_volume", "filters", "summary", "step_panel", "photo_panel"]

NS = "vol"
_SOURCES = {"random": "Random integers", "photo": "RGB crop of a photo"}
_BANKS = {"colour_edges": "Edges in R, G and B (one filter per colour)",
          "brightness_edges": "Vertical and horizontal edges (same on every channel)", "random": "Random filters"}
DEFAULTS = {"src": "random", "n": 5, "seed": 0, "channels": 3, "photo": "coffee", "zoom": 2.0, "bank": "brightness_edges",
            "k": 2, "f": 3, "kseed": 0, "bias": "", "stride": 1, "padding": 0, "relu": True, "step": 1,
            "pic": "coffee"}
CHOICES = {"src": list(_SOURCES), "bank": list(_BANKS), "photo": list(images.sample_names()),
           "pic": list(images.sample_names())}
LIMITS = {"n": (2, 12), "seed": (0, 10_000), "channels": (1, 4), "zoom": (1.0, 8.0), "k": (1, 4), "f": (1, 5),
          "kseed": (0, 10_000), "stride": (1, 4), "padding": (0, 3), "step": (1, 4 * 12 * 12)}
_CHART = {"displayModeBar": False}


def _k(name: str) -> str:
    return state.key(NS, name)


def input_volume() -> torch.Tensor:
    """The input volume Tensor[C, n, n]."""
    src = st.selectbox("Input", list(_SOURCES), key=_k("src"), format_func=_SOURCES.get)
    if src == "photo":
        return photo_input(_k("n"), _k("photo"), _k("zoom"), rgb=True)
    a, b, c = st.columns(3)
    n = a.number_input("Size n", 2, 12, key=_k("n"))
    channels = b.number_input("Channels n_C", 1, 4, key=_k("channels"))
    seed = c.number_input("Seed", 0, 10_000, key=_k("seed"))
    return torch.stack([grids.random_grid(int(n), int(n), seed=int(seed) + ch) for ch in range(int(channels))])


def filters(channels: int) -> "tuple[torch.Tensor, torch.Tensor] | None":
    """(kernels Tensor[K, C, f, f], biases Tensor[K]) from a ready-made bank, or None after an error."""
    bank = st.selectbox("Filters", list(_BANKS), key=_k("bank"), format_func=_BANKS.get)
    if bank == "random":
        a, b, c = st.columns(3)
        a.number_input("Filters n_C'", 1, 4, key=_k("k"))
        b.number_input("Size f", 1, 5, key=_k("f"))
        c.number_input("Filter seed", 0, 10_000, key=_k("kseed"))
    if bank == "colour_edges" and channels != 3:
        st.error(f"'Edges in R, G and B' needs a 3-channel input; this one has {channels}. Pick 3 channels or other filters.")
        return None
    kernels = filter_bank(bank, channels, n_filters=int(state.get(NS, "k")), size=int(state.get(NS, "f")),
                          seed=int(state.get(NS, "kseed")))
    text = st.text_input("Biases b (one per filter, separated by commas; empty means 0)", key=_k("bias"))
    try:
        bias = grids.parse_grid_text(text, "biases").flatten() if text.strip() else torch.zeros(kernels.shape[0])
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    if bias.numel() != kernels.shape[0]:
        st.error(f"expected {kernels.shape[0]} biases (one per filter), got {bias.numel()}")
        return None
    return kernels, bias.to(torch.float64)


def summary(trace: VolumeTrace) -> None:
    """The course's shape summary and the layer's parameter count, numbers filled in."""
    c, n_h, n_w = trace.input.shape
    k, _, f, _ = trace.kernels.shape
    out_h, out_w = trace.output.shape[1:]
    st.latex(f"{n_h} \\times {n_w} \\times {c} \\;*\\; {k} \\text{{ filters of }} {f} \\times {f} \\times {c} "
             f"\\;\\to\\; {out_h} \\times {out_w} \\times {k}")
    st.markdown(f"**Parameters** (f·f·n_C + 1)·n_C' = ({f}·{f}·{c} + 1)·{k} = **{trace.parameters}** "
                f"(weights and one bias per filter) · **multiplications** {out_h}·{out_w}·{k}·{f}·{f}·{c} = "
                f"**{trace.multiplications:,}**")


def step_panel(trace: VolumeTrace, index: int) -> None:
    inputs, slices, outputs = volume_figures(trace, index)
    step = trace.step(index)
    for label, figs, key in (("Input channels and the window", inputs, "in"),
                             (f"Filter {step.filter + 1}: one slice per channel", slices, "k"),
                             ("Output: one map per filter", outputs, "out")):
        st.markdown(f"**{label}**")
        for col, (i, fig) in zip(st.columns(max(len(figs), 3)), enumerate(figs)):
            show_chart(col, fig, config=_CHART, key=f"vol_{key}_{i}", width="content")
    c_total = trace.input.shape[0]
    lines = [f"{channel_name(c, c_total)}: {step.channel_expression(i)}" for i, c in enumerate(step.channels)]
    st.code("\n".join(lines + [step.total_expression()]), language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, max_entries=32)
def _feature_maps(sample: str, bank: str, channels_key: tuple, relu: bool):
    image = images.fit_within(images.sample_image(sample).convert("RGB"), 320)[0]
    kernels = filter_bank(bank, 3, n_filters=channels_key[0], size=channels_key[1], seed=channels_key[2])
    maps = apply_filters(images.to_tensor(image), kernels, relu=relu)
    return image, [images.to_uint8(m, symmetric=not relu) for m in maps]


def photo_panel() -> None:
    samples = images.sample_names()
    sample = st.selectbox("Photo", list(samples), key=_k("pic"), format_func=samples.get)
    bank = state.get(NS, "bank")
    key = (int(state.get(NS, "k")), int(state.get(NS, "f")), int(state.get(NS, "kseed")))
    image, maps = _feature_maps(sample, bank, key, bool(state.get(NS, "relu")))
    cols = st.columns(len(maps) + 1)
    cols[0].image(image, caption="Input (R, G, B)", width="stretch")
    for i, (col, fmap) in enumerate(zip(cols[1:], maps)):
        col.image(fmap, caption=f"Feature map of filter {i + 1}", width="stretch")
    st.caption("Each filter turns the 3-channel photo into one map; stacked, they are the next layer's input volume.")


def check(trace: VolumeTrace) -> None:
    def compute():
        ref = volume_reference(trace)
        return "F.conv2d" + (" + ReLU" if trace.relu else ""), ref.shape, {
            "the step-by-step result": float((ref - trace.output).abs().max())}

    check_expander("vol.open_check", compute)


def trace_or_error(x: torch.Tensor, kernels: torch.Tensor, bias: torch.Tensor) -> "VolumeTrace | None":
    try:
        return volume_conv_trace(x, kernels, bias, stride=int(state.get(NS, "stride")),
                                 padding=int(state.get(NS, "padding")), relu=bool(state.get(NS, "relu")))
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        return None
