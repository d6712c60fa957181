import streamlit as st

from labs.segmentation import views as lab
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Segmentation",
    "Detection draws a box around each object; **semantic segmentation** gives every pixel a class, and **instance "
    "segmentation** tells the objects apart. A small fully convolutional network does it here: an encoder of "
    "convolutions shrinks the map, a decoder of **transposed convolutions** grows it back to the image's size (the U "
    "shape), and a 1x1 convolution scores each class at every pixel.",
)

view = st.radio("Part", list(lab.VIEWS), key=lab.k("view"), format_func=lab.VIEWS.get, horizontal=True)
{"tasks": lab.tasks_view, "segment": lab.segment_view, "instances": lab.instances_view}[view]()
state.sync(NS, lab.DEFAULTS)
