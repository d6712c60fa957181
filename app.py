"""CNN Lab: an interactive explorer of convolutional neural networks. Run with `make run`."""

import streamlit as st

from labs import PAGE_CONFIG, navigation_pages
from ui import warmup

st.set_page_config(**PAGE_CONFIG)
try:
    st.navigation(navigation_pages()).run()
finally:
    # A served app: the other labs' imports and MobileNetV2 load in the background once the first page is drawn,
    # so that they neither hold up that page nor wait for a learner's click.
    if not st.config.get_option("global.appTest"):
        warmup.start()
