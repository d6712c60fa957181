import streamlit as st

from cvcore.teach import course, snippets
from cvcore.errors import CvcoreError
from cvcore.conv.pooling import pool_trace
from labs.pooling import controls
from labs.pooling import views
from ui import state
from ui.code import code_expander
from ui.lazy import lazy_expander
from ui.stepper import step_view
from ui.page import start_lab

NS = start_lab(
    controls,
    "Pooling",
    "A pooling layer shrinks each feature map by summarising small windows: **max pooling** keeps the largest value, "
    "**average pooling** the mean. It has a window size f and a stride s, but **no weights to learn**, and it works "
    "on every channel separately, so the number of channels never changes.",
)

col_input, col_settings = st.columns([1.3, 1], gap="medium")
with col_input:
    x = controls.input_controls()
with col_settings:
    settings = controls.setting_controls()

if x is None:
    state.stop(NS, controls.DEFAULTS)

views.size_formula(x, settings)
try:
    trace = pool_trace(x, **settings)
except CvcoreError as exc:
    st.error(f"No output for these settings: {exc}")
    state.stop(NS, controls.DEFAULTS)

example = course.pool_examples().get(state.get(NS, "src"))
if example is not None and example.note:
    st.info(example.note)

step_view(state.key(NS, "step"), trace.output.numel(), lambda i: views.step_panel(trace, i),
          on_step=lambda: state.sync(NS, {"step": controls.DEFAULTS["step"]}))

views.computation_expander(trace, state.get(NS, "step") - 1)
code_expander(lambda: snippets.pool_snippet(trace), filename="pooling.py")
views.check_expander(trace)
with lazy_expander("Pooling a real feature map (MobileNetV2's first layer)", "pool.open_fmap") as is_open:
    if is_open:
        views.feature_map_panel(settings)
state.sync(NS, controls.DEFAULTS)
