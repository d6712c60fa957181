import streamlit as st

from labs.build_cnn import views as lab
from ui import state
from ui.lazy import lazy_expander
from ui.page import start_lab

NS = start_lab(
    lab,
    "Build your own CNN",
    "Start from the course's network (conv 32 → pool → conv 64 → pool → conv 128 → flatten → dense 64 → dense 10 on "
    "28x28x1), change it layer by layer, and watch the shapes and parameters update. A setting that does not fit is "
    "flagged on its layer. Then train it right here on handwritten digits.",
)
specs = lab.editor()
valid = specs is not None and lab.shape_table(specs)

st.subheader("Train it")
cols = st.columns(4)
cols[0].number_input("Epochs", 1, 30, key=state.key(NS, "epochs"))
cols[1].number_input("Learning rate (Adam)", 0.0001, 0.1, key=state.key(NS, "lr"), format="%.4f")
cols[2].number_input("Batch size", 8, 512, key=state.key(NS, "batch"))
cols[3].number_input("Seed", 0, 10_000, key=state.key(NS, "seed"))
go_col, stop_col, _ = st.columns([1, 1, 4])
go_col.button("Train", type="primary", key="build.train", disabled=not valid, on_click=lab.request, args=("train",))
stop_col.button("Stop", key="build.stop", help="Stops after the current batch; the curves so far are kept")
action = lab.requested()
if action == "train" and valid:
    lab.train(specs)
lab.results()

with lazy_expander("Best practices from the course, and a comparison", "build.open_best") as is_open:
    if is_open:
        st.markdown("- Organise the network into **repeated blocks** (convolutions, then pooling).\n"
                    "- **More filters as the maps get smaller.** Deep and narrow beats broad and shallow.\n"
                    "- **Residual connections** help deeper networks train (try the *residual* layer).\n"
                    "- **Batch normalization** after convolutions helps (compare below).\n"
                    "- **Separable convolutions** are cheaper in parameters and compute (try *separable*).")
        st.button("Train both", key="build.compare_go", disabled=not valid, on_click=lab.request, args=("compare",))
        lab.compare(specs, action == "compare" and valid)
state.sync(NS, lab.DEFAULTS)
