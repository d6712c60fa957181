import streamlit as st

from labs.learn_filter import views as lab
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Learning a filter",
    "The course: instead of designing edge filters by hand (Sobel, Scharr), treat the nine numbers as **parameters** "
    "and let back-propagation learn them. Here a 3x3 kernel starts from random numbers and is trained so that "
    "convolving a real photo with it gives the same output as the target kernel. Watch the loss fall and the numbers "
    "converge.",
)
chosen = lab.settings()
go_col, stop_col = st.columns([1, 5])
go_col.button("Train", type="primary", disabled=chosen is None, key="learn.train", on_click=lab.request_training)
stop_col.button("Stop", key="learn.stop", help="Stops after the current step; the progress so far is kept")
if lab.training_requested() and chosen is not None:
    lab.train(*chosen)
lab.result()
state.sync(NS, lab.DEFAULTS)
