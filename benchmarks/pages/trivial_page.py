"""The reference page for rerun timings: one slider, nothing else."""

import streamlit as st

st.slider("Value", 0, 10, key="value")
