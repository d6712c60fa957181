"""The reference page for browser round trips: one slider whose value the script writes back."""

import streamlit as st

value = st.slider("Value", 0.0, 2.0, 0.6, step=0.01, key="value")
st.write(f"value = {value:.2f}")
