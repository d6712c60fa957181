import streamlit as st

from cvcore.lessons import TERMS
from labs import lab_page
from ui.page import setup

setup()

st.title("Glossary")
st.markdown("The course's terms in a sentence each, with the lab that shows them.")

# The search travels in the link (/glossary?term=IoU): a widget of its own page, so Streamlit's binding fits.
query = st.text_input("Find a term", key="term", placeholder="e.g. stride, IoU, Gram", bind="query-params")
shown = [t for t in TERMS if query.strip().lower() in (t.name + " " + t.definition).lower()]
if not shown:
    st.info(f"No term matches “{query.strip()}”.")
for term in shown:
    with st.container(border=True):
        st.subheader(term.name, anchor=term.anchor)  # a lab's mention links here: glossary#<anchor>
        st.markdown(term.definition)
        st.page_link(lab_page(term.lab), label=f"See it in: {term.lab}", icon=":material/arrow_forward:")
