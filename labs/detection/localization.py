"""The Localization-and-detection lab: cached engine calls, and the target-vector, IoU and sliding-window views
(NMS and YOLO are in ``labs.detection.nms``)."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from cvcore import images, zoo
from cvcore.data import shapes
from cvcore.detect import boxes as box_ops
from cvcore.detect import localization, sliding, yolo
from cvcore.errors import CvcoreError
from cvcore.inside import features
from cvcore.teach import model_snippets
from cvcore.viz.boxes import COLORS, BoxStyle, boxes_figure, iou_figure
from labs.detection.settings import DetectionSettings as S
from ui.code import code_expander
from ui.figures import show_chart
from ui.lessons import shown
from ui.models import cached_network, get_model, weights_notice

__all__ = ["scene", "picture", "tiny_yolo", "raw_yolo", "classifier_missing", "window_scores", "target_view", "iou_view", "sliding_view"]

_CHART = {"displayModeBar": False}
_IOU = "iou"


@st.cache_data(show_spinner=False, max_entries=64)
def scene(seed: int) -> shapes.Scene:
    return shapes.scene(seed)


def picture(s: shapes.Scene) -> np.ndarray:
    return np.asarray(s.picture())


def _tiny_yolo() -> yolo.TinyYolo:
    return cached_network("tiny_yolo")


def tiny_yolo() -> yolo.TinyYolo | None:
    try:
        return _tiny_yolo()
    except CvcoreError as exc:
        st.error(f"The tiny YOLO is unavailable: {exc}")
        return None


@st.cache_data(show_spinner=False, max_entries=64)
def raw_yolo(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(boxes, scores, labels, decoded volume Tensor[S, S, B, 5 + C]) for a scene: every cell and anchor, before NMS."""
    model = _tiny_yolo()
    with torch.inference_mode():
        vectors = yolo.decode(model(scene(seed).image[None]), model.config)[0]
    b, s, lab = yolo.detections(vectors, model.config)
    return b, s, lab, vectors


def classifier_missing() -> bool:
    """Whether MobileNetV2's weights are missing here, after a notice that says so and what still works."""
    try:
        get_model("mobilenet_v2")
    except CvcoreError as exc:
        weights_notice("MobileNetV2's ImageNet weights", exc, instead="The sliding windows need this classifier; the "
                       "target vector, IoU and NMS on the tiny YOLO's boxes work without it.")
        return True
    return False


def window_scores(pic: str, window: int, klass: int, convolutional: bool, stride: float = 0.0) -> sliding.WindowScores:
    """Scores of every window; ``stride`` 0 means the convolutional version's stride, so the two align."""
    if convolutional:
        return _convolutional_scores(pic, window, klass)
    return _window_probabilities(pic, window, stride).for_class(klass)


@st.cache_data(show_spinner="Running the classifier over the windows ...", max_entries=32)
def _convolutional_scores(pic: str, window: int, klass: int) -> sliding.WindowScores:
    model, entry = get_model("mobilenet_v2"), zoo.registry()["mobilenet_v2"]
    return sliding.windows_convolutional(model, entry, images.sample_image(pic).convert("RGB"), klass, window=window)


# Every class's probabilities (at most 400 windows x 1,000 classes, 1.6 MB): another class to find needs no network.
@st.cache_data(show_spinner="Running the classifier on every window ...", max_entries=16)
def _window_probabilities(pic: str, window: int, stride: float) -> sliding.WindowProbabilities:
    model, entry = get_model("mobilenet_v2"), zoo.registry()["mobilenet_v2"]
    return sliding.window_probabilities(model, entry, images.sample_image(pic).convert("RGB"), window=window,
                                        stride=stride or window * sliding.NETWORK_STRIDE / entry.crop, max_windows=400)


@st.cache_data(show_spinner=False, max_entries=16)
def _top_class(pic: str) -> list[features.Prediction]:
    entry = zoo.registry()["mobilenet_v2"]
    model = get_model("mobilenet_v2")
    return features.predict(model, features.preprocess(images.sample_image(pic), entry), entry.categories)


def _extremes(mask: torch.Tensor) -> list[tuple[float, float]]:
    """The top-most, right-most, bottom-most and left-most pixels of a mask: four landmarks on the object."""
    rows, cols = mask.nonzero().unbind(1)
    picks = [int(rows.argmin()), int(cols.argmax()), int(rows.argmax()), int(cols.argmin())]
    return [(float(cols[i]) + 0.5, float(rows[i]) + 0.5) for i in picks]


