"""The Build-your-own-CNN lab: the layer editor, the live shape table, training and the comparison."""

import hashlib

import pandas as pd
import streamlit as st
import torch

from cvcore.networks import builder, training
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.viz import grid_heatmap
from cvcore.viz.training import curves_figure
from ui.figures import show_chart
from ui import jobs, state, trained_models
from ui.code import code_expander

__all__ = ["NS", "DEFAULTS", "CHOICES", "LIMITS", "INPUT", "editor", "shape_table", "request", "requested", "train", "results",
           "compare"]

NS = "build"
INPUT = (1, 28, 28)
DEFAULTS = {"layers": builder.specs_text(builder.course_example()), "epochs": 5, "lr": 0.001, "batch": 64, "seed": 0,
            "compare": "batchnorm"}
CHOICES = {"compare": ["batchnorm", "residual"]}
LIMITS = {"epochs": (1, 30), "lr": (0.0001, 0.1), "batch": (8, 512), "seed": (0, 10_000)}
_COLUMNS = ["layer", "filters / units", "kernel", "stride", "padding", "dropout p"]
_RUN, _COMPARE = "build._run", "build._compare"  # small lists only: histories and a confusion matrix
_CHART = {"displayModeBar": False}


def _k(name: str) -> str:
    return state.key(NS, name)


def _reset() -> None:
    state.put(NS, "layers", DEFAULTS["layers"])


def editor() -> "list[builder.LayerSpec] | None":
    """The editable list of layers (add rows at the bottom, delete with the row menu)."""
    try:
        specs = builder.parse_specs(state.get(NS, "layers"))
    except CvcoreError as exc:
        st.error(f"The layers in the link could not be read ({exc}); showing the course's example.")
        specs = builder.course_example()
    frame = pd.DataFrame([[s.kind, s.size, s.kernel, s.stride, s.padding, s.p] for s in specs], columns=_COLUMNS)
    digest = hashlib.sha1(builder.specs_text(specs).encode()).hexdigest()[:10]
    edited = st.data_editor(
        frame, key=f"build.editor_{digest}", num_rows="dynamic", hide_index=False, height=38 + 35 * (len(frame) + 1),
        column_config={"layer": st.column_config.SelectboxColumn("layer", options=list(builder.LAYER_KINDS), required=True),
                       "dropout p": st.column_config.NumberColumn("dropout p", min_value=0.0, max_value=0.95, step=0.05)})
    st.button("Back to the course's example", key="build.reset", on_click=_reset)
    try:
        rows = edited.fillna({"filters / units": 0, "kernel": 3, "stride": 1, "padding": 0, "dropout p": 0.5})
        specs = [builder.LayerSpec(str(r["layer"]), int(r["filters / units"]), int(r["kernel"]), int(r["stride"]),
                                   int(r["padding"]), float(r["dropout p"])) for _, r in rows.iterrows() if r["layer"]]
    except (TypeError, ValueError) as exc:
        st.error(f"Every setting must be a number: {exc}")
        return None
    state.put(NS, "layers", builder.specs_text(specs))
    return specs


def shape_table(specs: "list[builder.LayerSpec]") -> bool:
    """Each layer's output shape and parameters, problems flagged on their layer; True when the network is valid."""
    checks = builder.check_network(specs, INPUT)
    rows = [{"#": c.index + 1, "layer": builder.LAYER_KINDS[c.spec.kind].split(" (")[0],
             "output shape": " x ".join(map(str, c.output_shape)) if c.output_shape else "",
             "parameters": c.params, "check": "✓" if not c.error else c.error} for c in checks]
    st.dataframe(pd.DataFrame(rows), hide_index=True, height=38 + 35 * len(rows))
    problem = next((c for c in checks if c.error), None)
    if problem is not None:
        st.error(f"Layer {problem.index + 1} ({problem.spec.kind}): {problem.error}")
        return False
    if not specs:
        st.error("The network has no layers; add at least one.")
        return False
    out = checks[-1].output_shape
    if out != (10,):
        st.error(f"The last layer gives {' x '.join(map(str, out))}; for the 10 digits it must give 10 numbers "
                 "(end with Flatten and Linear with 10 units).")
        return False
    st.markdown(f"**{sum(c.params for c in checks):,} parameters** · input 28 x 28 x 1 → 10 class scores")
    code_expander(lambda: builder.sequential_code(specs, INPUT), filename="my_cnn.py")
    return True


def request(kind: str) -> None:
    st.session_state["build._go"] = kind


def requested() -> "str | None":
    return st.session_state.pop("build._go", None)


