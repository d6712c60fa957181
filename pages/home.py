import streamlit as st

from ui.labs import LABS
from ui.page import setup

setup()

st.title("CNN Lab")
st.markdown(
    "An interactive explorer of convolutional neural networks. Each lab turns one idea of the course into "
    "something you can change and watch: the exact numbers, a check against PyTorch, and the PyTorch code "
    "that does the same. The labs follow the course's order."
)

section = None
for number, lab in enumerate(LABS, start=1):
    if lab.section != section:
        section = lab.section
        st.subheader(section)
    with st.container(border=True):
        if lab.page is not None:
            st.page_link(lab.page, label=f"{number}. {lab.title}", icon=lab.icon or None)
        else:
            st.markdown(f"**{number}. {lab.title}** · _in preparation_")
        st.caption(lab.goal)
