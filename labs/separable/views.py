"""The 1x1 / depthwise / separable / grouped lab: controls, displays and the cost calculator."""

import pandas as pd
import streamlit as st
import torch

from cvcore.conv import bottleneck_cost, conv_cost, format_number, volume_conv_trace
from cvcore.errors import CvcoreError
from cvcore.teach import grids, words
from cvcore.viz import grid_heatmap
from cvcore.viz.costs import connectivity_figure, cost_figure
from labs.separable.settings import LAYER, PRESETS
from labs.separable.settings import SeparableSettings as S
from ui.figures import show_chart
from ui.lazy import lazy_expander
from ui.lessons import hidden_note, shown

__all__ = ["layer_settings", "layer_view", "course_1x1", "calculator"]

_CHART = {"displayModeBar": False}
# What cvcore.lessons.convolutions.separable_questions asks: the operation's weights, the separable layer's cost.
_WEIGHTS, _SEPARABLE_MULTS = "weights", "sep_mults"

_SHAPE_COLUMN = "weights [out, in, h, w]"  # the column of each step's weight shape, as PyTorch orders it


def layer_settings() -> S:
    """The operation and its layer; returns every setting's value after the widgets."""
    op = S.widget("op")
    a, b, c = st.columns(3)
    S.widget("c", a)
    S.widget("n", b)
    S.widget("seed", c)
    a, b, c = st.columns(3)
    S.widget("k", a, disabled=op == "depthwise")
    S.widget("g", b, disabled=op != "grouped")
    S.widget("f", c, disabled=op == "pointwise")
    return S.current()


def _stages(s: S) -> list[tuple[str, int, int, int]]:
    """(name, out channels, groups, f) for each convolution the operation is made of."""
    c, k, g, f = s.c, s.k, s.g, s.f
    return {"pointwise": [("1x1", k, 1, 1)], "depthwise": [("depthwise", c, c, f)],
            "separable": [("depthwise", c, c, f), ("pointwise", k, 1, 1)], "grouped": [("grouped", k, g, f)]}[s.op]


