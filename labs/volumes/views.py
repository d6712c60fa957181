"""The Volumes lab: controls and displays for convolution over C-channel inputs."""

import streamlit as st
import torch

from cvcore import images
from cvcore.conv import VolumeTrace, apply_filters, filter_bank, volume_conv_trace
from cvcore.conv.volume import reference_output as volume_reference
from cvcore.errors import CvcoreError
from cvcore.teach import grids, snippets
from cvcore.viz import volume_figures
from cvcore.viz.volume import channel_name
from labs.volumes.settings import VolumeSettings as S
from ui.check import check_expander
from ui.figures import show_chart
from ui.grid_input import photo_input
from ui.lessons import hidden_note, shown
from ui.presenter import STEPTHROUGH, is_presenting

__all__ = ["input_volume", "filters", "layer_settings", "trace_or_error", "summary", "snippet", "step_panel",
           "photo_panel", "check"]

_CHART = {"displayModeBar": False}
# What cvcore.lessons.convolutions.volume_questions asks: each output map's width, the layer's parameters.
_SIZE, _PARAMS = "out_side", "params"


def input_volume() -> torch.Tensor:
    """The input volume Tensor[C, n, n]."""
    src = S.widget("src")
    if src == "photo":
        return photo_input(S, rgb=True)
    a, b, c = st.columns(3)
    n = S.widget("n", a)
    channels = S.widget("channels", b)
    seed = S.widget("seed", c)
    return torch.stack([grids.random_grid(int(n), int(n), seed=int(seed) + ch) for ch in range(int(channels))])


