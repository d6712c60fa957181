"""The Inside-a-trained-CNN lab's views of layers and units: feature maps, filters, and what a unit wants."""

import math

import streamlit as st
import torch
import torch.nn.functional as F
from PIL import Image

from cvcore import heavy, images, zoo
from cvcore.cluster import Job
from cvcore.errors import CvcoreError
from cvcore.inside import features, maximize, units
from cvcore.viz import maps as viz
from labs.inside_cnn import subject as lab
from labs.inside_cnn.settings import InsideSettings as S
from labs.inside_cnn.subject import Subject
from ui import lessons as classroom
from ui.figures import show_chart
from ui.lazy import lazy_expander
from ui.live_job import LiveJob

__all__ = ["feature_maps", "filters", "unit_view"]

_PER_PAGE = 64
_MAX_EXTRA = 24
_CHART = {"displayModeBar": False}
_RESULT = "inside._maximized"  # the last synthesised image (uint8, small) and what it was for
_SYNTHESIS = LiveJob("inside", "Synthesising an image", kept="the last preview is kept")  # activation maximization


def _big(values: torch.Tensor, size: int) -> torch.Tensor:
    up = F.interpolate(values[None, None].float(), size=(size, size), mode="bilinear", align_corners=False)[0, 0]
    low, high = float(up.min()), float(up.max())
    return (up - low) / (high - low) if high > low else torch.zeros_like(up)


def _on_tile_click() -> None:
    try:
        points = st.session_state["inside_mosaic"]["selection"]["points"]
    except (KeyError, TypeError):
        return
    if points:
        value = points[0].get("customdata")
        if isinstance(value, (list, tuple)):
            value = value[0]
        if value is not None:
            S.put("channel", int(value))


def _channel_input(count: int) -> int:
    if S.get("channel") >= count:
        S.put("channel", 0)
    return int(S.widget("channel", label=f"Channel (0 to {count - 1})", bounds=(0, count - 1)))


def feature_maps(s: Subject) -> None:
    """A layer's channels as a sortable, paginated grid; one channel large and over the image; the journey."""
    a, b, c, d = st.columns([2.2, 1, 1, 1])
    with a:
        layer = lab.layer_picker(s, "layer", lab.default_layer(s))
    sort = S.widget("sort", b)
    colormap = S.widget("colormap", c)
    shared = S.widget("shared", d)
    act = lab.activation(s, layer.name)  # [C, h, w]
    count = act.shape[0]
    order = torch.arange(count) if sort == "index" else features.rank_channels(act, sort)
    pages = max(1, math.ceil(count / _PER_PAGE))
    if S.get("grid_page") > pages:
        S.put("grid_page", 1)
    page = 1
    if pages > 1:
        page = int(S.widget("grid_page", label=f"Page (1 to {pages}, {_PER_PAGE} maps each)", bounds=(1, pages)))
    shown = order[(page - 1) * _PER_PAGE: page * _PER_PAGE].tolist()
    figure = viz.mosaic_figure(act[shown], shown, cols=min(16, len(shown)), shared=shared, colormap=colormap, tile=48,
                               title=f"{layer.name}: channels {'sorted by ' + sort if sort != 'index' else 'in order'}"
                                     + classroom.shown(S.NS, "numbers", f" ({len(shown)} of {count}, each "
                                                                        f"{act.shape[1]}x{act.shape[2]})", ""))
    show_chart(st, figure, config=_CHART, key="inside_mosaic", on_select=_on_tile_click, selection_mode="points")
    channel = _channel_input(count)
    one = act[channel]
    rank = int((features.rank_channels(act, "mean") == channel).nonzero()[0, 0]) + 1
    big = _big(one, s.picture.shape[0])
    left, right = st.columns(2)
    left.image(viz.colorize(big, colormap), width="stretch",
               caption=f"Channel {channel} of {layer.name} ({one.shape[0]}x{one.shape[1]}, enlarged): min {float(one.min()):.2f}, "
                       f"mean {float(one.mean()):.2f}, max {float(one.max()):.2f}; #{rank} of {count} by mean")
    alpha = S.widget("alpha", right)
    right.image(viz.overlay(s.picture, big, alpha=alpha, colormap=colormap), width="stretch",
                caption=f"Channel {channel} over the image: bright where it fires")
    right.image(viz.colour_key(colormap, low=f"{float(one.min()):.2f}", high=f"{float(one.max()):.2f}", alpha=alpha),
                caption="Colour key: the channel's smallest to largest value", width="stretch")
    with lazy_expander(f"Channel {channel} on every sample photo", "inside.open_compare") as is_open:
        if is_open:
            _compare(s, layer.name, channel, colormap)
    with lazy_expander("The journey: one map per stage, from edges to parts", "inside.open_journey") as is_open:
        if is_open:
            _journey(s, colormap)


