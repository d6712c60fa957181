import streamlit as st

from labs.transfer import views
from labs.transfer.settings import TransferSettings
from ui import state
from ui.page import part, start_lab

start_lab(
    TransferSettings,
    "Transfer learning",
    "A network trained on ImageNet already knows edges, textures and parts. Reuse it for **your own classes**: with "
    "few images, **freeze** the whole pretrained backbone and train only a new softmax head; with more, fine-tune the "
    "later layers too; with many, fine-tune everything gently. Then compare with the same network trained from random "
    "weights on the same images.",
)


@part(TransferSettings)
def body() -> None:
    groups = views.classes()
    if groups is None:
        state.stop(TransferSettings)
    st.subheader("What to freeze")
    case = views.plans(max(2, len([g for g in groups.values() if g])))
    views.expected_time(groups, case)
    go_col, stop_col, _ = st.columns([1, 1, 4])
    views.TRAINING.start_button("Train", go_col, key="transfer_go", payload="train")
    views.TRAINING.stop_button(stop_col, key="transfer_stop_main")
    action = views.TRAINING.requested()
    if action == "train":
        views.train(groups, case)
    views.results()
    st.subheader("Pretrained or from scratch?")
    go_col, stop_col, _ = st.columns([3, 1, 2])
    views.TRAINING.start_button("Train the same network from random weights", go_col, key="transfer_scratch",
                                payload="scratch", type="secondary")
    views.TRAINING.stop_button(stop_col, key="transfer_stop_scratch")
    views.expected_time(groups, case, from_scratch=True)
    views.compare(action == "scratch")
    st.subheader("Export")
    views.export()


body()
