import streamlit as st

from labs.dimensions import views
from labs.dimensions.settings import DimsSettings
from ui.page import part, start_lab

start_lab(
    DimsSettings,
    "Dilated, 1-D and 3-D convolutions",
    "The same sliding-window idea works beyond 2-D images. **Dilation** spreads a kernel's taps apart to see further "
    "at the same cost. **1-D** convolution slides along a signal (a heartbeat, a sound); **3-D** convolution slides "
    "through a volume (a CT scan, a video), and the filters gain a depth of their own.",
)


@part(DimsSettings)
def body() -> None:
    shown = views.part_control()
    if shown == "dilation":
        views.dilation_part()
    elif shown == "1d":
        views.one_d_part()
    elif shown == "3d":
        views.three_d_part()
    else:
        st.info("Pick a part above.")


body()
