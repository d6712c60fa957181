"""The Neural-style-transfer lab: content and style images, the backbone, every setting of J(G), and the live run.

The run is a ``ui.live_job.LiveJob``: the engine's generator is computed off the script thread and the page draws it
step by step, with a progress bar, the image and the costs updating, Start and Stop buttons, one run at a time per
session. Its record in the session (``RUN``) also holds the lab's results, small values only: PNG bytes of the result
and of a few snapshots, and the cost lists.
"""

import math
import time

import numpy as np
import streamlit as st
from PIL import Image

from cvcore import cluster, heavy, images, zoo
from cvcore.cluster import Job
from cvcore.device import describe_device
from cvcore.errors import CvcoreError
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets
from cvcore.viz.style import costs_figure
from labs.style_transfer.settings import StyleTransferSettings as S
from ui.figures import show_chart
from ui.image_input import image_input
from ui.live_job import LiveJob
from ui.models import get_model, weights_notice

__all__ = ["RUN", "JOB", "inputs", "pick_backbone", "controls", "run", "results", "png"]

RUN = S.key("_run")
JOB = LiveJob(S.NS, "Style transfer", record_key=RUN, kept="the image so far is kept")
_LAYERS_WIDGET = S.key("_style_layer_list")
_CHART = {"displayModeBar": False}
_SNAPSHOTS = 6
_LR = {"lbfgs": 1.0, "adam": 0.02}


def png(array: np.ndarray, max_side: int | None = None) -> bytes:
    picture = Image.fromarray(array)
    if max_side:
        picture = images.fit_within(picture, max_side)[0]
    return images.png_bytes(picture)


def inputs() -> tuple[Image.Image, Image.Image] | None:
    """The content and the style image, side by side; None (after a message) while one is missing."""
    left, right = st.columns(2, gap="medium")
    with left:
        content = image_input(S.key("content"), default_sample=S.field("content_sample").default,
                              label=S.field("content_source").label)
        _thumbnail(content, "Content image C")
    with right:
        kind = S.widget("style_kind", horizontal=True)
        if kind == "generated":
            stylish = style_images.style_image(S.widget("style_gen"), 384)
        else:
            stylish = image_input(S.key("stylepic"), default_sample=S.field("stylepic_sample").default,
                                  label=S.field("stylepic_source").label)
        _thumbnail(stylish, "Style image S")
    if content is None or stylish is None:
        return None
    return content, stylish


def _thumbnail(picture: Image.Image | None, caption: str) -> None:
    if picture is not None:
        small = picture.convert("RGB")
        small.thumbnail((220, 4 * 220))  # at most 220 px wide, and never 0 px high (a 30000x24 panorama)
        st.image(np.asarray(small), caption=caption, width=small.width)


def _label(name: str, status: zoo.ModelStatus) -> str:
    """The backbone's name, and for one whose weights are not here why (like the Inside lab's model picker)."""
    label = style_nets.BACKBONES[name].label
    return label if status.ready else f"{label} (not here: {status.detail.split(';')[0]})"


def pick_backbone() -> tuple[str, object] | None:
    """The backbone radio (an unavailable one says why) and its cached model; None after a message that says why."""
    statuses = {s.entry.name: s for s in zoo.available() if s.entry.name in style_nets.BACKBONES}
    name = S.widget("backbone", horizontal=True, on_change=_backbone_changed,
                    format_func=lambda n: _label(n, statuses[n]))
    try:
        return name, get_model(name)
    except CvcoreError as exc:
        others = [style_nets.BACKBONES[n].label for n, s in statuses.items() if n != name and s.ready]
        instead = (f"Choose {others[0]} above: its weights are here." if others else
                   "No backbone's weights are on this server, so style transfer cannot run here; the other labs work.")
        weights_notice(f"{style_nets.BACKBONES[name].label.split(' (')[0]}'s ImageNet weights", exc, instead=instead)
        return None


def _backbone_changed() -> None:
    S.put("content_layer", "")
    S.put("style_layers", "")
    st.session_state.pop(_LAYERS_WIDGET, None)
    if S.get("backbone") != "vgg19":
        S.put("avg_pool", False)