def target_view() -> None:
    """Pick an object (or none) in a shapes-world image and see y, then a prediction's loss."""
    a, b, c, d = st.columns([1, 1, 1.2, 1])
    seed = int(S.widget("seed", a))
    s = scene(seed)
    count = len(s.labels)
    if S.get("object") >= count:
        S.put("object", 0)
    obj = S.widget("object", b, options=list(range(-1, count)),
                   format_func=lambda i: "none (p_c = 0)" if i < 0 else f"{i + 1}: {shapes.CLASSES[int(s.labels[i])]}")
    form = S.widget("form", c, horizontal=True)
    marks = S.widget("landmarks", d)
    size = s.image.shape[-1]
    landmarks = _extremes(s.instances == obj + 1) if obj >= 0 and marks and bool((s.instances == obj + 1).any()) else []
    box = s.boxes[obj].tolist() if obj >= 0 else None
    try:
        target = localization.target_vector(box, int(s.labels[obj]) if obj >= 0 else None, size, size,
                                            landmarks=landmarks if obj >= 0 else [])
    except CvcoreError as exc:
        st.error(str(exc))
        return
    left, right = st.columns([1, 1.3])
    styles = [BoxStyle(COLORS["picked"] if i == obj else COLORS["below"], 3 if i == obj else 1,
                       label=shapes.CLASSES[int(s.labels[i])]) for i in range(count)]
    show_chart(left, boxes_figure(picture(s), s.boxes.tolist(), styles, title=f"Scene {seed}: the object and its box",
                                   height=360), config=_CHART, key="det_target_fig")
    names = ["p_c", "b_x", "b_y", "b_h", "b_w"] + [f"c_{i + 1} ({n})" for i, n in enumerate(shapes.CLASSES)]
    names += list(target.names[len(names):])
    shown = ["?" if v is None else f"{v:.3f}".rstrip("0").rstrip(".") for v in target.values]
    right.markdown("**The target y** (midpoint, height and width as fractions of the image; \"?\" = don't care):")
    right.dataframe(pd.DataFrame({"entry": names, "y": shown}), hide_index=True, height=38 + 35 * min(len(names), 12))
    guess = [v if v is not None else 0.5 for v in target.values]
    generator = torch.Generator().manual_seed(seed)
    noise = (torch.rand(len(guess), generator=generator) - 0.5) * 0.2
    default = [float(min(max(g + n, 0.01), 0.99)) for g, n in zip(guess, noise.tolist(), strict=False)]
    st.markdown("**A prediction y-hat** (edit the numbers) **and its loss:**")
    edited = st.data_editor(pd.DataFrame([default], columns=names), key=f"det_pred_{seed}_{obj}_{marks}", hide_index=True)
    try:
        terms = localization.localization_loss(edited.iloc[0].astype(float).tolist(), target, form=form)
    except (CvcoreError, ValueError) as exc:
        st.error(f"The prediction must be numbers: {exc}")
        return
    st.dataframe(pd.DataFrame([{"entries": t.name, "loss": t.kind, "computed": t.formula, "value": round(t.value, 5)}
                               for t in terms]), hide_index=True)
    st.metric("Total loss", f"{sum(t.value for t in terms):.5f}")
    if obj < 0:
        st.caption("No object: only p_c is compared; the box and the classes are \"don't care\".")


def _box_inputs(prefix: str, column) -> tuple[float, float, float, float]:
    with column:
        st.markdown(f"**Box {prefix.upper()}**")
        return tuple(float(S.widget(f"{prefix}{corner}")) for corner in ("x1", "y1", "x2", "y2"))


def iou_view() -> None:
    """Two boxes on a 10 x 10 canvas: intersection, union and IoU with the numbers."""
    left, middle, right = st.columns([1, 1, 2])
    a = _box_inputs("a", left)
    b = _box_inputs("b", middle)
    for name, box in (("A", a), ("B", b)):
        if box[2] <= box[0] or box[3] <= box[1]:
            right.error(f"Box {name} needs x1 < x2 and y1 < y2, got {box}.")
            return
    parts = box_ops.iou_parts(a, b)
    # The IoU is what the lab's first question asks (cvcore.lessons.applications.detection_questions).
    title = shown(S.NS, _IOU, f"IoU = {parts.iou:.3f}", "IoU = ?")
    show_chart(right, iou_figure(a, b, parts, size=10, title=title), config=_CHART, key="det_iou_fig")
    st.latex(r"\text{IoU} = \frac{\text{intersection}}{\text{union}} = \frac{%g}{%g + %g - %g} = \frac{%g}{%g} = %s"
             % (parts.intersection_area, parts.area_a, parts.area_b, parts.intersection_area, parts.intersection_area,
                parts.union_area, shown(S.NS, _IOU, f"{parts.iou:.4f}")))
    verdict = "correct" if parts.iou >= 0.5 else "not correct"
    (st.success if parts.iou >= 0.5 else st.warning)(
        f"If A were the true box and B the prediction, the course's rule (IoU >= 0.5) calls it **{verdict}**.")
    torch_iou = float(box_ops.box_iou([a], [b])[0, 0])
    st.caption(f"`torchvision.ops.box_iou` gives {shown(S.NS, _IOU, f'{torch_iou:.4f}')}.")
    code_expander(lambda: model_snippets.iou_snippet(a, b), filename="iou.py")


