import streamlit as st

from labs.detection import localization as lab
from labs.detection import nms as nms_views
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Localization and detection",
    "From one object to many: the **target vector** a network learns for classification with localization, "
    "**sliding windows** with a real classifier (and why one convolutional pass replaces hundreds), **IoU** to say "
    "when two boxes agree, **non-max suppression** to keep one box per object, and a small **YOLO** that does it all "
    "in one pass over a grid with anchor boxes.",
)

view = st.radio("Part", list(lab.VIEWS), key=lab.k("view"), format_func=lab.VIEWS.get, horizontal=True)
{"target": lab.target_view, "sliding": lab.sliding_view, "iou": lab.iou_view, "nms": nms_views.nms_view,
 "yolo": nms_views.yolo_view}[view]()
state.sync(NS, lab.DEFAULTS)
