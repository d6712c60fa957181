import streamlit as st

from cvcore.errors import CvcoreError
from labs.inside_cnn import subject as lab
from labs.inside_cnn import views
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

looked_at = lab.choose()  # the subject; the network alone while the image source is the live camera
if looked_at is None:
    state.stop(InsideSettings)
if isinstance(looked_at, lab.Subject):
    try:
        lab.prediction(looked_at)
    except CvcoreError as exc:
        st.error(f"The network cannot read this image: {exc}")
        state.stop(InsideSettings)


@part(InsideSettings, "view")
def view_part(looked_at: lab.Subject | lab.Network) -> None:
    """The view and its controls (layer, channel, heatmap method ...): they rerun this part, not the prediction."""
    live = not isinstance(looked_at, lab.Subject)
    views.show(views.LIVE if live else InsideSettings.widget("view", horizontal=True), looked_at)


view_part(looked_at)