def _compare(s: Subject, layer: str, channel: int, colormap: str) -> None:
    x, pictures, names = lab.probe_set(s)
    act = features.extract(s.model, x, [layer])[layer][:, channel].float().cpu()  # [N, h, w]
    top = float(act.max()) or 1.0
    columns = st.columns(len(names))
    for column, name, picture, one in zip(columns, names, pictures, act, strict=False):
        heat = F.interpolate(one[None, None] / top, size=picture.shape[:2], mode="bilinear", align_corners=False)[0, 0]
        column.image(viz.overlay(picture, heat.clamp(0, 1), alpha=0.6, colormap=colormap), width="stretch",
                     caption=f"{name}: mean {float(one.mean()):.2f}, max {float(one.max()):.2f}")
    st.image(viz.colour_key(colormap, low="0", high=f"{top:.2f}", alpha=0.6), width=320,
             caption="Colour key, one for every photo: the channel's value")
    st.caption("One scale for all photos, so brighter means this channel fires more on that photo.")


def _journey(s: Subject, colormap: str) -> None:
    stages = features.journey(lab.layers(s))
    columns = st.columns(len(stages))
    for column, layer in zip(columns, stages, strict=False):
        act = lab.activation(s, layer.name)
        channel = int(features.rank_channels(act, "mean")[0])
        column.image(viz.overlay(s.picture, _big(act[channel], s.picture.shape[0]), alpha=0.7, colormap=colormap),
                     width="stretch", caption=f"{layer.name} ({layer.shape[1]}x{layer.shape[2]}): channel {channel}, "
                                              "the most active")
    st.image(viz.colour_key(colormap, low="lowest", high="highest", alpha=0.7), width=320,
             caption="Colour key: each map from its own lowest to its own highest value")
    st.caption("Early maps are large and follow edges and colours; deeper ones are small and fire on whole parts.")


