"""The Inside lab's whole-network view: every stage of the network in a row, then one stage's maps, one channel, and
one output value of it computed by hand, the *Convolution over volumes* step for a real layer.

The path (layer, channel, cell) is in the link. Everything is cached per model and image.
"""

import streamlit as st
import torch

from cvcore import zoo
from cvcore.errors import CvcoreError, InvalidParameter
from cvcore.inside import features, unit_trace
from cvcore.inside import overview as engine
from cvcore.teach import model_snippets, words
from cvcore.viz import unit_trace as figures
from labs import trained_models
from labs.inside_cnn.settings import InsideSettings as S
from labs.inside_cnn.subject import HASH_FUNCS, Network, Subject
from ui import state
from ui.code import code_expander
from ui.figures import show_chart
from ui.stepper import step_view

__all__ = ["whole_network", "parse_cell"]

_PER_ROW = 8
_MAPS = 64  # channels shown in a stage's grid, strongest first
_TOP = 8  # input channels listed by contribution
_TOLERANCE = 1e-4  # relative, float32 network against the float64 step-through
_CHART = {"displayModeBar": False}


@st.cache_resource(show_spinner="Running the network once for every stage ...", max_entries=16, hash_funcs=HASH_FUNCS)
def _stages(s: Subject) -> tuple[list[engine.Stage], dict[str, object]]:
    """The stages and their thumbnails (uint8 pictures), read only."""
    stages = engine.overview(s.model, s.x)
    return stages, {stage.name: figures.thumbnail(stage.thumbnail, 64) for stage in stages if stage.thumbnail is not None}


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=HASH_FUNCS)
def _units(net: Network) -> dict[str, unit_trace.ConvUnit]:
    return {unit.name: unit for unit in unit_trace.conv_units(net.model)}


# read only; a copy per rerun would cost more than the trace
@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=HASH_FUNCS)
def _activations(s: Subject, unit: str) -> dict[str, torch.Tensor]:
    return unit_trace.unit_activations(s.model, s.x, _units(s.network)[unit])


# read only: the same picture for every channel and cell
@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=HASH_FUNCS)
def _maps_figure(s: Subject, unit: str):
    out = _activations(s, unit)["output"]  # [K, H', W']
    order = features.rank_channels(out, "mean")[:_MAPS].tolist()
    note = " (before the block adds its input)" if _units(s.network)[unit].block else ""
    return figures.maps_figure(out[order], order, cols=min(16, len(order)), tile=40,
                               title=f"{unit}{note}: {_which_maps(len(order), out.shape[0])}, "
                                     f"each {out.shape[1]}x{out.shape[2]}; click one")


def _which_maps(shown: int, total: int) -> str:
    """The grid's maps in words: all of them, or the most active ``shown`` of ``total``, strongest first."""
    return f"all {total} maps, most active first" if shown >= total else f"the {shown} most active of {total} maps"


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=HASH_FUNCS)
def _stage_output(s: Subject, stage: str) -> torch.Tensor:
    return features.extract(s.model, s.x, [stage])[stage][0].float().cpu()


def parse_cell(text: str, height: int, width: int) -> tuple[int, int] | None:
    """``"row, col"`` as two ints inside a ``height`` x ``width`` map; None for an empty text.

    >>> parse_cell(" 3, 4", 7, 7), parse_cell("", 7, 7)
    ((3, 4), None)
    """
    if not text.strip():
        return None
    parts = text.replace(";", ",").split(",")
    try:
        row, col = (int(p) for p in parts)
    except ValueError:
        raise InvalidParameter(f"the cell must be two whole numbers 'row, column', got {text!r}") from None
    if not (0 <= row < height and 0 <= col < width):
        raise InvalidParameter(f"the cell must lie in the {height}x{width} map (rows 0 to {height - 1}, columns 0 to "
                               f"{width - 1}), got {row}, {col}")
    return row, col


def _open_stage(stage: engine.Stage) -> None:
    S.put("layer", stage.units[-1] if stage.units else stage.name)
    S.put("channel", stage.strongest or 0)
    S.put("cell", "")
    S.put("in_step", 1)


def _on_map_click() -> None:
    points = ((st.session_state.get("inside_net_maps") or {}).get("selection") or {}).get("points") or []
    if points and points[0].get("customdata") is not None:
        value = points[0]["customdata"]
        S.put("channel", int(value[0] if isinstance(value, (list, tuple)) else value))
        S.put("cell", "")
        S.put("in_step", 1)


