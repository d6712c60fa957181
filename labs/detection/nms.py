"""The Localization-and-detection lab's NMS and YOLO views: raw detections, thresholds, NMS step by step,
the grid, the output volume, anchors and the detector's accuracy."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from cvcore import images, zoo
from cvcore.data import shapes
from cvcore.detect import boxes as box_ops
from cvcore.detect import coco, yolo
from cvcore.detect import metrics as detection
from cvcore.errors import CvcoreError
from cvcore.teach import model_snippets
from cvcore.viz.boxes import COLORS, BoxStyle, boxes_figure
from labs.detection import localization as lab
from labs.detection.figures import fit_title
from labs.detection.settings import DetectionSettings as S
from ui.code import code_expander
from ui.figures import show_chart
from ui.models import cached_network
from ui.stepper import step_view

__all__ = ["nms_controls", "nms_view", "yolo_view"]

_CHART = {"displayModeBar": False}


@st.cache_data(show_spinner="Running the detector with its NMS turned off ...", max_entries=16)
def _coco_raw(name: str, pic: str):
    return coco.raw_detections(cached_network(name), images.sample_image(pic))


def _raw(source: str):
    """(picture, boxes, scores, labels, class names, title) of the chosen source's pre-NMS detections, or None."""
    if source in coco.DETECTORS:
        ready, why = coco.status(source)
        if not ready and zoo.is_offline():
            st.info(f"**{coco.DETECTORS[source].label} is unavailable here:** {why}. The tiny YOLO and the sliding "
                    "windows work offline.")
            return None
        pic = S.get("pic")
        try:
            b, s, lab_ = _coco_raw(source, pic)
        except CvcoreError as exc:
            st.warning(f"{coco.DETECTORS[source].label} is unavailable: {exc}")
            return None
        rgb = np.asarray(images.sample_image(pic).convert("RGB"))
        return rgb, b, s, lab_, coco.DETECTORS[source].categories, f"{coco.DETECTORS[source].label} on the photo, NMS off"
    if source == "yolo":
        seed = S.get("nms_seed")
        b, s, lab_, _ = lab.raw_yolo(seed)
        return lab.picture(lab.scene(seed)), b, s, lab_, shapes.CLASSES, f"the tiny YOLO on scene {seed}"
    if lab.classifier_missing():
        return None
    pic, window, klass = S.get("pic"), S.get("window"), S.get("klass")
    entry = zoo.registry()["mobilenet_v2"]
    klass = lab._top_class(pic)[0].index if klass < 0 else klass
    result = lab.window_scores(pic, window, klass, False)
    rgb = np.asarray(images.sample_image(pic).convert("RGB"))
    return (rgb, result.boxes, result.scores, torch.zeros(len(result.scores), dtype=torch.long), (entry.categories[klass],),
            f"sliding windows ({window} px) looking for '{entry.categories[klass]}'")


def nms_controls() -> S:
    """The source of the raw detections, the thresholds and the method; returns every setting after the widgets."""
    a, b, c, d = st.columns([1.4, 1, 1, 1])
    if S.widget("source", a) == "yolo":
        S.widget("nms_seed", b)
    S.widget("score", c)
    S.widget("iou", d)
    e, f, g = st.columns(3)
    S.widget("per_class", e)
    method = S.widget("method", f, horizontal=True)
    S.widget("sigma", g, disabled=method != "soft")
    return S.current()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _styles(n: int, names, labels, scores, *, kept=(), picked=None, removed=(), ious=None, below=(), done=()):
    styles = []
    removed_iou = dict(zip(removed, ious or (), strict=False))
    for i in range(n):
        name = f"{names[int(labels[i])]} {float(scores[i]):.2f}"
        if i == picked:
            styles.append(BoxStyle(COLORS["picked"], 4, label=f"pick: {name}"))
        elif i in removed_iou:
            styles.append(BoxStyle(COLORS["removed"], 2, "dash", label=f"IoU {removed_iou[i]:.2f}"))
        elif i in kept:
            styles.append(BoxStyle(COLORS["kept"], 3, label=name))
        elif i in below or i in done:
            styles.append(BoxStyle(COLORS["below"], 1, "dot", opacity=0.0))
        else:
            styles.append(BoxStyle(COLORS["candidate"], 1, opacity=0.8))
    return styles


