"""The Neural-style-transfer lab: content and style images, the backbone, every setting of J(G), and the live run.

The run follows the Transfer-learning lab's loop: the engine's generator is consumed step by step in the page,
with a progress bar, the image and the costs updating, and a Stop button (a click reruns the page, which ends the
loop between two steps). Only small values stay in the session: PNG bytes of the result and of a few snapshots,
and the cost lists. One run at a time per session.
"""

import io
import math
import time

import numpy as np
import streamlit as st
from PIL import Image

from cvcore import images, zoo
from cvcore.style import gatys as style, images as style_images, nets as style_nets
from cvcore.device import describe_device
from cvcore.errors import CvcoreError
from cvcore.viz.style import costs_figure
from ui.figures import show_chart
from ui import jobs, state
from ui.image_input import IMAGE_SOURCES, image_input
from ui.models import get_model

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "VIEWS", "RUN", "k", "inputs", "pick_backbone", "controls", "run",
           "results", "png"]

NS = "style"
VIEWS = {"run": "Style transfer, live", "gram": "What is style?", "layers": "What are deep ConvNets learning?"}
DEFAULTS = {
    "view": "run", "content_source": "Sample", "content_sample": "chelsea", "style_kind": "generated",
    "style_gen": "mosaic", "stylepic_source": "Sample", "stylepic_sample": "coffee", "preset": "course",
    "backbone": "mobilenet_v2", "size": 256, "steps": 200, "optimizer": "lbfgs", "lr": 1.0, "init": "content",
    "alpha": 1.0, "beta": 10000.0, "tv": 10.0, "normalized": True, "smoothing": False, "avg_pool": False,
    "multiscale": False, "content_layer": "", "style_layers": "", "lambdas": "", "preview_every": 10,
    "gram_layer": "", "gram_channels": 32,
}
CHOICES = {"view": list(VIEWS), "content_source": list(IMAGE_SOURCES), "content_sample": list(images.sample_names()),
           "style_kind": ["generated", "photo"], "style_gen": list(style_images.STYLE_IMAGES),
           "stylepic_source": list(IMAGE_SOURCES), "stylepic_sample": list(images.sample_names()),
           "preset": list(style.PRESETS), "backbone": list(style_nets.BACKBONES), "optimizer": list(style.OPTIMIZERS),
           "init": list(style.INITS)}
LIMITS = {"size": (64, 768), "steps": (1, 2000), "lr": (1e-6, 1e40), "alpha": (0.0, 1e9), "beta": (0.0, 1e12),
          "tv": (0.0, 1e6), "preview_every": (1, 100), "gram_channels": (4, 64)}
RUN = "style._run"
_NOTICE = "style._notice"
_GO = "style._go"
_LAYERS_WIDGET = "style._style_layer_list"
_CHART = {"displayModeBar": False}
_SNAPSHOTS = 6
_LR = {"lbfgs": 1.0, "adam": 0.02}


def k(name: str) -> str:
    return state.key(NS, name)


def png(array: np.ndarray, max_side: "int | None" = None) -> bytes:
    picture = Image.fromarray(array)
    if max_side:
        picture = images.fit_within(picture, max_side)[0]
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def inputs() -> "tuple[Image.Image, Image.Image] | None":
    """The content and the style image, side by side; None (after a message) while one is missing."""
    left, right = st.columns(2, gap="medium")
    with left:
        content = image_input(k("content"), default_sample=DEFAULTS["content_sample"], label="Content image C")
    with right:
        kind = st.radio("Style image S", ["generated", "photo"], key=k("style_kind"), horizontal=True,
                        format_func={"generated": "drawn by the app", "photo": "a photo (sample, upload, camera)"}.get)
        if kind == "generated":
            name = st.selectbox("Style", list(style_images.STYLE_IMAGES), key=k("style_gen"),
                                format_func=style_images.STYLE_IMAGES.get)
            stylish = style_images.style_image(name, 384)
            st.image(np.asarray(stylish), width=220)
        else:
            stylish = image_input(k("stylepic"), default_sample=DEFAULTS["stylepic_sample"], label="Style photo")
    if content is None or stylish is None:
        return None
    return content, stylish


