"""Build your own CNN: draw a digit and watch the network read it (the learner's trained network, or the one the app
ships until the learner has trained one)."""

import streamlit as st

from cvcore.errors import CvcoreError
from labs import digit_canvas, trained_models
from ui.models import weights_notice

__all__ = ["section"]


def _network() -> tuple[str, object, object, str] | None:
    """(name, entry, model, who) of the network that reads the drawing; None after a message."""
    trained = trained_models.record()
    if trained is not None:
        try:
            entry, model = trained_models.entry_and_model(trained)
        except CvcoreError as exc:
            st.error(f"Your trained network could not be rebuilt: {exc}")
            return None
        return f"{trained_models.NAME}@{trained['digest']}", entry, model, "your trained network"
    try:
        entry, model = trained_models.shipped()
    except CvcoreError as exc:
        weights_notice("The shipped digits network", exc, instead="Train your network above, then draw for it.")
        return None
    return trained_models.SHIPPED, entry, model, "the app's copy of the course's network (until you train yours)"


@st.fragment
def section() -> None:
    """The canvas and what the network makes of the drawing; a stroke reruns only this section."""
    st.subheader("Draw a digit and watch the network")
    chosen = _network()
    if chosen is None:
        return
    name, entry, model, who = chosen
    st.caption(f"Read by {who}. Draw, lift the pen, and the prediction, the Grad-CAM of the predicted class and "
               "the feature maps of every layer follow.")
    left, right = st.columns([1, 2.2], gap="medium")
    with left:
        drawing = digit_canvas.digit_canvas("build.canvas")
    if drawing is None:
        return
    with right:
        digit_canvas.watch(name, entry, model, drawing.x)