def nms_view() -> None:
    values = nms_controls()
    raw = _raw(values.source)
    if raw is None:
        return
    picture, b, s, labels, names, what = raw
    per = labels if values.per_class else None
    below = set((s <= values.score).nonzero().flatten().tolist())
    st.markdown(f"**{len(b)} raw boxes** from {what}; **{len(below)}** have a score <= {values.score:g} and are "
                f"discarded first, leaving **{len(b) - len(below)}**. Moving a threshold reruns only NMS, never the network.")
    if values.method == "soft":
        _soft(picture, b, s, labels, names, values, per)
        return
    result = box_ops.nms_steps(b, s, iou_threshold=values.iou, score_threshold=values.score, labels=per)
    fast = box_ops.nms(b, s, iou_threshold=values.iou, score_threshold=values.score, labels=per)
    if not result.steps:
        st.info("No box is above the score threshold: nothing to keep. Lower the score threshold.")
        return

    def render(i: int) -> None:
        step = result.steps[i]
        kept = set(result.keep[:i].tolist())
        done = {j for st_ in result.steps[:i] for j in st_.removed}
        styles = _styles(len(b), names, labels, s, kept=kept, picked=step.picked, removed=step.removed,
                         ious=step.ious, below=below, done=done)
        show_chart(st, fit_title(boxes_figure(picture, b.tolist(), styles, height=420,
                                              title=f"Step {i + 1}: output the highest-scoring remaining box and discard its "
                                                    "overlaps")), config=_CHART, key="det_nms_fig")
        gone = ", ".join(f"box {j} (IoU {v:.2f})" for j, v in zip(step.removed, step.ious, strict=True)) or "none"
        st.markdown(f"**Pick** box {step.picked} ({names[int(labels[step.picked])]}, score {step.score:.3f}) and output it. "
                    f"**Discard** the boxes{' of its class' if per is not None else ''} with IoU > {values.iou:g}: "
                    f"{gone}. Boxes left: {len(b) - len(below) - len(kept) - 1 - len(done) - len(step.removed)}.")

    step_view(S, "nms_step", len(result.steps), render)
    rows = [{"box": int(i), "class": names[int(labels[i])], "score": round(float(s[i]), 3),
             "x1, y1, x2, y2": ", ".join(f"{v:.0f}" for v in b[i].tolist())} for i in result.keep]
    st.markdown(f"**Kept after NMS: {_count(len(rows), 'box', 'boxes')}**")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if values.source == "yolo":
        code_expander(lambda: model_snippets.nms_snippet(values.nms_seed, score_threshold=values.score,
                                                         iou_threshold=values.iou, per_class=per is not None),
                      filename="nms.py")
    same = torch.equal(fast, result.keep)
    (st.success if same else st.error)(
        f"torchvision's {'batched_nms' if per is not None else 'nms'} keeps {'the same' if same else 'different'} boxes "
        f"in the same order: {fast.tolist()}")


def _soft(picture, b, s, labels, names, values, per) -> None:
    keep, new = box_ops.soft_nms(b, s, sigma=values.sigma, score_threshold=values.score, labels=per,
                                 iou_threshold=values.iou)
    kept = set(keep.tolist())
    styles = [BoxStyle(COLORS["kept"], 3, label=f"{names[int(labels[i])]} {float(s[i]):.2f} -> {float(new[i]):.2f}")
              if i in kept else BoxStyle(COLORS["below"], 1, "dot", opacity=0.0) for i in range(len(b))]
    show_chart(st, fit_title(boxes_figure(picture, b.tolist(), styles, height=420,
                                          title="Soft-NMS: overlapping boxes lose score instead of disappearing")),
               config=_CHART, key="det_soft_fig")
    st.markdown(f"Each pick multiplies the scores of the boxes it overlaps by exp(-IoU^2 / {values.sigma:g}); a box "
                f"is kept while its score stays above {values.score:g}. **{len(kept)} kept.**")
    changed = [{"box": i, "class": names[int(labels[i])], "score before": round(float(s[i]), 3),
                "after": round(float(new[i]), 3), "kept": i in kept}
               for i in torch.argsort(s, descending=True).tolist() if float(s[i]) > values.score]
    st.dataframe(pd.DataFrame(changed), hide_index=True)


@st.cache_data(show_spinner="Scoring the detector on 100 held-out scenes ...", max_entries=8)
def _evaluation(score: float) -> detection.Evaluation:
    model = lab._tiny_yolo()
    return detection.evaluate_detector(model, model.config, range(1_000_000, 1_000_100), score_threshold=score)


