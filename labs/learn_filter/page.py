import streamlit as st

from labs.learn_filter import views
from labs.learn_filter.settings import LearnSettings
from ui.page import part, start_lab

start_lab(
    LearnSettings,
    "Learning a filter",
    "The course: instead of designing edge filters by hand (Sobel, Scharr), treat the nine numbers as **parameters** "
    "and let back-propagation learn them. Here a 3x3 kernel starts from random numbers and is trained so that "
    "convolving a real photo with it gives the same output as the target kernel. Watch the loss fall and the numbers "
    "converge.",
)


@part(LearnSettings)
def body() -> None:
    chosen = views.training_controls()
    go_col, stop_col = st.columns([1, 5])
    views.TRAINING.start_button("Train", go_col, key="learn.train", disabled=chosen is None)
    views.TRAINING.stop_button(stop_col, key="learn.stop")
    if views.TRAINING.requested() and chosen is not None:
        views.train(*chosen)
    views.result()


body()