def _status(name: str) -> "tuple[bool, str]":
    statuses = {s.entry.name: s for s in zoo.available()}
    s = statuses[name]
    return s.ready or "downloads" in s.detail, s.detail


def pick_backbone() -> "tuple[str, object] | None":
    """The backbone radio (an unavailable one says why) and its cached model; None after an error."""
    ready = {name: _status(name) for name in style_nets.BACKBONES}
    name = st.radio("Backbone", list(style_nets.BACKBONES), key=k("backbone"), horizontal=True, on_change=_backbone_changed,
                    format_func=lambda n: style_nets.BACKBONES[n].label + ("" if ready[n][0] else " - weights unavailable"))
    try:
        return name, get_model(name)
    except CvcoreError as exc:
        st.error(f"{style_nets.BACKBONES[name].label} cannot be used here: {exc} MobileNetV2 works offline: choose it "
                 "above.")
        return None


def _backbone_changed() -> None:
    state.put(NS, "content_layer", "")
    state.put(NS, "style_layers", "")
    st.session_state.pop(_LAYERS_WIDGET, None)
    if state.get(NS, "backbone") != "vgg19":
        state.put(NS, "avg_pool", False)


def _apply_preset() -> None:
    preset = style.PRESETS[state.get(NS, "preset")][1]
    for name, value in (("size", preset.size), ("steps", preset.steps), ("multiscale", preset.multiscale),
                        ("preview_every", preset.preview_every), ("optimizer", preset.optimizer),
                        ("lr", _LR[preset.optimizer]), ("init", preset.init), ("alpha", preset.alpha),
                        ("beta", preset.beta), ("tv", preset.tv_weight), ("smoothing", preset.smoothing)):
        state.put(NS, name, value)


def _layers_changed() -> None:
    state.put(NS, "style_layers", ",".join(st.session_state.get(_LAYERS_WIDGET, [])))


