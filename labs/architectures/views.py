"""The Architectures lab: a network's layer table, its shape and cost figures, the course's comparisons."""

import pandas as pd
import streamlit as st

from cvcore.conv import bottleneck_cost, conv_cost
from cvcore.errors import CvcoreError
from cvcore.networks import architectures as arch
from cvcore.teach import words
from cvcore.viz.architectures import breakdown_figure, shape_figure
from labs.architectures.settings import NETS
from labs.architectures.settings import ArchSettings as S
from ui import glossary
from ui.figures import show_chart
from ui.lazy import lazy_expander
from ui.lessons import awaited, shown

__all__ = ["network", "comparison", "why_convolutions", "focus_views"]

_CHART = {"displayModeBar": False}
# What cvcore.lessons.networks.architecture_questions asks about the calculator's layer.
_PARAMS, _SIDE, _DENSE = "params", "out_side", "dense_params"


@st.cache_data(show_spinner=False, max_entries=64)
def _table(name: str, shape: tuple[int, int, int]) -> list[arch.LayerRow]:
    return arch.layer_table(arch.build(name), shape)


@st.cache_resource(show_spinner=False, max_entries=64)  # shared, never copied: the figures are only read
def _figures(name: str, shape: tuple[int, int, int]):
    rows = _table(name, shape)
    return shape_figure(rows, title=f"{NETS[name].label}: n_H, n_W go down while n_C goes up"), breakdown_figure(rows)


def _calculator_layer() -> tuple[tuple[int, int, int], int] | None:
    """(output shape (C, H, W), parameters) of the calculator's layer (``why_convolutions``), which the lab's questions
    ask about; None if its settings make no layer."""
    n, c, f, k = (int(S.get(name)) for name in ("n", "c", "f", "k"))
    try:
        layer = conv_cost(n, n, c, k, f)
    except CvcoreError:
        return None
    side = layer.output_shape[0]
    return (k, side, side), layer.parameters


