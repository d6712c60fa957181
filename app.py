"""CNN Lab: an interactive explorer of convolutional neural networks. Run with `make run`."""

import streamlit as st

from labs import PAGE_CONFIG, navigation_pages

st.set_page_config(**PAGE_CONFIG)
st.navigation(navigation_pages()).run()