def _on_cell_click() -> None:
    points = ((st.session_state.get("inside_net_cell") or {}).get("selection") or {}).get("points") or []
    if points and points[0].get("x") is not None and points[0].get("y") is not None:
        S.put("cell", f"{round(points[0]['y'])},{round(points[0]['x'])}")  # the point of a cell is at (col, row)
        S.put("in_step", 1)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def whole_network(s: Subject) -> None:
    """The row of stages; below it, the chosen stage's maps, channel and traced cell."""
    stages, thumbnails = _stages(s)
    units = _units(s.network)
    layer = S.get("layer")
    unit = units.get(layer)
    by_name = {stage.name: stage for stage in stages}
    chosen = by_name.get(unit.stage) if unit is not None else by_name.get(layer)
    st.markdown(f"**{len(stages)} stages**, from the {_shape(tuple(s.x.shape[1:]))} input to the "
                f"{stages[-1].shape[0]} class scores. Each picture is the stage's most active map for this image; "
                "click a stage to open its maps.")
    for start in range(0, len(stages), _PER_ROW):
        columns = st.columns(_PER_ROW, gap="small")
        for column, stage in zip(columns, stages[start:start + _PER_ROW], strict=False):
            _stage_tile(column, stage, thumbnails.get(stage.name), chosen is not None and stage.name == chosen.name,
                        s.entry.categories)
    if chosen is None:
        st.info("Click a stage above (or pick one with the keyboard: Tab to its button, then Enter) to open its maps.")
        return
    st.divider()
    if chosen.units and (unit is None or unit.stage != chosen.name):
        S.put("layer", chosen.units[-1])
    _drill_down(s, chosen)


@st.fragment
def _drill_down(s: Subject, stage: engine.Stage) -> None:
    """The stage's maps, channel and cell: a control here reruns only this part, not the row of stages."""
    try:
        if stage.units:
            _stage_units(s, stage, _units(s.network))
        else:
            _plain_stage(s, stage)
    finally:  # the link follows this part's controls, also after a bad cell
        state.sync(S, ["layer", "channel", "cell", "in_step"])


def _stage_tile(column, stage: engine.Stage, picture, selected: bool, categories) -> None:
    with column:
        if picture is not None:
            st.image(picture, width="stretch")
        else:  # a vector: its largest entries (class names for the class scores)
            named = stage.shape[0] == len(categories)
            st.caption("largest: " + ", ".join(f"{categories[i] if named else i} ({v:.2f})" for i, v in stage.top))
        st.button(stage.name, key=f"inside_stage_{stage.name}", on_click=_open_stage, args=(stage,),
                  type="primary" if selected else "secondary", width="stretch",
                  help=f"{stage.kind}: output {_shape(stage.shape)}"
                       + (f", {words.count(len(stage.units), 'convolution')}" if stage.units else ""))
        st.caption(f"→ {_shape(stage.shape)}")


def _plain_stage(s: Subject, stage: engine.Stage) -> None:
    st.markdown(f"**{stage.name}** ({stage.kind}) outputs {_shape(stage.shape)}.")
    st.info("This stage has no convolution of its own (pooling, an activation, flattening or a linear layer): "
            "pick a stage with a convolution to follow one value down to its multiplications.")
    if stage.is_map:
        act = _stage_output(s, stage.name)
        order = features.rank_channels(act, "mean")[:_MAPS].tolist()
        show_chart(st, figures.maps_figure(act[order], order, cols=min(16, len(order)), tile=40,
                                         title=f"{stage.name}: {_which_maps(len(order), act.shape[0])}"),
                   config=_CHART, key="inside_net_plain")


def _unit_label(model: torch.nn.Module, unit: unit_trace.ConvUnit) -> str:
    conv = model.get_submodule(unit.conv)
    after = " + ".join(part for part in ("batch norm" if unit.bn else "", unit.activation or "") if part)
    return f"{unit.name}  ({unit.kind(model)}, {conv.in_channels} → {conv.out_channels}{', ' + after if after else ''})"


def _stage_units(s: Subject, stage: engine.Stage, units: dict[str, unit_trace.ConvUnit]) -> None:
    left, right = st.columns([2.2, 1])
    with left:
        name = S.widget("layer", label=f"Convolution in {stage.name}", options=list(stage.units),
                        format_func=lambda n: _unit_label(s.model, units[n]))
    unit = units[name]
    acts = _activations(s, unit.name)
    out = acts["output"]  # [K, H', W']
    count, height, width = out.shape
    if S.get("channel") >= count:
        S.put("channel", 0)
    with right:
        channel = int(S.widget("channel", label=f"Channel (0 to {count - 1})", bounds=(0, count - 1)))
    show_chart(st, _maps_figure(s, unit.name), config=_CHART, key="inside_net_maps",
               on_select=_on_map_click, selection_mode="points")
    typed = S.widget("cell", label=f"Cell (row 0 to {height - 1}, column 0 to {width - 1})",
                     placeholder="row, column (e.g. 3, 5); empty: the strongest cell")
    try:
        cell = parse_cell(typed, height, width)
    except InvalidParameter as exc:
        st.error(f"Cannot open this cell: {exc}")
        return
    one = out[channel]
    if cell is None:
        flat = int(one.flatten().argmax())
        cell = divmod(flat, width)
        st.caption(f"No cell chosen: showing channel {channel}'s strongest, row {cell[0]}, column {cell[1]}. "
                   "Click another cell of the map, or type its row and column above.")
    left, right = st.columns([1, 1.3], gap="medium")
    show_chart(left, figures.cell_picker_figure(one, title=f"Channel {channel} of {unit.name}: click a cell",
                                                selected=cell),
               config=_CHART, key="inside_net_cell", on_select=_on_cell_click, selection_mode="points")
    try:
        trace = unit_trace.trace_unit(s.model, unit, channel, *cell, activations=acts)
    except CvcoreError as exc:
        st.error(f"Cannot trace this value: {exc}")
        return
    with right:
        _summary(s, trace, acts)
    _step_through(trace)
    _result(trace)
    _code(s, trace)


