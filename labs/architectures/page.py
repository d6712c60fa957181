import streamlit as st

from labs.architectures import views as lab
from ui import state
from ui.page import start_lab

NS = start_lab(
    lab,
    "Architectures",
    "The course's case studies, as real PyTorch modules: pick a network and see every layer's output shape, "
    "activation size, parameters and multiply-adds, counted on the module itself. Watch n_H and n_W shrink while "
    "n_C grows, and see where the parameters (the fully connected layers, in old networks) and the compute (the "
    "convolutions) are.",
)
lab.network()
st.subheader("The classic networks side by side")
lab.comparison()
st.subheader("Why convolutions?")
lab.why_convolutions()
lab.focus_views()
state.sync(NS, lab.DEFAULTS)