def layer_view(s: S) -> None:
    """Connectivity, shapes, costs and output maps of the chosen operation, checked against PyTorch."""
    gen = torch.Generator().manual_seed(int(s.seed))
    x = torch.stack([grids.random_grid(s.n, s.n, seed=int(s.seed) + i) for i in range(s.c)])
    rows, code = [], ["import torch", "import torch.nn.functional as F", "", f"x = torch.randn(1, {s.c}, {s.n}, {s.n})"]
    out, ref = x, x
    figures = []
    try:
        for name, k, g, f in _stages(s):
            w = torch.randint(-1, 2, (k, out.shape[0] // g, f, f), generator=gen).double()
            trace = volume_conv_trace(out, w, groups=g)
            ref = torch.nn.functional.conv2d(ref[None], w, groups=g)[0]
            cost = conv_cost(out.shape[1], out.shape[2], out.shape[0], k, f, groups=g, bias=False)
            rows.append({"step": name, _SHAPE_COLUMN: f"[{k}, {out.shape[0] // g}, {f}, {f}]", "groups": g,
                         "output": "x".join(map(str, cost.output_shape)),
                         "parameters": shown(S.NS, _WEIGHTS, str(cost.parameters)), "count": cost.parameters,
                         "multiplications": cost.multiplications})
            figures.append(connectivity_figure(k, out.shape[0], g, title=f"{name}: inputs each output reads"))
            code.append(f"x = F.conv2d(x, torch.randn({k}, {out.shape[0] // g}, {f}, {f}), groups={g})  # {name}")
            out = trace.output
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        return
    for col, (i, fig) in zip(st.columns(max(2, len(figures))), enumerate(figures), strict=False):
        show_chart(col, fig, config=_CHART, key=f"sep_conn_{i}", width="content")
    st.dataframe(pd.DataFrame(rows).drop(columns="count"), hide_index=True)
    k, c_in, h, w = (int(v) for v in rows[0][_SHAPE_COLUMN].strip("[]").split(", "))
    st.caption(f"{_SHAPE_COLUMN} is the shape of the step's weight tensor in PyTorch: {rows[0][_SHAPE_COLUMN]} is "
               f"{words.count(k, 'filter')} (the output channels), each {words.count(c_in, 'input channel')} deep "
               f"(the input's channels divided by the groups), {h} high and {w} wide.")
    total = shown(S.NS, _WEIGHTS, str(sum(r["count"] for r in rows)))
    st.markdown(f"**{s.n}x{s.n}x{s.c} → {'x'.join(map(str, (out.shape[1], out.shape[2], out.shape[0])))}** · "
                f"parameters {total} · multiplications {sum(r['multiplications'] for r in rows):,}"
                " (no bias)")
    drawn = min(out.shape[0], 4)
    if out.shape[0] > drawn:
        st.caption(f"Output channels 0 to {drawn - 1} of {out.shape[0]}:")
    for i, col in enumerate(st.columns(drawn)):
        show_chart(col, grid_heatmap(out[i], title=f"Output channel {i}", colors="signed", zmid=0.0), config=_CHART,
                         key=f"sep_out_{i}", width="content")
    diff = float((ref - out).abs().max())
    (st.success if diff <= 1e-9 else st.error)(f"Check: `F.conv2d(..., groups=g)` agrees, largest difference {format_number(diff)}")
    with lazy_expander("PyTorch code", "sep.open_code") as is_open:
        if not is_open:
            return
        st.code("\n".join(code + ["print(x.shape)"]) + "\n", language="python")


@st.cache_resource(show_spinner=False)  # shared, never copied: the figures are only read
def _course_1x1_parts():
    """Figures and texts of the course's 1x1 examples: they never change, so they are made once."""
    x = torch.tensor([[1, 2, 3, 6, 5, 8], [3, 5, 5, 1, 3, 4], [2, 1, 3, 4, 9, 3], [4, 7, 8, 5, 7, 9], [1, 5, 3, 7, 4, 8],
                      [5, 4, 9, 8, 3, 5]], dtype=torch.float64)
    out = volume_conv_trace(x[None], torch.full((1, 1, 1, 1), 2.0)).output[0]
    deep = torch.stack([grids.random_grid(6, 6, seed=c) for c in range(32)])  # [32, 6, 6]
    filters = torch.randint(-1, 2, (4, 32, 1, 1), generator=torch.Generator().manual_seed(1)).double()
    trace = volume_conv_trace(deep, filters, relu=True)
    step = trace.step(0)
    header = (f"**6x6x32 * four 1x1x32 filters → {'x'.join(map(str, (6, 6, trace.output.shape[0])))}** "
              f"({trace.parameters} parameters). The first output number is the 32 numbers at position (0, 0) "
              "times filter 1's 32 weights, added up, then ReLU:")
    products = " + ".join(f"{format_number(w)}×{format_number(v)}" for v, w in
                          zip(step.windows.flatten().tolist(), step.weights.flatten().tolist(), strict=True))
    sums = f"{products} = {format_number(step.z)};  ReLU → {format_number(step.value)}"
    return grid_heatmap(x, title="6x6x1 input"), grid_heatmap(out, title="After one 1x1 filter (weight 2)"), header, sums


def course_1x1() -> None:
    """The course's 6x6x1 example (a 1x1 filter on one channel only multiplies, here by 2), then 6x6x32."""
    fig_in, fig_out, header, sums = _course_1x1_parts()
    a, b = st.columns(2)
    show_chart(a, fig_in, config=_CHART, key="sep_1x1_in", width="content")
    show_chart(b, fig_out, config=_CHART, key="sep_1x1_out", width="content")
    st.caption("On one channel a 1x1 filter just scales. On 6x6x32 each 1x1x32 filter takes a weighted sum of the 32 "
               "numbers at every position (then ReLU): a small fully connected layer applied to each pixel, the "
               "'network in network'. With n_C' filters it changes the depth from 32 to n_C'.")
    st.markdown(header)
    st.code(sums, language=None, wrap_lines=True)


def calculator() -> None:
    """Standard vs depthwise-separable vs bottleneck vs grouped, computed from the settings."""
    preset = S.widget("preset")
    if PRESETS[preset][1] is not None:  # an example fixes the numbers; "My own layer" starts from them
        for name, value in zip(LAYER, PRESETS[preset][1], strict=True):
            S.put(name, value)
    for col, name in zip(st.columns(len(LAYER)), LAYER, strict=False):
        S.widget(name, col, disabled=preset != "custom")
    v = {name: int(S.get(name)) for name in LAYER}
    try:
        designs = _designs(**v)
    except CvcoreError as exc:
        st.error(str(exc))
        return
    # The separable design's multiplications are what the lab's second question asks: not written while it is open.
    facts = {name: (_SEPARABLE_MULTS,) if name == "depthwise-separable" else () for name in designs}
    table = [{"design": name, "output": "x".join(map(str, c.output_shape)),
              "multiplications": shown(S.NS, facts[name], f"{c.multiplications:,}"), "parameters": f"{c.parameters:,}",
              "steps": shown(S.NS, facts[name], " + ".join(f"{p.multiplications:,}" for p in c.parts) if c.parts else "")}
             for name, c in designs.items()]
    st.dataframe(pd.DataFrame(table), hide_index=True)
    if not hidden_note(st, S.NS, _SEPARABLE_MULTS):
        show_chart(st, _cost_figure(tuple(v.items())), config=_CHART, key="sep_cost_fig")
    base = designs["standard"].multiplications
    st.caption(" · ".join(f"{name}: {base / c.multiplications:.1f}x fewer multiplications" for name, c in designs.items()
                          if name != "standard"))


@st.cache_resource(show_spinner=False, max_entries=64)  # shared, never copied: the figure is only read
def _cost_figure(values: tuple):
    return cost_figure(_designs(**dict(values)))


def _designs(h: int, w: int, cin: int, cout: int, kf: int, pad: int, mid: int, cg: int) -> dict:
    """The four designs' costs for one layer's settings (raises CvcoreError for impossible ones)."""
    return {"standard": conv_cost(h, w, cin, cout, kf, padding=pad),
            "depthwise-separable": conv_cost(h, w, cin, cout, kf, padding=pad, kind="depthwise_separable"),
            f"1x1 bottleneck to {mid}, then {kf}x{kf}": bottleneck_cost(h, w, cin, mid, cout, kf, padding=pad),
            f"grouped, g = {cg}": conv_cost(h, w, cin, cout, kf, padding=pad, groups=cg)}
