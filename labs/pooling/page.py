import streamlit as st

from cvcore.conv.pooling import pool_trace
from cvcore.teach import snippets
from labs.pooling import controls, views
from labs.pooling.settings import EXAMPLES, PoolSettings
from ui import state
from ui.page import part, start_lab
from ui.trace_page import Section, stepped_trace

start_lab(
    PoolSettings,
    "Pooling",
    "A pooling layer shrinks each feature map by summarising small windows: **max pooling** keeps the largest value, "
    "**average pooling** the mean. It has a window size f and a stride s, but **no weights to learn**, and it works "
    "on every channel separately, so the number of channels never changes.",
)


@part(PoolSettings)
def body() -> None:
    col_input, col_settings = st.columns([1.3, 1], gap="medium")
    with col_input:
        x = controls.input_controls()
    with col_settings:
        values = controls.setting_controls()

    if x is None:
        state.stop(PoolSettings)

    stepped_trace(
        PoolSettings,
        lambda: pool_trace(x, **values.pool_kwargs),
        size_formula=lambda: views.size_formula(x, values),
        example=EXAMPLES.get(values.src),
        step_panel=views.step_panel,
        computation=views.computation_expander,
        snippet=snippets.pool_snippet,
        filename="pooling.py",
        check=views.check_expander,
        section=Section("Pooling a real feature map (MobileNetV2's first layer)", "pool.open_fmap",
                        lambda: views.feature_map_panel(values)),
    )


body()