def _summary(s: Subject, t: unit_trace.UnitTrace, acts: dict[str, torch.Tensor]) -> None:
    conv = s.model.get_submodule(t.unit.conv)
    source = t.unit.input or "the input image"
    c_in, h_in, w_in = acts["input"].shape
    seen = "all its" if len(t.channels) == c_in else f"{len(t.channels)} of the {c_in}"
    st.markdown(
        f"**{t.unit.name}**, channel **{t.channel}** at row **{t.row}**, column **{t.col}**: "
        f"{words.article(conv.kernel_size[0])} {conv.kernel_size[0]}x{conv.kernel_size[1]} filter with stride {conv.stride[0]} and padding "
        f"{conv.padding[0]} reads {seen} input channels of **{source}** ({c_in}×{h_in}×{w_in}) in the window "
        f"rows {t.rows[0]} to {t.rows[-1]}, columns {t.cols[0]} to {t.cols[-1]}: **{t.products_count}** "
        "products, added up, then " + ", ".join(part for part in (
            "the bias" if t.bias is not None else "", "batch norm" if t.norm else "",
            t.unit.activation or "no activation") if part) + ".")
    top = t.top_channels(_TOP)
    rest = float(t.channel_sums.sum()) - float(t.channel_sums[top].sum())
    rows = [f"input channel {t.channels[i]:>4}: {float(t.channel_sums[i]):+.6f}" for i in top]
    if len(t.channels) > len(top):
        rows.append(f"the other {len(t.channels) - len(top)} channels: {rest:+.6f}")
    rows.append(f"sum over all {len(t.channels)}: {t.total:+.6f}")
    st.markdown("**Largest contributions** (each input channel's window × weights, added up)")
    st.code("\n".join(rows), language=None)


def _step_through(t: unit_trace.UnitTrace) -> None:
    order = torch.argsort(t.channel_sums.abs(), descending=True, stable=True).tolist()
    source = t.unit.input or "input"
    st.markdown(f"**Step through the {len(order)} input channel{'s' if len(order) > 1 else ''}**, largest "
                "contribution first: the window on that channel, the filter's weights for it, their products.")

    def render(i: int) -> None:
        position = order[i]
        window, weights, products = figures.window_figures(t, position, input_name=source)
        figs = (window, weights, products)
        # Each grid's column as wide as the grid is drawn: equal thirds shrank the window (the widest, with the rows
        # around it) to about 80% in presenter mode, its numbers to 12 px.
        for column, fig, key in zip(st.columns([f.layout.width or 1 for f in figs]), figs, ("in", "w", "p"),
                                    strict=True):
            show_chart(column, fig, config=_CHART, key=f"inside_net_{key}", width="content")
        w, k = t.window[position].flatten().tolist(), t.weights[position].flatten().tolist()
        terms = " + ".join(f"{a:.4f}×{b:.4f}" if b >= 0 else f"{a:.4f}×({b:.4f})" for a, b in zip(w, k, strict=True))
        st.code(f"channel {t.channels[position]}: {terms} = {float(t.channel_sums[position]):.6f}", language=None,
                wrap_lines=True)

    step_view(S, "in_step", len(order), render,
              single="this value reads a single input channel (depthwise, or a one-channel input)")


def _result(t: unit_trace.UnitTrace) -> None:
    st.markdown("**From the sum to the value**")
    st.code("\n".join(t.lines()), language=None, wrap_lines=True)
    final, own = t.value, t.network_value
    where = f"{t.unit.output}[{t.channel}, {t.row}, {t.col}]"
    st.markdown(f"Step-through: **{final:.6f}** · the network's own value ({where}): **{own:.6f}**")
    diff = abs(final - own)
    ok = diff <= _TOLERANCE * max(1.0, abs(own))
    (st.success if ok else st.error)(f"{'Match' if ok else 'Mismatch'}: the difference is {diff:.1e} "
                                     "(the network computes in float32, the step-through in float64)")
    if t.block_value is not None:
        st.markdown(f"After the residual addition: **{t.block_value:.6f}** · the network's "
                    f"{t.unit.block}[{t.channel}, {t.row}, {t.col}]: **{t.network_block_value:.6f}**")


def _code(s: Subject, t: unit_trace.UnitTrace) -> None:
    trained = trained_models.record() if s.entry.name == trained_models.NAME else None
    head = trained_models.snippet_head(trained) if trained else None
    if s.entry.name == trained_models.EXPORTED:
        head = trained_models.exported_head(s.sample)
    if head is None and s.entry.name not in zoo.registry():
        return
    code_expander(lambda: model_snippets.unit_snippet(s.entry.name, s.sample, t.unit, t.channel, t.row, t.col,
                                                      head=head), filename="one_value.py")