def controls(spec: style_nets.Backbone) -> "style.StyleSettings | None":
    """Every choice of J(G) and of the optimisation; None (after a message) for a setting that does not parse."""
    a, b, c, d = st.columns(4)
    a.selectbox("Preset", list(style.PRESETS), key=k("preset"), on_change=_apply_preset,
                format_func=lambda p: style.PRESETS[p][0], help="Sets size, steps, optimiser and weights at once.")
    b.slider("Size (longer side, px)", 64, 768, step=32, key=k("size"))
    c.number_input("Steps", 1, 2000, key=k("steps"), help="One step is one forward and backward pass.")
    d.radio("Optimiser", list(style.OPTIMIZERS), key=k("optimizer"), horizontal=True,
            format_func={"lbfgs": "L-BFGS", "adam": "Adam"}.get,
            on_change=lambda: state.put(NS, "lr", _LR[state.get(NS, "optimizer")]))
    a, b, c, d = st.columns(4)
    a.number_input("alpha (content weight)", 0.0, 1e9, key=k("alpha"), format="%g")
    b.number_input("beta (style weight)", 0.0, 1e12, key=k("beta"), format="%g")
    c.number_input("Total-variation weight", 0.0, 1e6, key=k("tv"), format="%g", help="Smoothness; 0 switches it off.")
    d.number_input("Learning rate", 1e-6, 1e40, key=k("lr"), format="%g",
                   help="L-BFGS: 1 is its natural step. Adam: about 0.02. Far too large makes the run diverge.")
    a, b, c, d = st.columns(4)
    a.radio("Start from", list(style.INITS), key=k("init"), horizontal=True,
            format_func={"content": "content C", "noise": "noise", "style": "style S"}.get)
    b.toggle("Multi-scale (60% of steps at half size)", key=k("multiscale"))
    c.toggle("Activation smoothing (softmax)", key=k("smoothing"),
             on_change=lambda: state.put(NS, "tv", 2.0 if state.get(NS, "smoothing") else 10.0),
             help="Wang, Li and Vasconcelos (CVPR 2021): a softmax over each feature map before the Gram matrices "
                  "and the content cost. It makes networks other than VGG stylise well.")
    c.toggle("Normalised content cost 1/(4 n_H n_W n_C)", key=k("normalized"))
    d.toggle("Average pooling instead of max (VGG)", key=k("avg_pool"), disabled=spec.name != "vgg19")
    d.number_input("Preview every ... steps", 1, 100, key=k("preview_every"))
    if state.get(NS, "content_layer") not in spec.layers:
        state.put(NS, "content_layer", spec.content_layer)
    if _LAYERS_WIDGET not in st.session_state:
        chosen = [n for n in str(state.get(NS, "style_layers")).split(",") if n in spec.layers]
        st.session_state[_LAYERS_WIDGET] = chosen or list(spec.style_layers)
    a, b, c = st.columns([1, 2, 1])
    a.selectbox("Content layer", list(spec.layers), key=k("content_layer"), format_func=spec.label_of)
    layers = b.multiselect("Style layers", list(spec.layers), key=_LAYERS_WIDGET, format_func=spec.label_of,
                           on_change=_layers_changed)
    c.text_input("lambda per style layer", key=k("lambdas"), placeholder="equal",
                 help="Comma-separated weights, one per style layer; empty for equal weights summing to 1.")
    if not layers:
        st.error("Choose at least one style layer; expected 1 or more, got 0.")
        return None
    lambdas = None
    raw = str(state.get(NS, "lambdas")).strip()
    if raw:
        try:
            lambdas = tuple(float(v) for v in raw.split(","))
        except ValueError:
            st.error(f"lambda must be comma-separated numbers, got {raw!r}")
            return None
    return style.StyleSettings(
        backbone=spec.name, size=int(state.get(NS, "size")), steps=int(state.get(NS, "steps")),
        optimizer=state.get(NS, "optimizer"), lr=float(state.get(NS, "lr")), init=state.get(NS, "init"),
        alpha=float(state.get(NS, "alpha")), beta=float(state.get(NS, "beta")), tv_weight=float(state.get(NS, "tv")),
        content_layer=state.get(NS, "content_layer"), style_layers=tuple(layers), style_layer_weights=lambdas,
        normalized_content=bool(state.get(NS, "normalized")), smoothing=bool(state.get(NS, "smoothing")),
        avg_pool=bool(state.get(NS, "avg_pool")) and spec.name == "vgg19", multiscale=bool(state.get(NS, "multiscale")),
        preview_every=int(state.get(NS, "preview_every")))


def start_button() -> bool:
    """The Start button; True when a new run should begin now. A start during a run stops that run and says so."""
    st.button("Start", type="primary", key="style_go", on_click=_start)
    st.button("Stop", key="style_stop", on_click=_stop, help="Stops after the current step; the image so far is kept.")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(notice)
    return bool(st.session_state.pop(_GO, False))


def _start() -> None:
    run = st.session_state.get(RUN)
    if run and run.get("active"):
        run["active"] = False
        run["stopped_by"] = " by a second Start."
        st.session_state[_NOTICE] = (f"A run was already going in this session (step {run['step']} of {run['steps']}); "
                                     "one run at a time, so it has been stopped with its image so far. Press Start "
                                     "again to begin a new run.")
    else:
        st.session_state[_GO] = True


def _stop() -> None:
    run = st.session_state.get(RUN)
    if run and run.get("active"):
        run["active"] = False
        run["stopped_by"] = "; the image so far is kept."
    else:
        st.session_state[_NOTICE] = "Nothing is running: press Start."


