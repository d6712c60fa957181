import streamlit as st

from cvcore.conv import conv_trace
from cvcore.teach import snippets
from labs.convolution import controls, views
from labs.convolution.settings import EXAMPLES, ConvSettings
from ui import state
from ui.page import part, start_lab
from ui.trace_page import Section, stepped_trace

start_lab(
    ConvSettings,
    "Convolution",
    "A convolutional layer slides a small grid of weights, the **kernel** (or filter), over the image. At each "
    "position it multiplies the window by the kernel element by element and adds the products up: one number of "
    "the output. Pick an example from the course, change padding, stride and dilation, and step through it.",
)


@part(ConvSettings)
def body() -> None:
    col_input, col_kernel, col_settings = st.columns([1.3, 1, 1.2], gap="medium")
    with col_input:
        image = controls.input_controls()
    with col_kernel:
        kernel = controls.kernel_controls()
    with col_settings:
        values = controls.setting_controls()

    if image is None or kernel is None:
        state.stop(ConvSettings)

    stepped_trace(
        ConvSettings,
        lambda: conv_trace(image, kernel, **values.conv_kwargs),
        size_formula=lambda: views.size_formula(image, kernel, values.conv_kwargs),
        example=EXAMPLES.get(values.src),
        step_panel=views.step_panel,
        computation=views.computation_expander,
        snippet=snippets.conv_snippet,
        filename="convolution.py",
        check=views.check_expander,
        section=Section("Apply the kernel to a real photo", "conv.open_photo",
                        lambda: views.photo_panel(kernel, values.conv_kwargs)),
    )


body()