def yolo_view() -> None:
    model = lab.tiny_yolo()
    if model is None:
        return
    cfg = model.config
    a, b, c = st.columns(3)
    seed = int(S.widget("nms_seed", a))
    cells = (0, cfg.grid - 1)
    row = int(S.widget("row", b, label=f"Cell row (0 to {cfg.grid - 1})", bounds=cells))
    col = int(S.widget("col", c, label=f"Cell column (0 to {cfg.grid - 1})", bounds=cells))
    s = lab.scene(seed)
    boxes_, scores, labels, vectors = lab.raw_yolo(seed)
    nb, nc = len(cfg.anchors), len(cfg.classes)
    st.markdown(f"The image ({cfg.size}x{cfg.size}) is cut into a **{cfg.grid} x {cfg.grid} grid**; each cell has **{nb} anchor "
                f"boxes** and predicts, for each, y = [p_c, b_x, b_y, b_h, b_w, c_1..c_{nc}]: the output volume is "
                f"**{cfg.grid} x {cfg.grid} x {nb} x {5 + nc}** ({cfg.grid * cfg.grid * nb * (5 + nc)} numbers).")
    cell = cfg.cell
    anchor_boxes = [((col + 0.5) * cell - w * cell / 2, (row + 0.5) * cell - h * cell / 2,
                     (col + 0.5) * cell + w * cell / 2, (row + 0.5) * cell + h * cell / 2) for h, w in cfg.anchors]
    assignments = yolo.assign(s.boxes, s.labels, cfg)
    truth = [BoxStyle(COLORS["truth"], 2, label=f"{a.index + 1}: {shapes.CLASSES[int(s.labels[a.index])]}")
             for a in assignments]
    anchors = [BoxStyle(COLORS["picked"], 2, "dash", label=f"anchor {j + 1}") for j in range(nb)]
    cell_box = [(col * cell, row * cell, (col + 1) * cell, (row + 1) * cell)]
    left, right = st.columns([1, 1.2])
    show_chart(left, fit_title(boxes_figure(lab.picture(s), s.boxes.tolist() + anchor_boxes + cell_box,
                                            truth + anchors + [BoxStyle(COLORS["kept"], 3)], grid=cfg.grid, height=380,
                                            title=f"Scene {seed}: the grid, the objects, the anchors of cell ({row}, "
                                                  f"{col})")), config=_CHART, key="det_yolo_grid")
    target = yolo.encode(s.boxes, s.labels, cfg)
    entries = ["p_c", "b_x", "b_y", "b_h", "b_w"] + [f"c_{i + 1} ({n})" for i, n in enumerate(cfg.classes)]
    table = {"entry": entries}
    for j in range(nb):  # one entry a row, so the table stays narrow enough for its column
        t = target[row, col, j]
        table[f"{j + 1}: y"] = ["?" if t[0] == 0 and i > 0 else f"{float(t[i]):.2f}" for i in range(len(entries))]
        table[f"{j + 1}: ŷ"] = [f"{float(vectors[row, col, j, i]):.2f}" for i in range(len(entries))]
    right.markdown(f"**Cell ({row}, {col}): the target y and the network's output ŷ**, for anchors 1 to {nb}")
    right.dataframe(pd.DataFrame(table), hide_index=True)
    right.markdown("**Anchors** (height x width, in cells), chosen by k-means with distance 1 - IoU on the boxes of "
                   "2,000 training scenes: " + ", ".join(f"{h:.2f} x {w:.2f}" for h, w in cfg.anchors))
    st.markdown("**How the training label is built**: each object goes to the cell that holds its midpoint, and to the "
                "anchor whose shape overlaps it most (IoU of the two shapes centred together).")
    st.dataframe(pd.DataFrame([{"object": f"{a.index + 1}: {shapes.CLASSES[int(s.labels[a.index])]}",
                                "cell (row, col)": f"({a.row}, {a.col})",
                                **{f"IoU with anchor {j + 1}": round(v, 3) for j, v in enumerate(a.anchor_ious)},
                                "anchor": a.anchor + 1,
                                "note": "slot already taken: dropped" if a.collided else ""} for a in assignments]),
                 hide_index=True)
    score, iou = S.get("score"), S.get("iou")
    keep = box_ops.nms(boxes_, scores, iou_threshold=iou, score_threshold=score, labels=labels)
    final = [BoxStyle(COLORS["kept"], 3, label=f"{shapes.CLASSES[int(labels[i])]} {float(scores[i]):.2f}") for i in keep]
    left, right = st.columns([1, 1.2])
    show_chart(left, fit_title(boxes_figure(lab.picture(s), boxes_[keep].tolist(), final, height=380,
                                            title=f"Decoded, scores > {score:g}, then per-class NMS (IoU > {iou:g}): "
                                                  f"{_count(len(keep), 'detection', 'detections')}")),
               config=_CHART, key="det_yolo_final")
    evaluation = _evaluation(score)
    saved = torch.load(yolo.ASSET, weights_only=True)
    right.markdown(f"**How good is it?** On 500 held-out scenes (never seen in training), mAP@0.5 = "
                   f"**{float(saved['map50']):.3f}**. On the first 100 of them, computed now:")
    right.dataframe(pd.DataFrame([{"class": c, "AP@0.5": round(ap, 3), f"precision (score > {score:g})": round(p, 3),
                                   "recall": round(r, 3)} for c, ap, p, r in
                                  zip(evaluation.classes, evaluation.ap, evaluation.precision, evaluation.recall, strict=True)]),
                    hide_index=True)
    right.caption(f"mAP@0.5 on these 100: {evaluation.map:.3f}. A detection counts as correct when its IoU with an "
                  "unmatched true box of its class is >= 0.5.")
