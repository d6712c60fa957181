import streamlit as st

from cvcore import lessons
from labs import LABS, glossary_page
from ui.lessons import LESSON_PARAM
from ui.page import setup

setup()

st.title("CNN Lab")
st.markdown(
    "An interactive explorer of convolutional neural networks. Each lab turns one idea of the course into "
    "something you can change and watch: the exact numbers, a check against PyTorch, and the PyTorch code "
    "that does the same. The labs follow the course's order."
)
st.markdown(
    "**The guided path.** Take the labs from top to bottom. *Start lesson* opens a lab at the first step of its "
    "lesson: each step sets the controls and says what to notice. *Predict, then reveal* asks questions about "
    "what is on screen before showing the answer. *Presenter mode* (a toggle in every lab) enlarges everything "
    "for a projector, and the address bar always holds a link to exactly what you see."
)
st.page_link(glossary_page(), label="Glossary: the course's terms, each linked to its lab", icon=":material/menu_book:")

section = None
for number, lab in enumerate(LABS, start=1):
    if lab.section != section:
        section = lab.section
        st.subheader(section)
    with st.container(border=True):
        title_col, start_col = st.columns([4, 1], vertical_alignment="center")
        title_col.page_link(lab.page, label=f"{number}. {lab.title}", icon=lab.icon or None)
        lesson = lessons.lessons_of_lab(lab.title)
        if lesson is not None:
            # a short label: "Start lesson (5 steps)" did not fit the column at 1280 px; the steps are in its help
            start_col.page_link(lab.page, label="Start lesson", icon=":material/play_lesson:",
                                help=f"{len(lesson.steps)} steps, each setting the controls and saying what to notice",
                                query_params={LESSON_PARAM: "1"})
        st.caption(lab.goal)