def _apply_preset() -> None:
    preset = style.PRESETS[S.get("preset")][1]
    for name, value in (("size", preset.size), ("steps", preset.steps), ("multiscale", preset.multiscale),
                        ("preview_every", preset.preview_every), ("optimizer", preset.optimizer),
                        ("lr", _LR[preset.optimizer]), ("init", preset.init), ("alpha", preset.alpha),
                        ("beta", preset.beta), ("tv", preset.tv_weight), ("smoothing", preset.smoothing)):
        S.put(name, value)


def _layers_changed() -> None:
    S.put("style_layers", ",".join(st.session_state.get(_LAYERS_WIDGET, [])))


def controls(spec: style_nets.Backbone) -> style.StyleSettings | None:
    """Every choice of J(G) and of the optimisation; None (after a message) for a setting that does not parse."""
    a, b, c, d = st.columns(4)
    S.widget("preset", a, on_change=_apply_preset)
    S.widget("size", b)
    S.widget("steps", c)
    S.widget("optimizer", d, horizontal=True, on_change=lambda: S.put("lr", _LR[S.get("optimizer")]))
    a, b, c, d = st.columns(4)
    S.widget("alpha", a, format="%g")
    S.widget("beta", b, format="%g")
    S.widget("tv", c, format="%g")
    S.widget("lr", d, format="%g")
    a, b, c, d = st.columns(4)
    S.widget("init", a, horizontal=True)
    S.widget("multiscale", b)
    S.widget("smoothing", c, on_change=lambda: S.put("tv", 2.0 if S.get("smoothing") else 10.0))
    S.widget("normalized", c)
    S.widget("avg_pool", d, disabled=spec.name != "vgg19")
    S.widget("preview_every", d)
    if S.get("content_layer") not in spec.layers:
        S.put("content_layer", spec.content_layer)
    if _LAYERS_WIDGET not in st.session_state:
        chosen = [n for n in str(S.get("style_layers")).split(",") if n in spec.layers]
        st.session_state[_LAYERS_WIDGET] = chosen or list(spec.style_layers)
    a, b, c = st.columns([1, 2, 1])
    S.widget("content_layer", a, options=spec.layers, format_func=spec.label_of)
    layers = b.multiselect(S.field("style_layers").label, list(spec.layers), key=_LAYERS_WIDGET,
                           format_func=spec.label_of, on_change=_layers_changed)
    S.widget("lambdas", c, placeholder="equal")
    if not layers:
        st.error("Choose at least one style layer; expected 1 or more, got 0.")
        return None
    values = S.current()
    lambdas = None
    raw = str(values.lambdas).strip()
    if raw:
        try:
            lambdas = tuple(float(v) for v in raw.split(","))
        except ValueError:
            st.error(f"lambda must be comma-separated numbers, got {raw!r}")
            return None
    return style.StyleSettings(
        backbone=spec.name, size=int(values.size), steps=int(values.steps), optimizer=values.optimizer,
        lr=float(values.lr), init=values.init, alpha=float(values.alpha), beta=float(values.beta),
        tv_weight=float(values.tv), content_layer=values.content_layer, style_layers=tuple(layers),
        style_layer_weights=lambdas, normalized_content=bool(values.normalized), smoothing=bool(values.smoothing),
        avg_pool=bool(values.avg_pool) and spec.name == "vgg19", multiscale=bool(values.multiscale),
        preview_every=int(values.preview_every))