def run(content, stylish, model, settings: style.StyleSettings) -> None:
    """The live run: the engine's generator consumed step by step, its results kept small in the session."""
    spec = style_nets.backbone(settings.backbone)
    labels = {n: spec.label_of(n) for n in settings.style_layers}
    record = {"active": True, "step": 0, "steps": settings.steps, "image": None, "snapshots": [], "notices": [],
              "message": "", "settings": settings.__dict__.copy(), "labels": labels, "seconds": 0.0,
              "history": {"step": [], "content": [], "style": [], "tv": [], "total": [], "per_layer": {n: [] for n in labels}},
              "device": describe_device(next(model.parameters()).device)}
    st.session_state[RUN] = record
    bar = st.progress(0.0, text="Starting ...")
    left, right = st.columns([1, 1.4])
    picture, chart = left.empty(), right.empty()
    every = max(1, settings.steps // _SNAPSHOTS)
    start = time.perf_counter()
    try:
        steps = style.transfer(content, stylish, backbone=settings.backbone, model=model, settings=settings,
                               device=next(model.parameters()).device, stop=lambda: not record["active"])
        for progress in jobs.limited(steps, "Style transfer"):  # one slot of the server's heavy-job limit
            _keep(record, progress, every)
            record["seconds"] = time.perf_counter() - start
            bar.progress(min(progress.step / max(settings.steps, 1), 1.0),
                         text=f"Step {progress.step} of {settings.steps} ({progress.size[1]}x{progress.size[0]} px), "
                              f"J = {progress.total_cost:.4g}")
            if progress.image is not None:
                picture.image(progress.image, caption=f"G after {progress.step} steps", width="stretch")
                chart.plotly_chart(costs_figure(record["history"], labels), config=_CHART,
                                   key=f"style_live_{progress.step}")
    except CvcoreError as exc:
        st.error(str(exc))
    # Not in a ``finally``: a click that interrupts the loop must still find the run marked active (see _start).
    record["active"] = False
    bar.empty()
    picture.empty()
    chart.empty()


def _keep(record: dict, progress: style.StyleProgress, every: int) -> None:
    history = record["history"]
    history["step"].append(progress.step)
    for key, value in (("content", progress.content_cost), ("style", progress.style_cost), ("tv", progress.tv_cost),
                       ("total", progress.total_cost)):
        history[key].append(value if math.isfinite(value) else None)
    for name, value in progress.style_costs.items():
        history["per_layer"][name].append(value if math.isfinite(value) else None)
    record["step"] = progress.step
    record["done"] = progress.done
    if progress.notices:
        record["notices"] = list(progress.notices)
    if progress.image is not None:
        record["image"] = png(progress.image)
        if progress.step == 0 or progress.done or progress.step >= len(record["snapshots"]) * every:
            if len(record["snapshots"]) <= _SNAPSHOTS:
                record["snapshots"].append((progress.step, png(progress.image, 160)))
    if progress.message:
        record["message"] = progress.message
        record["diverged"] = progress.diverged


def results() -> None:
    """The last run of this session: the image, its download, the cost curves and the snapshot strip."""
    record = st.session_state.get(RUN)
    if record and record.get("active"):  # the page was rerun by another widget in the middle of a run
        record["active"] = False
        record["stopped_by"] = ": a setting changed during the run."
    if record and record.get("stopped_by"):  # the step is read now: the interrupted loop may have kept one more
        record["message"] = f"Stopped at step {record['step']} of {record['steps']}{record.pop('stopped_by')}"
    if not record or record["image"] is None:
        st.info("Press **Start**: the generated image G starts from the content image and takes on the style step by "
                "step. Each step is one forward and one backward pass through the backbone.")
        return
    for notice in record["notices"]:
        st.info(notice)
    if record.get("diverged"):
        st.error(record["message"])
    elif record["message"]:
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
    for col, (step, data) in zip(cols, record["snapshots"]):
        col.image(data, caption=f"step {step}", width="stretch")
