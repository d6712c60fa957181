import streamlit as st

from cvcore.errors import CvcoreError
from labs.inside_cnn import explain, heatmaps, layers, network
from labs.inside_cnn import subject as lab
from labs.inside_cnn.settings import InsideSettings
from ui import state
from ui.page import part, start_lab

start_lab(
    InsideSettings,
    "Inside a trained CNN",
    "A real ImageNet network looking at your photo (or the digits network you trained in *Build your own CNN*). "
    "See what it predicts, what every layer's **feature maps** show "
    "(edges and colours early, textures and parts later), what its **filters** look like, what a single unit "
    "**wants to see**, and which pixels made it decide (**class-activation heatmaps**), with evidence of how far "
    "each heatmap can be trusted.",
)

subject = lab.subject()
if subject is None:
    state.stop(InsideSettings)
try:
    top = lab.prediction(subject)
except CvcoreError as exc:
    st.error(f"The network cannot read this image: {exc}")
    state.stop(InsideSettings)


@part(InsideSettings, "view")
def view_part(subject, top) -> None:
    """The view and its controls (layer, channel, heatmap method ...): they rerun this part, not the prediction."""
    view = InsideSettings.widget("view", horizontal=True)
    choice = None
    try:
        if view == "overview":
            network.whole_network(subject)  # draws its own step-through, check and code
            return
        if view == "maps":
            layers.feature_maps(subject)
        elif view == "filters":
            layers.filters(subject)
        elif view == "units":
            layers.unit_view(subject)
        else:
            choice = heatmaps.controls(subject, top)
            if choice is not None:
                (heatmaps.heatmaps if view == "heatmaps" else heatmaps.checks)(subject, choice)
    except CvcoreError as exc:
        st.error(f"Cannot show this: {exc}")

    explain.computation(subject, choice)
    explain.code(subject, view, choice)
    explain.check(subject, view, choice)


view_part(subject, top)
