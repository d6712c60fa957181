import streamlit as st

from labs.architectures import views
from labs.architectures.settings import ArchSettings
from ui.page import part, start_lab

start_lab(
    ArchSettings,
    "Architectures",
    "The course's case studies, as real PyTorch modules: pick a network and see every layer's output shape, "
    "activation size, parameters and multiply-adds, counted on the module itself. Watch n_H and n_W shrink while "
    "n_C grows, and see where the parameters (the fully connected layers, in old networks) and the compute (the "
    "convolutions) are.",
)


@part(ArchSettings)
def body() -> None:
    views.network()
    st.subheader("The classic networks side by side")
    views.comparison()
    st.subheader("Why convolutions?")
    views.why_convolutions()
    views.focus_views()


body()