@st.cache_resource(show_spinner=False)
def _data() -> datasets.Dataset:
    return datasets.digits(28)


def _options() -> dict:
    return {"epochs": int(state.get(NS, "epochs")), "lr": float(state.get(NS, "lr")),
            "batch_size": int(state.get(NS, "batch")), "seed": int(state.get(NS, "seed"))}


def _run(specs, label: str, bar, chart) -> "tuple[torch.nn.Module, list[dict]]":
    opts = _options()
    model = builder.build_network(specs, INPUT, seed=opts["seed"])
    history: "list[dict]" = []
    for record in jobs.limited(training.train_classifier(model, _data(), **opts), f"Training {label}"):
        history.append(record.__dict__.copy())
        bar.progress(min(record.epoch / opts["epochs"], 1.0),
                     text=f"{label}: epoch {record.epoch:.2f} of {opts['epochs']}, validation accuracy {record.val_acc:.1%}")
        chart.plotly_chart(curves_figure({label: history}, "acc", "Accuracy"), config=_CHART, key=f"build_live_{label}_{len(history)}")
        yield model, history


def train(specs: "list[builder.LayerSpec]") -> None:
    """Train the network on the digits, live; the history and the confusion matrix go to session state."""
    bar, chart = st.progress(0.0, text="Building the network ..."), st.empty()
    try:
        for model, history in _run(specs, "my CNN", bar, chart):
            st.session_state[_RUN] = {"history": history, "confusion": None}
        data = _data()
        st.session_state[_RUN]["confusion"] = training.confusion_matrix(model, data.val_x, data.val_y, 10).tolist()
        trained_models.remember(specs, model, history[-1]["val_acc"])
    except CvcoreError as exc:
        st.error(str(exc))
    finally:
        bar.empty()
        chart.empty()


def results() -> None:
    run = st.session_state.get(_RUN)
    if not run or not run["history"]:
        data = _data()
        st.info(f"Press **Train** to train this network on {len(data.train_y):,} handwritten digits and test it on "
                f"{len(data.val_y)} others it never sees during training.")
        return
    last = run["history"][-1]
    a, b, c = st.columns(3)
    a.metric("Validation accuracy", f"{last['val_acc']:.1%}")
    b.metric("Epochs", f"{last['epoch']:.2f}")
    c.metric("Training speed", f"{last['images_per_s']:,.0f} images/s")
    if trained_models.record() is not None:
        st.page_link("labs/inside_cnn/page.py", label="Look inside your trained network: feature maps, filters, heatmaps",
                     icon=":material/visibility:")
    left, right = st.columns(2)
    show_chart(left, curves_figure({"": run["history"]}, "loss", "Loss"), config=_CHART, key="build_loss")
    show_chart(right, curves_figure({"": run["history"]}, "acc", "Accuracy"), config=_CHART, key="build_acc")
    if run["confusion"] is not None:
        show_chart(st, grid_heatmap(torch.tensor(run["confusion"], dtype=torch.float64),
                                     title="Confusion matrix on the validation digits (row: true, column: predicted)",
                                     colors="gray"), config=_CHART, key="build_confusion", width="content")
    else:
        st.warning("Training was stopped before the end; the curves show how far it got.")


_VARIANTS = {"batchnorm": ("batch norm", builder.with_batchnorm), "residual": ("residual blocks", builder.with_residuals)}


def compare(specs: "list[builder.LayerSpec]", run_now: bool) -> None:
    """The same network with and without batch norm (or residual blocks), trained with the same seed."""
    what = st.radio("Compare", list(_VARIANTS), key=_k("compare"), horizontal=True,
                    format_func=lambda v: f"with and without {_VARIANTS[v][0]}")
    if run_now:
        bar, chart = st.progress(0.0), st.empty()
        histories = {}
        name, add = _VARIANTS[what]
        plain = [s for s in specs if s.kind != what]
        try:
            for label, variant in ((f"without {name}", plain), (f"with {name}", add(plain))):
                for _, history in _run(variant, label, bar, chart):
                    histories[label] = history
                    st.session_state[_COMPARE] = dict(histories)
        except CvcoreError as exc:
            st.error(str(exc))
        finally:
            bar.empty()
            chart.empty()
    histories = st.session_state.get(_COMPARE)
    if histories:
        show_chart(st, curves_figure(histories, "acc", "Same network, same seed, one change"), config=_CHART,
                        key="build_compare")
        st.caption(" · ".join(f"{label}: {h[-1]['val_acc']:.1%} validation accuracy" for label, h in histories.items()))
