"""The Dilated, 1-D and 3-D lab: the three parts and their checks."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
import torch.nn.functional as F

from cvcore import conv, images
from cvcore.conv import conv1d_trace, conv3d, format_number, kernels, shape_chain
from cvcore.conv.nd import synth_signal, synth_volume
from cvcore.errors import CvcoreError
from cvcore.teach import grids, words
from cvcore.viz import grid_heatmap
from labs.dimensions.settings import KERNELS_1D
from labs.dimensions.settings import DimsSettings as S
from ui.code import code_expander
from ui.figures import show_chart
from ui.lessons import hidden_note, shown

__all__ = ["part_control", "dilation_part", "one_d_part", "three_d_part"]

_CHART = {"displayModeBar": False}
# What cvcore.lessons.conv_variants.dims_questions asks: a dilated window's side, a stack's receptive field, the 3-D
# example's output side.
_WINDOW, _SEEN, _OUT3 = "window_side", "seen_side", "out3_side"


def part_control() -> str | None:
    """The part to show (dilation, 1-D or 3-D), or None while none is picked."""
    part = S.field("part")
    return st.segmented_control(part.label, part.choices, key=S.key("part"), format_func=part.format_func())


@st.cache_data(show_spinner=False, max_entries=16)
def _dilated_photo(d: int):
    gray = images.to_tensor(images.fit_within(images.sample_image("camera"), 320)[0])  # [1, H, W]
    out = conv.apply_kernel(gray, kernels.make_kernel("vertical_edge"), dilation=d)
    return images.to_uint8(out, symmetric=True)


def dilation_part() -> None:
    a, b, c = st.columns(3)
    f = S.widget("f", a)
    d = S.widget("d", b)
    layers = S.widget("layers", c)
    span = d * (f - 1) + 1
    taps = torch.zeros(span, span)
    taps[::d, ::d] = 1
    text = [["w" if v else "·" for v in row] for row in taps.tolist()]
    left, right = st.columns([1, 1.4])
    if not hidden_note(left, S.NS, _WINDOW):  # the picture is the window: hidden while its width is predicted
        show_chart(left, grid_heatmap(taps, title=f"{words.article(f, start=True)} {f}x{f} kernel with dilation {d}: {span}x{span} wide", text=text,
                                       zrange=(-0.6, 1.0)), config=_CHART, key="dims_taps", width="content")
    with right:
        st.markdown(f"The kernel still has **{f * f} weights**, but they are spread {d} cells apart: one layer sees a "
                    f"**{shown(S.NS, _WINDOW, f'{span} x {span}')}** window (d(f - 1) + 1 = {d}·{f - 1} + 1).")
        rows = [{"layers": n, f"seen, d = {d}": shown(S.NS, _SEEN, str(1 + n * d * (f - 1))),
                 "seen, d = 1, 2, 4...": 1 + (f - 1) * (2 ** n - 1), "weights": n * f * f} for n in range(1, layers + 1)]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption("'seen' is the receptive field: how many input cells (per side) one output cell depends on. "
                   "Doubling the dilation from layer to layer grows the receptive field exponentially at no extra cost: "
                   "the idea behind dilated (atrous) segmentation networks and WaveNet.")
    st.image(_dilated_photo(int(d)), caption=f"Vertical-edge kernel with dilation {d} on a photo: wider gaps see coarser edges")
    code_expander("\n".join([
        "import torch", "import torch.nn.functional as F", "",
        f"layer = torch.nn.Conv2d(1, 1, kernel_size={f}, dilation={d})  # {f * f} weights, {words.article(span)} {span}x{span} window",
        "x = torch.randn(1, 1, 32, 32)",
        f"print(layer(x).shape)  # 32 - {d}*({f}-1) = {32 - d * (f - 1)} per side", ""]), filename="dilation.py")


def one_d_part() -> None:
    a, b = st.columns(2)
    kind = S.widget("signal", a)
    name = S.widget("k1", b)
    if name == "custom":
        try:
            taps = grids.parse_grid_text(S.widget("taps").replace(",", " "), "taps").flatten()
        except CvcoreError as exc:
            st.error(str(exc))
            return
    else:
        taps = torch.tensor(KERNELS_1D[name][1], dtype=torch.float64)
    signal = synth_signal(kind, 200)
    try:
        trace = conv1d_trace(signal, taps, padding=(taps.numel() - 1) // 2)
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        return
    out = trace.output[0, 0]
    fig = go.Figure([go.Scatter(y=signal.tolist(), name="signal", line={"color": "#888"}),
                     go.Scatter(y=out.tolist(), name="output", line={"color": "#e4572e"})])
    fig.update_layout(title=f"{kind}: 200 samples, kernel {' '.join(format_number(t) for t in taps.tolist())}", height=320,
                      xaxis_title="sample", yaxis_title="value", margin={"t": 40, "b": 40, "l": 40, "r": 10})
    show_chart(st, fig, config=_CHART, key="dims_1d")
    pos = min(int(S.widget("pos", bounds=(0, out.numel() - 1))), out.numel() - 1)
    st.code(trace.step(pos).channel_expression(0), language=None, wrap_lines=True)
    code_expander("\n".join([
        "import torch", "import torch.nn.functional as F", "",
        f"signal = torch.tensor({[round(v, 4) for v in signal.tolist()]})",
        f"taps = torch.tensor({taps.tolist()})",
        f"out = F.conv1d(signal[None, None], taps[None, None], padding={(taps.numel() - 1) // 2})[0, 0]",
        "print(out.shape)", ""]), filename="conv1d.py")
    ref = F.conv1d(signal[None, None], taps[None, None], padding=(taps.numel() - 1) // 2)[0, 0]
    st.caption(f"Check: `F.conv1d` agrees (largest difference {format_number(float((ref - out).abs().max()))}).")
    st.markdown("**The course's 1-D example** (f = 5, no padding): shapes and parameters")
    _chain_table((14, 1))


def _chain_table(input_shape: tuple[int, ...], reveals: tuple[str, ...] = ()) -> None:
    """The course's two layers (16 filters of size 5, then 32) as a table of shapes and parameters; the first layer's
    output is not written while a question about one of ``reveals`` is open."""
    rows = [{"layer": "input", "output": " x ".join(map(str, input_shape)), "parameters": 0}]
    rows += [{"layer": r.layer, "output": shown(S.NS, reveals if i == 0 else (), " x ".join(map(str, r.output_shape))),
              "parameters": r.parameters} for i, r in enumerate(shape_chain(input_shape, [(5, 16), (5, 32)]))]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _volume_output(kind: str):
    vol = synth_volume(14)[None]  # [1, 14, 14, 14]
    if kind == "mean":
        w = torch.full((1, 1, 3, 3, 3), 1 / 27, dtype=torch.float64)
    elif kind == "edge":
        w = torch.zeros(1, 1, 3, 3, 3, dtype=torch.float64)
        w[0, 0, :, :, 0], w[0, 0, :, :, 2] = 1.0, -1.0
    else:
        w = torch.randn(1, 1, 5, 5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = conv3d(vol, w)
    diff = float((F.conv3d(vol[None], w)[0] - out).abs().max())
    return vol[0], out[0], tuple(w.shape), diff


def three_d_part() -> None:
    kind = S.widget("k3")
    vol, out, w_shape, diff = _volume_output(kind)
    depth = S.widget("depth", bounds=(0, vol.shape[0] - 1))
    offset = (w_shape[2] - 1) // 2
    out_depth = min(max(depth - offset, 0), out.shape[0] - 1)
    a, b = st.columns(2)
    show_chart(a, grid_heatmap(vol[depth], title=f"Input slice {depth} of 14 (14x14x14)", text=[[""] * 14] * 14),
                   config=_CHART, key="dims_3d_in", width="content")
    # The course's random 5x5x5 filter makes the output the 3-D question asks about: hidden while it is predicted.
    if not (w_shape[2] == 5 and hidden_note(b, S.NS, _OUT3)):
        show_chart(b, grid_heatmap(out[out_depth], title=f"Output slice {out_depth} of {out.shape[0]} "
                                    f"({'x'.join(map(str, out.shape))})", colors="signed", zmid=0.0,
                                    text=[[""] * out.shape[2]] * out.shape[1]),
                       config=_CHART, key="dims_3d_out", width="content")
    st.caption(f"{words.article(w_shape[2], start=True)} {'x'.join(map(str, w_shape[2:]))} filter slides in depth too: each output number sums "
               f"{w_shape[2] ** 3} products across {w_shape[2]} neighbouring slices. Check: `F.conv3d` agrees "
               f"(largest difference {format_number(diff)}).")
    code_expander("\n".join([
        "import torch", "",
        "volume = torch.randn(1, 1, 14, 14, 14)  # [batch, n_C, depth, height, width]",
        "layer1 = torch.nn.Conv3d(1, 16, kernel_size=5)   # 16 filters of 5x5x5x1",
        "layer2 = torch.nn.Conv3d(16, 32, kernel_size=5)  # 32 filters of 5x5x5x16",
        "a = layer1(volume); b = layer2(a)",
        "print(a.shape, b.shape)  # [1, 16, 10, 10, 10] [1, 32, 6, 6, 6]",
        "print(sum(p.numel() for p in layer1.parameters()), sum(p.numel() for p in layer2.parameters()))  # 2016 64032",
        ""]), filename="conv3d.py")
    st.markdown("**The course's 3-D example**: shapes and parameters")
    _chain_table((14, 14, 14, 1), (_OUT3,))