def filters(channels: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(kernels Tensor[K, C, f, f], biases Tensor[K]) from a ready-made bank, or None after an error."""
    bank = S.widget("bank")
    if bank == "random":
        a, b, c = st.columns(3)
        S.widget("k", a)
        S.widget("f", b)
        S.widget("kseed", c)
    if bank == "colour_edges" and channels != 3:
        st.error(f"'Edges in R, G and B' needs a 3-channel input; this one has {channels}. Pick 3 channels or other filters.")
        return None
    kernels = filter_bank(bank, channels, **S.current().bank_kwargs)
    text = S.widget("bias")
    try:
        bias = grids.parse_grid_text(text, "biases").flatten() if text.strip() else torch.zeros(kernels.shape[0])
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    if bias.numel() != kernels.shape[0]:
        st.error(f"expected {kernels.shape[0]} biases (one per filter), got {bias.numel()}")
        return None
    return kernels, bias.to(torch.float64)


def layer_settings() -> S:
    """Stride, padding and ReLU; returns every setting's value after the widgets."""
    S.widget("stride")
    S.widget("padding")
    S.widget("relu")
    return S.current()


def trace_or_error(x: torch.Tensor, kernels: torch.Tensor, bias: torch.Tensor, values: S) -> VolumeTrace | None:
    try:
        return volume_conv_trace(x, kernels, bias, stride=int(values.stride), padding=int(values.padding),
                                 relu=bool(values.relu))
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        return None


def summary(trace: VolumeTrace) -> None:
    """The course's shape summary and the layer's parameter count, numbers filled in."""
    c, n_h, n_w = trace.input.shape
    k, _, f, _ = trace.kernels.shape
    out_h, out_w = trace.output.shape[1:]
    out = shown(S.NS, _SIZE, f"{out_h} \\times {out_w}", "? \\times ?")
    st.latex(f"{n_h} \\times {n_w} \\times {c} \\;*\\; {k} \\text{{ filters of }} {f} \\times {f} \\times {c} "
             f"\\;\\to\\; {out} \\times {k}")
    params = shown(S.NS, _PARAMS, f"{trace.parameters}")
    mults = shown(S.NS, _SIZE, f"{out_h}·{out_w}", "?·?")
    total = shown(S.NS, _SIZE, f"{trace.multiplications:,}")
    st.markdown(f"**Parameters** (f·f·n_C + 1)·n_C' = ({f}·{f}·{c} + 1)·{k} = **{params}** "
                f"(weights and one bias per filter) · **multiplications** {mults}·{k}·{f}·{f}·{c} = **{total}**")


def snippet(trace: VolumeTrace) -> str:
    """The PyTorch code for the layer; the parameter count it prints is not written while it is predicted."""
    count = f"= {trace.parameters}"
    return snippets.volume_snippet(trace).replace(count, f"= {shown(S.NS, _PARAMS, str(trace.parameters))}")


def step_panel(trace: VolumeTrace, index: int) -> None:
    with st.container(key=f"{STEPTHROUGH}_vol"):  # kept side by side in presenter mode (ui.presenter)
        _step_body(trace, index)


def _step_body(trace: VolumeTrace, index: int) -> None:
    inputs, slices, outputs = volume_figures(trace, index)
    step = trace.step(index)
    c_total = trace.input.shape[0]
    lines = [f"{channel_name(c, c_total)}: {step.channel_expression(i)}" for i, c in enumerate(step.channels)]
    parts = (("Input channels and the window", inputs, "in"),
             (f"Filter {step.filter + 1}: one slice per channel", slices, "k"),
             ("Output: one map per filter", outputs, "out"))
    if is_presenting():
        _presenter_layout(parts, "\n".join(lines + [step.total_expression()]))
        return
    for label, figs, key in parts:
        st.markdown(f"**{label}**")
        _grids(st, figs, key, max(len(figs), 3))
    st.code("\n".join(lines + [step.total_expression()]), language=None, wrap_lines=True)


def _grids(where, figs, key: str, columns) -> None:
    """``figs`` side by side in ``where.columns(columns)``; the outputs hidden while their size is predicted."""
    if key == "out" and hidden_note(where, S.NS, _SIZE):
        return
    for col, (i, fig) in zip(where.columns(columns), enumerate(figs), strict=False):
        show_chart(col, fig, config=_CHART, key=f"vol_{key}_{i}", width="content")


def _widths(figs, room: float = 0.0) -> list[float]:
    """Column weights that draw ``figs`` at one scale: their own widths, and what is left of ``room`` as a gap."""
    widths = [float(fig.layout.width or 300) for fig in figs]
    return widths + ([room - sum(widths)] if room - sum(widths) >= 1 else [])


def _presenter_layout(parts, expressions: str) -> None:
    """One projector screen (1280x720): the input channels and the output maps in one row, so the window and the
    cell it makes are seen together; below them the filter's slices and, beside those, the sums. Each grid's column is
    as wide as its picture, so every grid is drawn at one scale."""
    (in_label, inputs, _), (k_label, slices, _), (out_label, outputs, _) = parts
    room_in = sum(_widths(inputs))
    room_out = max(sum(_widths(outputs)), 2 * max(_widths(outputs)))  # room for the sums below
    left, right = st.columns([room_in, room_out], gap="small")
    left.markdown(f"**{in_label}**")
    _grids(left, inputs, "in", _widths(inputs))
    right.markdown(f"**{out_label}**")
    _grids(right, outputs, "out", _widths(outputs, room_out))
    room_k = sum(_widths(slices))
    left, right = st.columns([room_k, room_in + room_out - room_k], gap="small")
    left.markdown(f"**{k_label}**")
    _grids(left, slices, "k", _widths(slices))
    right.code(expressions, language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, max_entries=32)
def _feature_maps(sample: str, bank: str, relu: bool, **bank_kwargs):
    image = images.fit_within(images.sample_image(sample).convert("RGB"), 320)[0]
    kernels = filter_bank(bank, 3, **bank_kwargs)
    maps = apply_filters(images.to_tensor(image), kernels, relu=relu)
    return image, [images.to_uint8(m, symmetric=not relu) for m in maps]


def photo_panel(values: S) -> None:
    """A sample photo through the current filters: one feature map per filter."""
    sample = S.widget("pic")
    image, maps = _feature_maps(sample, values.bank, bool(values.relu), **values.bank_kwargs)
    cols = st.columns(len(maps) + 1)
    cols[0].image(image, caption="Input (R, G, B)", width="stretch")
    for i, (col, fmap) in enumerate(zip(cols[1:], maps, strict=False)):
        col.image(fmap, caption=f"Feature map of filter {i + 1}", width="stretch")
    st.caption("Each filter turns the 3-channel photo into one map; stacked, they are the next layer's input volume.")


def check(trace: VolumeTrace) -> None:
    def compute():
        ref = volume_reference(trace)
        return "F.conv2d" + (" + ReLU" if trace.relu else ""), ref.shape, {
            "the step-by-step result": float((ref - trace.output).abs().max())}

    check_expander("vol.open_check", compute)
