"""CNN Lab: an interactive explorer of convolutional neural networks. Run with `make run`."""

import streamlit as st

from labs import PAGE_CONFIG, navigation_pages
from ui import warmup

if not st.config.get_option("global.appTest"):  # a served app: imports and MobileNetV2 load in the background
    warmup.start()
st.set_page_config(**PAGE_CONFIG)
st.navigation(navigation_pages()).run()
