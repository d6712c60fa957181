import streamlit as st

from cvcore.teach import course, snippets
from cvcore.conv import conv_trace
from cvcore.errors import CvcoreError
from labs.convolution import controls
from labs.convolution import views
from ui import state
from ui.code import code_expander
from ui.lazy import lazy_expander
from ui.stepper import step_view
from ui.page import start_lab

NS = start_lab(
    controls,
    "Convolution",
    "A convolutional layer slides a small grid of weights, the **kernel** (or filter), over the image. At each "
    "position it multiplies the window by the kernel element by element and adds the products up: one number of "
    "the output. Pick an example from the course, change padding, stride and dilation, and step through it.",
)

col_input, col_kernel, col_settings = st.columns([1.3, 1, 1.2], gap="medium")
with col_input:
    image = controls.input_controls()
with col_kernel:
    kernel = controls.kernel_controls()
with col_settings:
    settings = controls.setting_controls()

if image is None or kernel is None:
    state.stop(NS, controls.DEFAULTS)

views.size_formula(image, kernel, settings)
try:
    trace = conv_trace(image, kernel, **settings)
except CvcoreError as exc:
    st.error(f"No output for these settings: {exc}")
    state.stop(NS, controls.DEFAULTS)

example = course.conv_examples().get(state.get(NS, "src"))
if example is not None and example.note:
    st.info(example.note)

step_view(state.key(NS, "step"), trace.output.numel(), lambda i: views.step_panel(trace, i),
          on_step=lambda: state.sync(NS, {"step": controls.DEFAULTS["step"]}))

views.computation_expander(trace, state.get(NS, "step") - 1)
code_expander(lambda: snippets.conv_snippet(trace), filename="convolution.py")
views.check_expander(trace)
with lazy_expander("Apply the kernel to a real photo", "conv.open_photo") as is_open:
    if is_open:
        views.photo_panel(kernel, settings)
state.sync(NS, controls.DEFAULTS)
