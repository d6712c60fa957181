"""The Pooling lab's displays: the size formula, one step, and a real network's feature map pooled."""

import streamlit as st
import torch

from cvcore import conv, images, zoo
from cvcore.conv import kernels, pooling
from cvcore.conv.pooling import PoolTrace
from cvcore.errors import CvcoreError, WeightsUnavailable
from cvcore.inside import features
from cvcore.teach import grids
from cvcore.viz import pool_figures
from labs.pooling.settings import PoolSettings
from ui import glossary
from ui.check import check_expander as show_check
from ui.figures import show_chart
from ui.image_input import image_input, selected_sample
from ui.lazy import lazy_expander
from ui.lessons import hidden_note, shown
from ui.models import get_model, weights_notice
from ui.presenter import STEPTHROUGH, is_presenting

__all__ = ["size_formula", "step_panel", "feature_map_panel", "computation_expander", "check_expander"]

_CHART = {"displayModeBar": False}
_STEM = "features.0"
# What cvcore.lessons.convolutions.pool_questions asks that the output's size answers: its width, its numbers.
_SIZE = ("out_side", "out_count")


def size_formula(x: torch.Tensor, values: PoolSettings) -> None:
    """The course's pooling size formula with the current numbers, channels included."""
    c = x.shape[0] if x.ndim == 3 else 1
    h, w = x.shape[-2:]
    f, s, p = int(values.size), int(values.stride), int(values.padding)
    st.markdown(r"**Output size** $\;\left\lfloor \dfrac{n_H + 2p - f}{s} + 1 \right\rfloor \times "
                r"\left\lfloor \dfrac{n_W + 2p - f}{s} + 1 \right\rfloor \times n_C$")
    oh, ow = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
    if min(oh, ow) < 1:
        return
    result = shown(PoolSettings.NS, _SIZE, f"{oh} \\times {ow} \\times {c}")
    st.latex(f"\\left\\lfloor \\frac{{{h} + {2 * p} - {f}}}{{{s}}} + 1 \\right\\rfloor \\times "
             f"\\left\\lfloor \\frac{{{w} + {2 * p} - {f}}}{{{s}}} + 1 \\right\\rfloor \\times {c} = {result}")


def step_panel(trace: PoolTrace, index: int) -> None:
    with st.container(key=f"{STEPTHROUGH}_pool"):  # kept on one screen in presenter mode (ui.presenter)
        _step_body(trace, index)


def _step_body(trace: PoolTrace, index: int) -> None:
    step = trace.step(index)
    fig_in, fig_out = pool_figures(trace, index)
    # In presenter mode each grid's column is as wide as the grid, so both fit the screen at the same scale.
    left, right = st.columns([fig.layout.width or 1 for fig in (fig_in, fig_out)] if is_presenting() else [3, 2])
    show_chart(left, fig_in, config=_CHART, key="pool_fig_in", width="content")
    if not hidden_note(right, PoolSettings.NS, _SIZE):
        show_chart(right, fig_out, config=_CHART, key="pool_fig_out", width="content")
    where = f"channel {step.channel}, " if trace.channels > 1 else ""
    st.markdown(f"**Output cell ({where}row {step.row}, column {step.col})**" +
                (" — the winning value is in [brackets]:" if step.kind == "max" else ":"))
    st.code(step.expression(), language=None, wrap_lines=True)


@st.cache_data(show_spinner="Running MobileNetV2's first layer ...", max_entries=16)
def _sample_stem(name: str) -> torch.Tensor:
    return _stem(images.sample_image(name))


def _stem(image) -> torch.Tensor:
    entry = zoo.registry()["mobilenet_v2"]
    model = get_model("mobilenet_v2")
    x = features.preprocess(image, entry).to(next(model.parameters()).device)
    return features.layer_activations(model, x, [_STEM])[_STEM][0].cpu()  # [32, 112, 112]


