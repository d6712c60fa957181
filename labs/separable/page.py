import streamlit as st

from labs.separable import views as lab
from labs.separable.settings import SeparableSettings
from ui.page import part, start_lab

start_lab(
    SeparableSettings,
    "1x1, depthwise and separable convolutions",
    "A standard filter looks at **all** input channels at once. A **1x1 (pointwise)** convolution mixes channels "
    "at each pixel without looking at neighbours; a **depthwise** convolution looks at neighbours but keeps every "
    "channel separate (one filter per channel). Chained, depthwise then pointwise, they make a **depthwise-"
    "separable** layer (MobileNet's trick) that costs a fraction of a standard one. **Grouped** convolution is the "
    "general case: g = 1 is standard, g = n_C is depthwise.",
)


@part(SeparableSettings)
def body() -> None:
    settings_col, view_col = st.columns([1, 2], gap="large")
    with settings_col:
        values = lab.layer_settings()
    with view_col:
        lab.layer_view(values)

    st.subheader("The course's 1x1 example")
    lab.course_1x1()

    st.subheader("What it costs")
    st.markdown("Multiplications = n_H' · n_W' · n_C' · (f · f · n_C / g); parameters = (f · f · n_C / g + 1) · n_C'. "
                "Pick one of the course's examples or enter your own layer.")
    lab.calculator()


body()
