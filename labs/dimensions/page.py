import streamlit as st

from labs.dimensions import views as lab
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Dilated, 1-D and 3-D convolutions",
    "The same sliding-window idea works beyond 2-D images. **Dilation** spreads a kernel's taps apart to see further "
    "at the same cost. **1-D** convolution slides along a signal (a heartbeat, a sound); **3-D** convolution slides "
    "through a volume (a CT scan, a video), and the filters gain a depth of their own.",
)
part = st.segmented_control("Part", list(lab.PARTS), key=state.key(NS, "part"), format_func=lab.PARTS.get)
if part == "dilation":
    lab.dilation_part()
elif part == "1d":
    lab.one_d_part()
elif part == "3d":
    lab.three_d_part()
else:
    st.info("Pick a part above.")
state.sync(NS, lab.DEFAULTS)
