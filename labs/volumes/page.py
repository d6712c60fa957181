import streamlit as st

from labs.volumes import views as lab
from labs.volumes.settings import VolumeSettings
from ui import state
from ui.code import code_expander
from ui.lazy import lazy_expander
from ui.page import part, start_lab
from ui.stepper import step_view

start_lab(
    VolumeSettings,
    "Convolution over volumes",
    "A colour image is a **volume**: n_H x n_W x n_C numbers (n_C = 3 for R, G, B). A filter for it is a volume "
    "too, with the **same number of channels**: each channel's window is multiplied by that channel's slice of "
    "the filter, everything is added up (27 products for a 3x3x3 filter), the filter's **bias** is added, and ReLU "
    "follows. Each filter gives one output map; several filters stack into an output of depth n_C'.",
)


@part(VolumeSettings)
def body() -> None:
    col_input, col_filters, col_settings = st.columns([1.2, 1.4, 1], gap="medium")
    with col_input:
        x = lab.input_volume()
    with col_filters:
        bank = lab.filters(x.shape[0])
    with col_settings:
        values = lab.layer_settings()

    trace = lab.trace_or_error(x, *bank, values) if bank is not None else None
    if trace is None:
        state.stop(VolumeSettings)

    lab.summary(trace)
    step_view(VolumeSettings, "step", trace.output.numel(), lambda i: lab.step_panel(trace, i))
    code_expander(lambda: lab.snippet(trace), filename="volume_convolution.py")
    lab.check(trace)
    with lazy_expander("A real photo through these filters", "vol.open_photo") as is_open:
        if is_open:
            lab.photo_panel(values)


body()