def run(content, stylish, model, options: style.StyleSettings) -> None:
    """The live run: the engine's generator, computed by a worker and drawn step by step, its results kept small in the
    session."""
    spec = style_nets.backbone(options.backbone)
    labels = {n: spec.label_of(n) for n in options.style_layers}
    device = next(model.parameters()).device
    where = "the shared pool of servers" if cluster.address() else describe_device(device)
    record = {"image": None, "snapshots": [], "notices": [], "settings": options.__dict__.copy(), "labels": labels,
              "seconds": 0.0, "device": where,
              "history": {"step": [], "content": [], "style": [], "tv": [], "total": [], "per_layer": {n: [] for n in labels}}}
    every = max(1, options.steps // _SNAPSHOTS)
    start = time.perf_counter()

    def keep(progress: style.StyleProgress) -> None:
        _keep(record, progress, every)
        record["seconds"] = time.perf_counter() - start

    def draw(progress: style.StyleProgress, slot) -> None:
        with slot.container():
            left, right = st.columns([1, 1.4])
            if record["image"] is not None:
                left.image(record["image"], caption=f"G after {record['image_step']} steps", width="stretch")
            right.plotly_chart(costs_figure(record["history"], labels), config=_CHART,
                               key=f"style_live_{progress.step}")

    def text(progress: style.StyleProgress) -> str:
        return (f"Step {progress.step} of {options.steps} ({progress.size[1]}x{progress.size[0]} px), "
                f"J = {progress.total_cost:.4g}")

    steps = style.transfer(content, stylish, backbone=options.backbone, model=model, settings=options,
                           device=device, stop=JOB.should_stop)
    on_pool = Job.of(heavy.style_transfer, content=content, style=stylish, settings=options, gpu=True)
    JOB.run(steps, total=options.steps, step=lambda progress: progress.step, text=text, keep=keep, draw=draw,
            start=record, job=on_pool)  # ``record`` becomes the job's record: ``keep`` writes into it


def _keep(record: dict, progress: style.StyleProgress, every: int) -> None:
    history = record["history"]
    history["step"].append(progress.step)
    for key, value in (("content", progress.content_cost), ("style", progress.style_cost), ("tv", progress.tv_cost),
                       ("total", progress.total_cost)):
        history[key].append(value if math.isfinite(value) else None)
    for name, value in progress.style_costs.items():
        history["per_layer"][name].append(value if math.isfinite(value) else None)
    if progress.notices:
        record["notices"] = list(progress.notices)
    if progress.image is not None:
        record["image"], record["image_step"] = png(progress.image), progress.step
        if progress.step == 0 or progress.done or progress.step >= len(record["snapshots"]) * every:
            if len(record["snapshots"]) <= _SNAPSHOTS:
                record["snapshots"].append((progress.step, png(progress.image, 160)))
    if progress.message and not progress.stopped:  # a stopped run's message is the job's (see ``ui.live_job``)
        record["message"] = progress.message
        record["diverged"] = progress.diverged


def results() -> None:
    """The last run of this session: the image, its download, the cost curves and the snapshot strip."""
    if JOB.outcome() is not None and JOB.running:  # the live view above shows the run until it ends
        return
    record = JOB.record
    if not record or record["image"] is None:
        st.info("Press **Start**: the generated image G starts from the content image and takes on the style step by "
                "step. Each step is one forward and one backward pass through the backbone.")
        return
    for notice in record["notices"]:
        st.info(notice)
    if record.get("diverged"):
        st.error(record["message"])
    elif record["message"] and record.get("state") != "failed":  # a failed run said why when it failed
        st.warning(record["message"])
    history = record["history"]
    left, right = st.columns([1, 1.4])
    with left:
        st.image(record["image"], caption=f"G after {record['step']} of {record['steps']} steps", width="stretch")
        st.download_button("Download the image (PNG)", record["image"], file_name="style_transfer.png",
                           mime="image/png", key="style_dl")
        done = max(record["step"], 1)
        st.caption(f"{record['seconds']:.1f} s on {record['device']} ({record['seconds'] / done:.3f} s per step).")
    show_chart(right, costs_figure(history, record["labels"]), config=_CHART, key="style_costs")
    if history["style"] and history["style"][0]:
        first, last = history["style"][0], next((v for v in reversed(history["style"]) if v is not None), None)
        if last:
            right.caption(f"J_style: {first:.3g} at the start, {last:.3g} now ({first / last:,.0f} times lower); "
                          f"J_content: {history['content'][0]:.3g} -> {history['content'][-1] or float('nan'):.3g}.")
    st.markdown("**How the style emerges** (snapshots):")
    cols = st.columns(max(len(record["snapshots"]), 1))
    for col, (step, data) in zip(cols, record["snapshots"], strict=False):
        col.image(data, caption=f"step {step}", width="stretch")
