import streamlit as st

from ui import state
from labs.transfer import views as lab
from ui.page import start_lab

NS = start_lab(
    lab,
    "Transfer learning",
    "A network trained on ImageNet already knows edges, textures and parts. Reuse it for **your own classes**: with "
    "few images, **freeze** the whole pretrained backbone and train only a new softmax head; with more, fine-tune the "
    "later layers too; with many, fine-tune everything gently. Then compare with the same network trained from random "
    "weights on the same images.",
)

groups = lab.classes()
if groups is None:
    state.stop(NS, lab.DEFAULTS)
st.subheader("What to freeze")
case = lab.plans(max(2, len([g for g in groups.values() if g])))
st.button("Train", type="primary", key="transfer_go", on_click=lambda: st.session_state.update({"transfer._go": True}))
if st.session_state.pop("transfer._go", False):
    lab.train(groups, case)
lab.results()
st.subheader("Pretrained or from scratch?")
st.button("Train the same network from random weights", key="transfer_scratch",
          on_click=lambda: st.session_state.update({"transfer._scratch_go": True}))
lab.compare(st.session_state.pop("transfer._scratch_go", False))
st.subheader("Export")
lab.export()
state.sync(NS, lab.DEFAULTS)
