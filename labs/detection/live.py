"""The Localization-and-detection lab's live camera: every frame the server keeps up with goes through the tiny YOLO
(shown printed cards of the shapes world) or a COCO detector, and its raw boxes through NMS with the thresholds on
the page at that moment (``cvcore.detect.live``)."""

import streamlit as st

from cvcore import zoo
from cvcore.data import cards, shapes
from cvcore.detect import coco
from cvcore.detect import live as detect_live
from cvcore.errors import CvcoreError
from labs.detection.settings import DetectionSettings as S
from ui import webcam
from ui.models import cached_network, weights_notice

__all__ = ["live_view"]


@st.cache_data(show_spinner=False)
def _cards(kind: str) -> bytes:
    return cards.cards_pdf() if kind == "pdf" else cards.cards_png()


def _detector(source: str):
    """(model, class names, per-frame function) for the chosen source, or None after a notice."""
    if source == "yolo":
        try:
            return cached_network("tiny_yolo"), shapes.CLASSES, detect_live.yolo_frame
        except CvcoreError as exc:
            st.error(f"The tiny YOLO is unavailable: {exc}")
            return None
    ready, why = coco.status(source)
    label = coco.DETECTORS[source].label
    if not ready and zoo.is_offline():
        st.info(f"**{label} is not available here:** {why}. The tiny YOLO works offline.")
        return None
    try:
        return cached_network(source), coco.DETECTORS[source].categories, detect_live.coco_frame
    except CvcoreError as exc:
        weights_notice(f"{label}'s weights", exc, instead="The tiny YOLO works offline.")
        return None


def live_view() -> None:
    a, b, c, d = st.columns([1.4, 1, 1, 0.7])
    source = S.widget("live_source", a)
    score, iou = S.widget("score", b), S.widget("iou", c)
    per_class = S.widget("per_class", d)
    if source == "yolo":
        st.markdown("The tiny YOLO was trained on generated 128 x 128 scenes of **ellipses, rectangles and triangles**: "
                    "print the cards, cut them out and hold one or two up to the camera. It sees the centre square of "
                    "the video.")
        e, f, _ = st.columns([1, 1, 2])
        e.download_button("Cards to print (PDF, A4)", lambda: _cards("pdf"), file_name="shape-cards.pdf",
                          mime="application/pdf", key="det.cards_pdf")
        f.download_button("Cards to print (PNG)", lambda: _cards("png"), file_name="shape-cards.png", mime="image/png",
                          key="det.cards_png")
    chosen = _detector(source)
    if chosen is None:
        return
    model, names, detect = chosen

    def work(frame):
        found = detect(model, frame, score=score, iou=iou, per_class=per_class)
        kept = ", ".join(f"{names[int(found.labels[i])]} {float(found.scores[i]):.2f}" for i in found.keep[:8])
        text = (f"{len(found.scores)} raw boxes, {found.above} with score > {score:g}, {len(found.keep)} kept by NMS "
                f"(IoU > {iou:g} removed){': ' + kept if kept else ''}.")
        return detect_live.draw_detections(frame, found, names), text

    webcam.live_stream(S.key("live"), work)
    st.caption("Thick boxes: kept by NMS; thin grey: above the score threshold but suppressed. Moving a threshold "
               "applies to the next frame.")
