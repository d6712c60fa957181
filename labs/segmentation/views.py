"""The Segmentation lab: the five tasks on one image, a class for every pixel, and instances from classes."""

import hashlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from cvcore import images
from cvcore.data import shapes
from cvcore.detect import metrics as detection
from cvcore.detect import segmentation
from cvcore.errors import CvcoreError
from cvcore.viz.boxes import COLORS, BoxStyle, boxes_figure
from cvcore.viz.segmentation import COLOR_NAMES, legend_colors, overlay
from labs.segmentation.canvas import shapes_canvas
from labs.segmentation.settings import SegmentationSettings as S
from ui.figures import show_chart
from ui.lessons import hidden_note
from ui.models import cached_network

__all__ = ["tasks_view", "segment_view", "instances_view"]

_CHART = {"displayModeBar": False}
_TASKS_ALPHA = 0.8  # the class map's opacity in the five-tasks part (the segment part has a slider)
_INSTANCES_ALPHA = 0.7  # and in the instances part


def _fcn() -> segmentation.TinyFCN:
    return cached_network("tiny_fcn")


@st.cache_data(show_spinner=False, max_entries=64)
def _scene(seed: int) -> shapes.Scene:
    return shapes.scene(seed)


@st.cache_data(show_spinner=False, max_entries=64)
def _predict(key: str, _image: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return _fcn()(_image[None]).argmax(1)[0]


def _paint(picture: np.ndarray, classes: torch.Tensor, alpha: float) -> np.ndarray:
    return overlay(picture, classes.cpu().numpy(), alpha)


def _show_map(column, picture: np.ndarray, caption: str) -> None:
    column.image(picture, width="stretch", caption=caption, output_format="PNG")  # JPEG would blur the class colours


def _legend(alpha: float) -> str:
    """The classes' colours as the overlay paints them at this opacity (over a mid-grey pixel), as swatches."""
    swatches = legend_colors(alpha)
    return " &nbsp; ".join(
        f'<span style="display:inline-block;width:1.1em;height:1.1em;vertical-align:-0.15em;border:1px solid #888;'
        f'background-color:#{r:02x}{g:02x}{b:02x}"></span> {name} ({COLOR_NAMES[i]})'
        for i, (name, (r, g, b)) in enumerate(zip(segmentation.CLASS_NAMES, swatches.tolist(), strict=True)) if i)


def _show_legend(alpha: float, lead: str = "Colours") -> None:
    st.markdown(f"{lead} (the picture in grey, each class's colour at opacity {alpha:g}): {_legend(alpha)}",
                unsafe_allow_html=True)


def _input() -> tuple[torch.Tensor, shapes.Scene | None, str] | None:
    """(image Tensor[3, 128, 128] in [0, 1], the scene if generated, a cache key) from a scene, a drawing or an
    upload."""
    a, b = st.columns([1, 2])
    source = S.widget("source", a, horizontal=True)
    if source == "scene":
        seed = int(S.widget("seed", b, label="Scene (2,000,000 and up: never seen in training)"))
        s = _scene(seed)
        return s.image, s, f"scene-{seed}"
    if source == "draw":
        with b:
            st.caption("Ellipses, rectangles and triangles in colours on a textured background like the training "
                       "scenes'; each finished shape is segmented.")
        x = shapes_canvas("seg.canvas")
        if x is None:
            return None
        return x, None, f"draw-{hashlib.sha1(x.numpy().tobytes()).hexdigest()[:16]}"
    upload = b.file_uploader("Upload a drawing of ellipses, rectangles and triangles", type=list(images.ACCEPTED_TYPES),
                             key="seg.upload", help="Scaled to 128x128 pixels; coloured shapes on a textured or plain background.")
    if upload is None:
        st.info("No drawing yet: upload one, or switch to a generated scene.")
        return None
    try:
        picture = images.load_image(upload.getvalue(), max_side=1024).convert("RGB").resize((128, 128))
    except CvcoreError as exc:
        st.error(f"Could not use this image: {exc}")
        return None
    x = torch.from_numpy(np.asarray(picture, dtype=np.float32) / 255).permute(2, 0, 1).contiguous()
    return x, None, f"upload-{hash(x.numpy().tobytes())}"


def _picture(x: torch.Tensor) -> np.ndarray:
    return (x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def tasks_view() -> None:
    """Classification, classification with localization, detection, semantic and instance segmentation side by side."""
    seed = int(S.widget("seed"))
    s = _scene(seed)
    picture = _picture(s.image)
    try:
        _fcn()  # both networks must load before any task is shown
        detector = cached_network("tiny_yolo")
    except CvcoreError as exc:
        st.error(str(exc))
        return
    if len(s.labels) == 0:
        st.info("This scene has no objects: every task answers \"nothing\".")
        return
    areas = (s.boxes[:, 2] - s.boxes[:, 0]) * (s.boxes[:, 3] - s.boxes[:, 1])
    main = int(areas.argmax())
    name = shapes.CLASSES[int(s.labels[main])]
    (found,) = detection.detect(detector, detector.config, s.image[None], score_threshold=0.5)
    semantic = _predict(f"scene-{seed}", s.image)
    ids, found_instances = segmentation.instances(semantic)
    cols = st.columns(5)
    cols[0].image(picture, width="stretch", caption=f"1. Classification: \"{name}\" (the largest object)")
    show_chart(cols[1], boxes_figure(picture, [s.boxes[main].tolist()], [BoxStyle(COLORS["kept"], 3, label=name)],
                                      title="2. + localization", height=200), config=_CHART, key="seg_task_loc")
    show_chart(cols[2], boxes_figure(picture, found[0].tolist(),
                                      [BoxStyle(COLORS["kept"], 2, label=shapes.CLASSES[int(c)]) for c in found[2]],
                                      title=f"3. Detection: {len(found[0])} boxes", height=200), config=_CHART,
                         key="seg_task_det")
    _show_map(cols[3], _paint(picture, semantic, _TASKS_ALPHA),
              "4. Semantic segmentation: a class per pixel (one colour per class)")
    rng = np.random.default_rng(0)
    colors = rng.integers(40, 255, size=(int(ids.max()) + 1, 3)).astype(np.float32)
    inst = np.where((ids.numpy() > 0)[..., None], 0.2 * picture + 0.8 * colors[ids.numpy()], picture).round().astype(np.uint8)
    cols[4].image(inst, width="stretch", caption=f"5. Instance segmentation: {len(found_instances)} objects, one colour each")
    st.caption("Tasks 3 and 4 are the lab's own networks (the tiny YOLO and the FCN below); task 5 splits the FCN's map "
               "into connected regions.")
    _show_legend(_TASKS_ALPHA, "Colours of task 4")


def _u_figure(rows: list[segmentation.LayerShape]) -> go.Figure:
    colors = {"input": "#999999", "encoder": "#0072B2", "decoder": "#E69F00", "output": "#009E73"}
    return go.Figure(
        data=[go.Bar(x=[r.name for r in rows], y=[r.shape[1] for r in rows], marker={"color": [colors[r.kind] for r in rows]},
                     text=[f"{r.shape[1]}x{r.shape[2]}x{r.shape[0]}" for r in rows], textposition="outside",
                     hovertemplate="%{x}: %{text}<extra></extra>")],
        layout={"template": {"layout": {}}, "title": {"text": "The U shape: the map shrinks in the encoder and grows back"},
                "height": 340, "margin": {"l": 40, "r": 10, "t": 50, "b": 120},
                "xaxis": {"title": {"text": "stage"}}, "yaxis": {"title": {"text": "height = width (pixels)"}}},
    )


@st.cache_data(show_spinner="Scoring the network on 100 held-out scenes ...")
def _held_out() -> list[float]:
    return segmentation.iou_per_class(segmentation.evaluate(_fcn(), range(2_000_000, 2_000_100))).tolist()


def segment_view() -> None:
    chosen = _input()
    alpha = S.widget("alpha")  # drawn before there is an image too: a widget left out of a run loses its value
    if chosen is None:
        return
    x, s, key = chosen
    try:
        fcn = _fcn()
    except CvcoreError as exc:
        st.error(str(exc))
        return
    pred = _predict(key, x)
    picture = _picture(x)
    cols = st.columns(3 if s is not None else 2)
    cols[0].image(picture, width="stretch", caption="The image (128x128)")
    _show_map(cols[1], _paint(picture, pred, alpha), "Predicted class of every pixel")
    if s is not None:
        _show_map(cols[2], _paint(picture, s.semantic, alpha), "True classes")
        iou = segmentation.iou_per_class(segmentation.confusion(pred, s.semantic, 4)).tolist()
        st.markdown("**This image**: IoU per class " + ", ".join(
            f"{n} {v:.2f}" for n, v in zip(segmentation.CLASS_NAMES, iou, strict=True) if v == v) + ".")
    _show_legend(alpha)
    # The sizes down and up the U are what the lab's questions ask (cvcore.lessons.applications.segmentation_questions).
    if not hidden_note(st, S.NS, ("bottleneck_side", "up_side")):
        show_chart(st, _u_figure(segmentation.u_shape(fcn)), config=_CHART, key="seg_u")
    saved = torch.load(segmentation.ASSET, weights_only=True)
    now = _held_out()
    st.dataframe(pd.DataFrame({"class": segmentation.CLASS_NAMES, "IoU, 300 held-out scenes (training script)":
                               [round(v, 3) for v in saved["iou"]], "IoU, first 100 of them (now)": [round(v, 3) for v in now]}),
                 hide_index=True)
    st.markdown(f"**Mean IoU {saved['mean_iou']:.3f}** on scenes the network never saw. IoU = pixels right / (pixels "
                "predicted as the class + pixels truly of the class - pixels right), one class at a time.")


def instances_view() -> None:
    chosen = _input()
    if chosen is None:
        return
    x, s, key = chosen
    try:
        pred = _predict(key, x)
    except CvcoreError as exc:
        st.error(str(exc))
        return
    ids, found = segmentation.instances(pred)
    picture = _picture(x)
    styles = [BoxStyle(COLORS["kept"], 2, label=f"{i + 1}: {segmentation.CLASS_NAMES[f.label]}") for i, f in enumerate(found)]
    left, right = st.columns(2)
    _show_map(left, _paint(picture, pred, _INSTANCES_ALPHA), "Semantic: which class each pixel is")
    show_chart(right, boxes_figure(picture, [f.box for f in found], styles, height=320,
                                    title=f"Instances: {len(found)} connected regions"), config=_CHART, key="seg_inst")
    _show_legend(_INSTANCES_ALPHA)
    truth = f" The scene really has {len(s.labels)} objects." if s is not None else ""
    st.markdown("A semantic map says *what* each pixel is, not *which object*. Splitting each class into connected "
                "regions gives instances, with a box each; two touching objects of one class become one region, and an "
                f"object cut in two by another becomes two.{truth}")
    st.dataframe(pd.DataFrame([{"instance": i + 1, "class": segmentation.CLASS_NAMES[f.label], "pixels": f.pixels,
                                "box (x1, y1, x2, y2)": str(f.box)} for i, f in enumerate(found)]), hide_index=True)