def filters(s: Subject) -> None:
    """The first layer's filters as colour patches; any deeper filter as one heatmap per input channel."""
    first = units.first_layer_filters(s.model)
    n, c, kh, kw = first.shape
    if c == 3:
        st.image(viz.filter_patches(first, cols=16, tile=max(24, 4 * kh)),
                 caption=f"The {n} filters of the first convolution, each {kh}x{kw}x3, as colour patches "
                         "(grey is 0; each filter scaled to its largest weight).")
    else:
        st.image(viz.signed_mosaic(first[:, 0], cols=16, tile=40),
                 caption=f"The {n} filters of the first convolution, each {kh}x{kw}x{c}, on one scale (red > 0 > blue).")
    st.markdown("A deeper filter reads every channel of the layer before it, so it is a stack of 2-D slices, "
                "one per input channel: red weights add, blue weights subtract.")
    a, b = st.columns([2, 1])
    with a:
        convs = lab.conv_options(s, outputs=False)
        conv = lab.layer_picker(s, "conv", convs[1].name, convs, weights=True)
    module = s.model.get_submodule(conv.name)
    if S.get("filter") >= module.out_channels:
        S.put("filter", 0)
    last = module.out_channels - 1
    index = int(S.widget("filter", b, label=f"Filter (0 to {last})", bounds=(0, last)))
    kh, kw = module.kernel_size
    if module.in_channels // module.groups == 1:  # depthwise: each filter is a single slice, so show them side by side
        start = (index // _PER_PAGE) * _PER_PAGE
        stack = module.weight.detach()[start: start + _PER_PAGE, 0].float().cpu()  # [n, kh, kw]
        st.image(viz.signed_mosaic(stack, cols=16, tile=40), caption=(
            f"{conv.name} is depthwise: filter i reads only input channel i. Filters {start} to {start + len(stack) - 1}, "
            f"each {kh}x{kw}, on one scale (red > 0 > blue)."))
        return
    weights = units.conv_filter(s.model, conv.name, index)  # [C_in / groups, kh, kw]
    kind = "1x1: one weight per input channel" if (kh, kw) == (1, 1) else "one slice per input channel"
    st.image(viz.signed_mosaic(weights[:_PER_PAGE], cols=16, tile=40), caption=(
        f"{conv.name}, filter {index}: {weights.shape[0]} slices of {kh}x{kw} ({kind}); "
        f"weights from {float(weights.min()):.3f} to {float(weights.max()):.3f}"
        + (f"; the first {_PER_PAGE} slices shown" if weights.shape[0] > _PER_PAGE else "")))


def unit_view(s: Subject) -> None:
    """The nine patches that excite a channel most, and the image it would like to see best."""
    a, b = st.columns([2.2, 1])
    with a:
        layer = lab.layer_picker(s, "layer", lab.default_layer(s))
    with b:
        channel = _channel_input(layer.shape[0])
    extras = _more_photos()
    _, pictures, names = lab.probe_set(s, extras)
    patches = lab.top_patches(s, layer.name, channel, extras)
    st.markdown(f"**The nine places in the {len(names)} photos where channel {channel} of {layer.name} fires most** "
                "(each crop is exactly the part of the photo the unit can see, its receptive field):")
    crops = viz.patch_crops(pictures, patches)
    columns = st.columns(9)
    for column, crop, patch in zip(columns, crops, patches, strict=False):
        x1, y1, x2, y2 = patch.box
        column.image(crop, width="stretch", caption=f"{names[patch.image]}: {patch.activation:.2f} ({x2 - x1}x{y2 - y1} px)")
    st.markdown("**The image this channel would like best**, found by gradient ascent on the image "
                "(with random shifts and rescaling every step, so that it is not noise):")
    c1, c2, c3 = st.columns(3)
    param = S.widget("param", c1)
    steps = int(S.widget("steps", c2))
    if s.entry.channels == 3:
        size = int(S.widget("size", c3))
    else:
        size = s.entry.crop
        c3.metric(S.field("size").label, size, help="The network's own input size.")
    wanted = (s.name, layer.name, channel, param, steps, size)
    go_col, stop_col, _ = st.columns([1, 1, 4])
    _SYNTHESIS.start_button("Synthesise", go_col, key="inside_go")
    _SYNTHESIS.stop_button(stop_col, key="inside_stop", help="Stops after the current step and keeps the last preview.")
    if _SYNTHESIS.requested():
        _synthesise(s, layer.name, channel, param, steps, size, wanted)
    outcome = _SYNTHESIS.outcome()
    if outcome is not None and outcome.stopped and _SYNTHESIS.record.get("for") == wanted:
        st.warning(outcome.message)
    result = st.session_state.get(_RESULT)
    if result and result["for"] == wanted and not _SYNTHESIS.running:  # while it runs, the live view shows it
        _show_result(result)


def _more_photos() -> tuple[tuple[str, Image.Image], ...]:
    """Photos the learner adds to the search for strong patches (decoded in memory, at most ``_MAX_EXTRA``)."""
    files = st.file_uploader("Add your own photos to the search (optional)", type=list(images.ACCEPTED_TYPES),
                             accept_multiple_files=True, key="inside.more_photos",
                             help=f"Up to {_MAX_EXTRA} photos; they stay in memory for this session only.") or []
    if len(files) > _MAX_EXTRA:
        st.warning(f"{len(files)} photos were added; the first {_MAX_EXTRA} are searched.")
    extras = []
    for upload in files[:_MAX_EXTRA]:
        try:
            extras.append((upload.name[:40], images.load_image(upload.getvalue(), max_side=512)))
        except CvcoreError as exc:
            st.warning(f"{upload.name[:40]} is left out: {exc}")
    return tuple(extras)


def _synthesise(s, layer, channel, param, steps, size, wanted) -> None:
    """Gradient ascent on an image, live; the last preview (uint8, small) and the objective go to the session."""
    options = {"size": size, "steps": steps, "parametrization": param, "mean": s.entry.mean, "std": s.entry.std,
               "preview_every": max(1, steps // 8), "jitter": min(8, size // 14)}
    # A zoo network can be loaded by name on the shared pool; one trained in this session runs here.
    on_pool = Job.of(heavy.maximize, model=s.name, layer=layer, channel=channel, gpu=True, **options) \
        if s.name in zoo.registry() else None
    try:
        run = maximize.maximize_channel(s.model, layer, channel, **options)
    except CvcoreError as exc:
        st.error(f"Cannot synthesise: {exc}")
        return
    values = []
    preview = {}  # the last step that came with an image: the live view may skip steps, never previews

    def keep(record) -> None:
        values.append(record.objective)
        if record.image is not None:
            preview.update(step=record.step, objective=record.objective)
            st.session_state[_RESULT] = {"for": wanted, "image": record.image, "values": list(values)}

    def draw(record, slot) -> None:
        if preview:
            slot.image(st.session_state[_RESULT]["image"], width=256,
                       caption=f"step {preview['step']}: mean activation {preview['objective']:.2f}")

    _SYNTHESIS.run(run, total=steps, step=lambda record: record.step, keep=keep, draw=draw,
                  text=lambda record: f"Step {record.step} of {record.steps}", start={"for": wanted}, job=on_pool)


def _show_result(result: dict) -> None:
    left, right = st.columns([1, 1.5])
    left.image(result["image"], width="stretch",
               caption=f"Synthesised: mean activation {result['values'][0]:.2f} at step 1, {result['values'][-1]:.2f} at the end")
    show_chart(right, viz.objective_figure(result["values"]), config=_CHART, key="inside_objective")
    right.download_button("Download PNG", images.png_bytes(result["image"]), file_name="unit.png", mime="image/png", key="inside_dl_unit")