def sliding_view() -> None:
    """MobileNetV2 over a photo, window by window and in one convolutional pass, with the score maps."""
    a, b, b2, c = st.columns([1, 0.8, 0.8, 1.6])
    pic = S.widget("pic", a)
    image = images.sample_image(pic)
    window = int(S.widget("window", b, bounds=(32, min(300, min(image.size)))))
    stride = float(S.widget("stride", b2))
    if classifier_missing():
        return
    top = _top_class(pic)
    entry = zoo.registry()["mobilenet_v2"]
    klass = S.widget("klass", c, options=[-1] + list(range(len(entry.categories))),
                     format_func=lambda i: f"the photo's top class ({top[0].label})" if i < 0
                     else f"{i}: {entry.categories[i]}")
    klass = top[0].index if klass < 0 else klass
    try:
        conv = window_scores(pic, window, klass, True)
        one = window_scores(pic, window, klass, False, stride)
    except CvcoreError as exc:
        st.error(f"No windows for these settings: {exc}")
        return
    step = stride or window * sliding.NETWORK_STRIDE / entry.crop
    st.markdown(f"Windows of **{window}x{window}** pixels every **{step:.1f}** pixels" +
                ("" if stride else f" (the network's stride of 32 at the scale where a window is {entry.crop} pixels)") +
                f": **{one.passes}** windows.")
    rgb = np.asarray(image.convert("RGB"))
    best = torch.argsort(one.scores, descending=True)[:5].tolist()
    styles = [BoxStyle(COLORS["kept"] if i in best else COLORS["below"], 3 if i in best else 1,
                       label=f"{float(one.scores[i]):.2f}" if i in best else "", opacity=1.0 if i in best else 0.35)
              for i in range(len(one.boxes))]
    show_chart(st, boxes_figure(rgb, one.boxes.tolist(), styles, title=f"All windows; the five most '{entry.categories[klass]}'",
                                 height=360), config=_CHART, key="det_windows_fig")
    left, right = st.columns(2)
    for column, result, name in ((left, one, "window by window"), (right, conv, "one convolutional pass")):
        show_chart(column, _score_map(result.grid, f"{name}: {result.passes} forward pass(es), {result.seconds * 1000:.0f} ms"),
                            config=_CHART, key=f"det_map_{name[:3]}")
    same = conv.grid.shape == one.grid.shape and not stride
    if not same:
        st.caption("With this stride the windows of the two versions do not line up, so their maps are not compared.")
    _scales(pic, window, klass, entry)
    if same and conv.grid.numel() > 1:
        r = float(torch.corrcoef(torch.stack([conv.grid.flatten(), one.grid.flatten()]))[0, 1])
        diff = float((conv.grid - one.grid).abs().max())
        st.info(f"One pass is **{one.seconds / max(conv.seconds, 1e-9):.1f}x faster** here. The two maps agree in pattern "
                f"(correlation {r:.2f}) but not exactly (largest difference {diff:.2f}): a window cut out of the photo is "
                "padded with zeros at its borders, while in the one-pass version the same units see the neighbouring "
                "pixels. With a network without padding they are identical (the tests check this).")


def _scales(pic: str, window: int, klass: int, entry) -> None:
    """Several window sizes, each in one convolutional pass: the best window of each size over the photo."""
    image = images.sample_image(pic)
    options = [0.5, 0.75, 1.0, 1.5, 2.0]
    chosen = [float(v) for v in S.get("scales").split(",") if v.strip()] or [1.0]
    shown = S.key("_scales")
    st.session_state.setdefault(shown, [v for v in chosen if v in options] or [1.0])
    scales = st.multiselect(S.field("scales").label, options, key=shown,
                            on_change=lambda: S.put("scales", ",".join(f"{v:g}" for v in st.session_state[shown])),
                            format_func=lambda v: f"x{v:g} ({round(window * v)} px)")
    found, styles = [], []
    for v in scales:
        size = round(window * v)
        if not 32 <= size <= min(image.size):
            st.caption(f"x{v:g} ({size} px) does not fit this photo; left out.")
            continue
        result = window_scores(pic, size, klass, True)
        i = int(result.scores.argmax())
        found.append(result.boxes[i].tolist())
        styles.append(BoxStyle(COLORS["kept"], 3, label=f"{size} px: {float(result.scores[i]):.2f}"))
    if found:
        show_chart(st, boxes_figure(np.asarray(image.convert("RGB")), found, styles, height=320,
                                     title=f"The best window of each size for '{entry.categories[klass]}'"),
                        config=_CHART, key="det_scales_fig")


def _score_map(grid: torch.Tensor, title: str):
    import plotly.graph_objects as go

    return go.Figure(data=[go.Heatmap(z=grid.tolist(), colorscale="Viridis", zmin=0, zmax=1,
                                      colorbar={"title": {"text": "p"}})],
                     layout={"template": {"layout": {}}, "title": {"text": title}, "height": 300,
                             "margin": {"l": 40, "r": 10, "t": 50, "b": 40},
                             "xaxis": {"title": {"text": "window column"}},
                             "yaxis": {"title": {"text": "window row"}, "autorange": "reversed"}})
