"""CNN Lab: an interactive explorer of convolutional neural networks. Run with `make run`."""

import streamlit as st

from ui.labs import navigation_pages

st.set_page_config(page_title="CNN Lab", page_icon=":material/grid_on:", layout="wide")
st.navigation(navigation_pages()).run()
