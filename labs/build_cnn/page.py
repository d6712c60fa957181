import streamlit as st

from labs.build_cnn import draw, views
from labs.build_cnn.settings import BuildSettings
from ui.lazy import lazy_expander
from ui.page import part, start_lab

start_lab(
    BuildSettings,
    "Build your own CNN",
    "Start from the course's network (conv 32 → pool → conv 64 → pool → conv 128 → flatten → dense 64 → dense 10 on "
    "28x28x1), change it layer by layer, and watch the shapes and parameters update. A setting that does not fit is "
    "flagged on its layer. Then train it right here on handwritten digits.",
)


@part(BuildSettings)
def body() -> None:
    specs = views.editor()
    valid = specs is not None and views.shape_table(specs)

    st.subheader("Train it")
    views.training_controls()
    go_col, stop_col, _ = st.columns([1, 1, 4])
    views.TRAINING.start_button("Train", go_col, key="build.train", payload="train", disabled=not valid)
    views.TRAINING.stop_button(stop_col, key="build.stop", help="Stops after the current batch; the curves so far are kept")
    action = views.TRAINING.requested()
    if action == "train" and valid:
        views.train(specs)
    views.results()
    draw.section()

    with lazy_expander("Best practices from the course, and a comparison", "build.open_best") as is_open:
        if is_open:
            st.markdown("- Organise the network into **repeated blocks** (convolutions, then pooling).\n"
                        "- **More filters as the maps get smaller.** Deep and narrow beats broad and shallow.\n"
                        "- **Residual connections** help deeper networks train (try the *residual* layer).\n"
                        "- **Batch normalization** after convolutions helps (compare below).\n"
                        "- **Separable convolutions** are cheaper in parameters and compute (try *separable*).")
            views.TRAINING.start_button("Train both", key="build.compare_go", payload="compare", disabled=not valid,
                                        type="secondary")
            views.compare(specs, action == "compare" and valid)


body()
