import streamlit as st

from cvcore.errors import CvcoreError
from labs.inside_cnn import heatmaps as heatmap_views, explain as inside_panels, layers as inside_views
from labs.inside_cnn import subject as lab
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Inside a trained CNN",
    "A real ImageNet network looking at your photo (or the digits network you trained in *Build your own CNN*). "
    "See what it predicts, what every layer's **feature maps** show "
    "(edges and colours early, textures and parts later), what its **filters** look like, what a single unit "
    "**wants to see**, and which pixels made it decide (**class-activation heatmaps**), with evidence of how far "
    "each heatmap can be trusted.",
)

subject = lab.subject()
if subject is None:
    state.stop(NS, lab.DEFAULTS)
try:
    top = lab.prediction(subject)
except CvcoreError as exc:
    st.error(f"The network cannot read this image: {exc}")
    state.stop(NS, lab.DEFAULTS)

view = st.radio("Look at", list(lab.VIEWS), key=lab.k("view"), format_func=lab.VIEWS.get, horizontal=True)
choice = None
try:
    if view == "maps":
        inside_views.feature_maps(subject)
    elif view == "filters":
        inside_views.filters(subject)
    elif view == "units":
        inside_views.unit_view(subject)
    else:
        choice = heatmap_views.controls(subject, top)
        if choice is not None:
            (heatmap_views.heatmaps if view == "heatmaps" else heatmap_views.checks)(subject, choice)
except CvcoreError as exc:
    st.error(f"Cannot show this: {exc}")

inside_panels.computation(subject, choice)
inside_panels.code(subject, view, choice)
inside_panels.check(subject, view, choice)
state.sync(NS, lab.DEFAULTS)