def _row_facts(row: arch.LayerRow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The facts a table row's shape and parameters state: those of the calculator's layer when the row is that layer
    (LeNet-5's first convolution, set by the lesson), none otherwise."""
    layer = _calculator_layer()
    if layer is None or (tuple(row.output_shape), row.params) != layer:
        return (), ()
    return (_SIDE,), (_PARAMS,)


def _cell(facts: tuple[str, ...], value: int) -> int | None:
    """A number column's cell: empty while it states an awaited fact."""
    return None if awaited(S.NS, facts) is not None else value


def _frame(rows: list[arch.LayerRow]) -> pd.DataFrame:
    table = []
    for r in rows:
        side, params = _row_facts(r)
        table.append({"layer": r.name, "type": r.kind, "output shape": shown(S.NS, side, " x ".join(map(str, r.output_shape))),
                      "activation size": _cell(side, r.activation_size), "parameters": _cell(params, r.params),
                      "multiply-adds": _cell(side, r.macs)})
    return pd.DataFrame(table)


def network() -> None:
    """Pick a network: its layers, totals and figures, all measured on the PyTorch module."""
    a, b = st.columns([2, 1])
    name = S.widget("net", a)
    net = NETS[name]
    size = S.widget("size", b, help=f"{net.label} was designed for {net.input_shape[1]}x{net.input_shape[2]}")
    shape = (net.input_shape[0], int(size), int(size)) if size else net.input_shape
    try:
        rows = _table(name, shape)
    except CvcoreError as exc:
        st.error(f"{net.label} cannot take {words.article(shape[1])} {shape[1]}x{shape[2]}x{shape[0]} input: {exc}")
        return
    params, macs = arch.totals(rows)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Input", " x ".join(map(str, (shape[1], shape[2], shape[0]))))
    m2.metric("Parameters", f"{params:,}")
    m3.metric("Multiply-adds", f"{macs / 1e6:,.1f} M" if macs >= 1e6 else f"{macs:,}")
    m4.metric("Layers run", len(rows))
    if net.note:
        st.caption(net.note)
    if name == "lenet5_course":
        course_table(rows)
    shapes, breakdown = _figures(name, shape)  # plotly subplots are slow to build: made once per network and size
    show_chart(st, shapes, config=_CHART, key="arch_shapes")
    st.dataframe(_frame(rows), hide_index=True, height=min(420, 38 + 35 * len(rows)))
    show_chart(st, breakdown, config=_CHART, key="arch_breakdown")


@st.cache_data(show_spinner=False)
def _comparison_rows() -> list[dict]:
    rows = []
    for name in ("lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "resnet152", "mobilenet_v2"):
        net = NETS[name]
        params = sum(p.numel() for p in arch.build(name).parameters())
        rows.append({"network": net.label, "year": net.year, "parameters": f"{params:,}",
                     "ImageNet top-1": f"{net.top1:.1f} %" if net.top1 else "(not an ImageNet model)"})
    return rows


def course_table(rows: list[arch.LayerRow]) -> None:
    """The course's LeNet-5 table: activation shape, activation size and parameters per layer, as on the slide."""
    names = {"Conv2d": "CONV", "MaxPool2d": "POOL", "Linear": "FC"}
    table = [{"layer": "Input", "activation shape": "(32, 32, 3)", "activation size": 3072, "# parameters": 0}]
    counts: dict[str, int] = {}
    kept = [r for r in rows if r.kind in names or r.kind == "Softmax"]
    for i, r in enumerate(kept):
        if r.kind == "Softmax":
            continue
        counts[r.kind] = counts.get(r.kind, 0) + 1
        # The slide numbers FC layers after the CONV-POOL pairs (FC3, FC4) and calls the last one "Softmax".
        last = i + 1 < len(kept) and kept[i + 1].kind == "Softmax"
        label = "Softmax" if last else f"{names[r.kind]}{counts[r.kind] + (2 if r.kind == 'Linear' else 0)}"
        shape = (r.output_shape[1], r.output_shape[2], r.output_shape[0]) if len(r.output_shape) == 3 else (r.output_shape[0], 1)
        side, params = _row_facts(r)
        table.append({"layer": label, "activation shape": shown(S.NS, side, str(shape)),
                      "activation size": _cell(side, r.activation_size), "# parameters": _cell(params, r.params)})
    st.markdown("**The course's table** (computed on the module above):")
    st.dataframe(pd.DataFrame(table), hide_index=True)
    st.caption("Most activations are in the early convolutions, most parameters in the fully connected layers.")


def comparison() -> None:
    """The course's table: parameters (counted here) and ImageNet top-1 (torchvision's published weights)."""
    st.dataframe(pd.DataFrame(_comparison_rows()), hide_index=True)
    st.caption("Top-1 accuracies are those torchvision publishes for its pretrained weights; the parameters are counted "
               "on the modules above.")


def why_convolutions() -> None:
    """The course's calculator: a conv layer against a fully connected layer with the same input and output."""
    cols = st.columns(4)
    n, c, f, k = (int(S.widget(name, col)) for name, col in zip(("n", "c", "f", "k"), cols, strict=False))
    try:
        layer = conv_cost(n, n, c, k, f)
    except CvcoreError as exc:
        st.error(str(exc))
        return
    out = layer.output_shape
    inputs, outputs = n * n * c, out[0] * out[1] * out[2]
    fc = inputs * outputs
    shape = shown(S.NS, (_SIDE, _DENSE), f"{out[0]}x{out[1]}x{out[2]} = {outputs:,} numbers", "an output of ? numbers")
    out_count = shown(S.NS, (_SIDE, _DENSE), f"{outputs:,}")
    params = shown(S.NS, _PARAMS, f"{layer.parameters:,}")
    more = shown(S.NS, (_SIDE, _DENSE, _PARAMS), f"{inputs:,} x {outputs:,} = **{fc:,}** weights (about "
                 f"{fc / 1e6:,.0f}M), {fc / layer.parameters:,.0f} times more", "?")
    st.markdown(
        f"{words.article(n, start=True)} {n}x{n}x{c} input through {k} filters of {f}x{f} gives {shape}.\n\n"
        f"- **Convolution**: {k} x ({f}x{f}x{c} + 1) = **{params}** parameters.\n"
        f"- **Fully connected** from {inputs:,} inputs to {out_count} outputs: {more}.\n\n"
        f"The slide counts {k} x ({f}x{f} + 1) = {k * (f * f + 1)}: that ignores the {c} input channels; a filter on "
        f"{words.article(c)} {c}-channel input has {f}x{f}x{c} weights. Why so few? **Parameter sharing**: the same {f * f * c} weights "
        f"are used at all {shown(S.NS, _SIDE, str(out[0] * out[1]))} positions. **Sparsity of connections**: each output number depends on only "
        f"{f * f * c} of the {inputs:,} inputs.")


def focus_views() -> None:
    """Lazy sections: the residual block, the Inception module, MobileNetV2's inverted residual."""
    with lazy_expander("Focus: the residual block (ResNet)", "arch.open_res") as is_open:
        if is_open:
            st.markdown(r"Plain: $a^{[l+2]} = g(z^{[l+2]})$. Residual: $a^{[l+2]} = g(z^{[l+2]} + a^{[l]})$: the "
                        "shortcut adds the block's input back before the last ReLU, so a block can easily learn the "
                        "identity and very deep networks still train. ResNet-18's first block on a 56x56x64 map:")
            st.dataframe(_frame(arch.layer_table(arch.build("resnet18").layer1[0], (64, 56, 56))), hide_index=True)
    with lazy_expander("Focus: the Inception module (GoogLeNet)", "arch.open_inc") as is_open:
        if is_open:
            st.markdown("Four branches run side by side (1x1, 3x3, 5x5, max-pool) and their outputs are stacked in "
                        "depth; 1x1 'bottleneck' convolutions shrink the channels first. GoogLeNet's inception3a on "
                        "28x28x192:")
            st.dataframe(_frame(arch.layer_table(arch.build("googlenet").inception3a, (192, 28, 28))), hide_index=True)
            plain, neck = conv_cost(28, 28, 192, 32, 5, padding=2), bottleneck_cost(28, 28, 192, 16, 32, 5)
            st.markdown(f"The course's cost example: 5x5 straight to 32 channels costs {plain.multiplications:,} "
                        f"multiplications; through a 1x1 bottleneck of 16: {neck.parts[0].multiplications:,} + "
                        f"{neck.parts[1].multiplications:,} = {neck.multiplications:,}.")
    with lazy_expander("Focus: the inverted residual (MobileNetV2)", "arch.open_mb") as is_open:
        if is_open:
            glossary.markdown("Expand the channels with a 1x1 convolution, filter each channel with a 3x3 depthwise "
                        "convolution, project back down with a linear 1x1 convolution, and add the shortcut: "
                        "depthwise-separable convolutions at a fraction of the cost. MobileNetV2's block 2 on 56x56x24:")
            st.dataframe(_frame(arch.layer_table(arch.build("mobilenet_v2").features[3], (24, 56, 56))), hide_index=True)