def _edge_maps(image) -> torch.Tensor:
    gray = images.to_tensor(images.fit_within(image.convert("L"), 224)[0])  # [1, H, W]
    maps = [conv.apply_kernel(gray, kernels.make_kernel(name)) for name in ("sobel_x", "sobel_y")]
    return torch.relu(torch.cat(maps + [-m for m in maps]))  # [4, H, W]: edges in four directions


def feature_map_panel(values: PoolSettings) -> None:
    """A real feature map (MobileNetV2's first layer, or edge maps without weights) before and after pooling."""
    image = image_input("pool.pic", default_sample="astronaut", label="Photo")
    if image is None:
        return
    try:
        sample = selected_sample("pool.pic")
        maps = _sample_stem(sample) if sample is not None else _stem(image)
        source = "MobileNetV2's first layer (32 learned 3x3 filters, stride 2, BatchNorm, ReLU6)"
    except WeightsUnavailable as exc:
        weights_notice("MobileNetV2's ImageNet weights", exc, instead="Four hand-made edge filters stand in for its "
                       "first layer here; the rest of the lab works as usual.")
        maps, source = _edge_maps(image), "four edge detectors (Sobel) followed by ReLU"
    if not 0 <= PoolSettings.get("channel") < maps.shape[0]:
        PoolSettings.put("channel", int(maps.std(dim=(1, 2)).argmax()))  # a channel with something to see
    channel = PoolSettings.widget("channel", bounds=(0, maps.shape[0] - 1))
    try:
        pooled = pooling.pool_image(maps, kind=values.kind, size=int(values.size), stride=int(values.stride))
    except CvcoreError as exc:
        st.error(str(exc))
        return
    c, h, w = maps.shape
    glossary.markdown(f"Feature maps from {source}: **{h} x {w} x {c}** → pooled **{pooled.shape[1]} x {pooled.shape[2]} x {c}**. "
                "The channel count stays the same.")
    a, b = st.columns(2)
    a.image(images.to_uint8(maps[channel]), caption=f"Channel {channel}: {h}x{w}", width="stretch")
    b.image(images.to_uint8(pooled[channel]), caption=f"After {values.kind} pooling: {pooled.shape[1]}x{pooled.shape[2]}",
            width="stretch")


def _output_csv(trace: PoolTrace) -> str:
    out = trace.output if trace.output.ndim == 3 else trace.output[None]
    if len(out) == 1:
        return grids.grid_csv(out[0])
    return "".join(f"# channel {c}\n{grids.grid_csv(o)}" for c, o in enumerate(out))


def computation_expander(trace: PoolTrace, index: int) -> None:
    with lazy_expander("How it is computed", "pool.open_how") as is_open:
        if not is_open:
            return
        st.download_button("Download the output (CSV)", lambda: _output_csv(trace), file_name="pool_output.csv",
                           mime="text/csv", key="pool.dl_csv")
        step = trace.step(index)
        fh, fw = trace.size
        op = "\\max" if trace.kind == "max" else f"\\frac{{1}}{{{fh * fw}}}\\sum"
        st.markdown(f"$$\\text{{out}}[c, i, j] = {op}_{{0 \\le m < {fh},\\, 0 \\le n < {fw}}} "
                    f"x[c,\\; i \\cdot {trace.stride[0]} + m,\\; j \\cdot {trace.stride[1]} + n]$$")
        st.markdown(f"For this cell: `{step.expression()}`")
        st.markdown("Max pooling asks *is this feature present anywhere in the window?*; average pooling keeps its mean "
                    "strength (used e.g. to collapse 7x7x1000 to 1x1x1000 at the end of a network). "
                    "Each channel is pooled separately, so n_C does not change, and nothing is learned.")


def check_expander(trace: PoolTrace) -> None:
    def compute():
        ref = pooling.reference_output(trace)
        fn = "max_pool2d" if trace.kind == "max" else "avg_pool2d"
        return f"torch.nn.functional.{fn}", ref.shape, {"the step-by-step result": float((ref - trace.output).abs().max())}

    show_check("pool.open_check", compute)
