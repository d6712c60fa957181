"""The Build-your-own-CNN lab: the layer editor, the live shape table, training and the comparison."""

import pandas as pd
import streamlit as st
import torch

from cvcore import heavy
from cvcore.cluster import Job
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.networks import builder, training
from cvcore.viz import grid_heatmap
from cvcore.viz.training import curves_figure
from labs import lab_settings, page_file, trained_models
from labs.build_cnn.settings import COMPARISONS
from labs.build_cnn.settings import BuildSettings as S
from ui.code import code_expander
from ui.figures import show_chart
from ui.lessons import awaited
from ui.live_job import LiveJob, Outcome

__all__ = ["INPUT", "TRAINING", "editor", "shape_table", "training_controls", "train", "results", "compare"]

INPUT = heavy.INPUT  # the digits: 1 x 28 x 28
_COLUMNS = ["layer", "filters / units", "kernel", "stride", "padding", "dropout p"]
_RUN, _COMPARE = "build._run", "build._compare"  # small lists only: histories and a confusion matrix
_CHART = {"displayModeBar": False}

# One job for both buttons (payload "train" or "compare"): one run at a time, one Stop.
TRAINING = LiveJob("build", "Training your CNN", unit="epoch", kept="the curves so far are kept")


def _reset() -> None:
    S.put("layers", S.field("layers").default)


# The editor's columns, each with the ``LayerSpec`` field it edits; a cell is blank where the layer has no such setting.
_FIELD_OF = {"filters / units": "size", "kernel": "kernel", "stride": "stride", "padding": "padding", "dropout p": "p"}
_INTEGERS = ["filters / units", "kernel", "stride", "padding"]
_EDITOR = "build._editor"  # {"version", "base": the layers the editor opened on, "last": the layers it last gave}


def _frame(specs: list[builder.LayerSpec]) -> pd.DataFrame:
    """One row per layer; only the settings that apply to its kind are filled in."""
    rows = [[s.kind] + [getattr(s, field) if field in builder.LAYER_FIELDS[s.kind] else None
                        for field in _FIELD_OF.values()] for s in specs]
    return pd.DataFrame(rows, columns=_COLUMNS).astype({**dict.fromkeys(_INTEGERS, "Int64"), "dropout p": "float64"})


def _spec(index: int, row: pd.Series) -> builder.LayerSpec:
    """The layer of one edited row; a setting its kind needs must be filled in (the ValueError says which)."""
    kind = str(row["layer"])
    values = {}
    for column, field in _FIELD_OF.items():
        if field not in builder.LAYER_FIELDS.get(kind, ()):
            continue
        if pd.isna(row[column]):
            raise ValueError(f"Layer {index + 1} ({kind}) needs a value in its \"{column}\" cell.")
        try:
            values[field] = float(row[column]) if field == "p" else int(row[column])
        except (TypeError, ValueError):
            raise ValueError(f"Layer {index + 1} ({kind}): \"{column}\" must be a number, got {row[column]!r}.") from None
    return builder.LayerSpec(kind, **values)


def _opened_on(text: str) -> dict:
    """The editor's state: kept while the layers are the ones it last gave; opened afresh (a new key, so no edits
    carried over) when they changed elsewhere: the reset button, a link, a lesson step."""
    state = st.session_state.get(_EDITOR)
    if state is not None and text == state["last"]:
        return state
    try:
        base = builder.specs_text(builder.parse_specs(text))
    except CvcoreError as exc:
        st.error(f"The layers in the link could not be read ({exc}); showing the course's example.")
        base = builder.specs_text(builder.course_example())
    state = {"version": state["version"] + 1 if state else 0, "base": base, "last": text}
    st.session_state[_EDITOR] = state
    return state


def editor() -> list[builder.LayerSpec] | None:
    """The editable list of layers (add rows at the bottom, delete with the row menu).

    The editor keeps one key and one starting table while the learner edits it: Streamlit keeps the edits as changes
    to that table, so every edit lands, however many come in a row."""
    state = _opened_on(S.get("layers"))
    frame = _frame(builder.parse_specs(state["base"]))
    integer = {"min_value": 0, "step": 1, "format": "%d"}
    edited = st.data_editor(
        frame, key=f"build.editor_{state['version']}", num_rows="dynamic", hide_index=False,
        height=38 + 35 * (len(frame) + 1), placeholder="",  # a setting the layer does not have: an empty cell
        column_config={"layer": st.column_config.SelectboxColumn("layer", options=list(builder.LAYER_KINDS), required=True),
                       **{c: st.column_config.NumberColumn(c, **integer) for c in _INTEGERS},
                       "dropout p": st.column_config.NumberColumn("dropout p", min_value=0.0, max_value=0.95, step=0.05,
                                                                  format="%.2f")})
    st.button("Back to the course's example", key="build.reset", on_click=_reset)
    try:
        specs = [_spec(i, row) for i, (_, row) in enumerate(edited[edited["layer"].notna()].iterrows())]
    except ValueError as exc:
        st.error(str(exc))
        return None
    st.session_state[_EDITOR] = {**state, "last": builder.specs_text(specs)}
    S.put("layers", builder.specs_text(specs))
    return specs


def _check_cell(check: builder.LayerCheck, problem: builder.LayerCheck | None) -> str:
    """The table's mark: the layer with the problem points to the message above (a cell would cut it off)."""
    if check is problem:
        return "✗ see the message above"
    return "✓" if not check.error else "not checked"


def shape_table(specs: list[builder.LayerSpec]) -> bool:
    """Each layer's output shape and parameters; the first problem in full above the table, its layer marked in it.
    True when the network is valid."""
    checks = builder.check_network(specs, INPUT)
    problem = next((c for c in checks if c.error), None)
    if problem is not None:  # in full, where it is not cut off by a table cell
        st.error(problem.message or problem.error)
    # The first convolution is what the lab's questions ask about (cvcore.lessons.networks.build_questions): its
    # shape and parameters are not written while they are predicted (an empty cell).
    first = next((c.index for c in checks if c.spec.kind == "conv"), None)
    hide_side = first is not None and awaited(S.NS, "out_side") is not None
    hide_params = first is not None and awaited(S.NS, "params") is not None
    rows = [{"#": c.index + 1, "layer": builder.LAYER_KINDS[c.spec.kind].split(" (")[0],
             "output shape": "?" if hide_side and c.index == first else
             " x ".join(map(str, c.output_shape)) if c.output_shape else "",
             "parameters": None if hide_params and c.index == first else c.params,
             "check": _check_cell(c, problem)} for c in checks]
    st.dataframe(pd.DataFrame(rows), hide_index=True, height=38 + 35 * len(rows),
                 column_config={"parameters": st.column_config.NumberColumn("parameters", format="localized")})
    if problem is not None:
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


def training_controls() -> None:
    """Epochs, learning rate, batch size and seed, side by side."""
    epochs_col, lr_col, batch_col, seed_col = st.columns(4)
    S.widget("epochs", epochs_col)
    S.widget("lr", lr_col, format="%.4f")
    S.widget("batch", batch_col)
    S.widget("seed", seed_col)


@st.cache_resource(show_spinner=False)
def _data() -> datasets.Dataset:
    return datasets.digits(28)


def _train_live(networks: dict[str, list[builder.LayerSpec]], store, then=None) -> None:
    """Train ``networks`` one after the other as one live job; ``store(histories)`` keeps the curves in the session
    after each record. When the job has ended, ``then(outcome, models)`` gets how it ended and the models (trained as
    far as it got)."""
    opts = S.current().train_kwargs
    histories: dict[str, list[dict]] = {}
    models: dict[str, torch.nn.Module] = {}

    def keep(progress: heavy.NetworkProgress) -> None:
        models[progress.label] = progress.model
        histories.setdefault(progress.label, []).append(progress.record.__dict__.copy())
        store(histories)

    def draw(progress: heavy.NetworkProgress, slot) -> None:
        slot.plotly_chart(curves_figure(histories, "acc", "Accuracy"), config=_CHART,
                          key=f"build_live_{sum(map(len, histories.values()))}")

    def text(progress: heavy.NetworkProgress) -> str:
        return (f"{progress.label}: epoch {round(progress.record.epoch, 2):g} of {opts['epochs']}, validation accuracy "
                f"{progress.record.val_acc:.1%}")

    TRAINING.run(heavy.train_networks(networks, opts, data=_data()), total=opts["epochs"] * len(networks),
                 step=lambda progress: progress.epochs, text=text, keep=keep, draw=draw,
                 job=Job.of(heavy.train_networks, networks=networks, opts=opts),
                 then=None if then is None else lambda outcome: then(outcome, models))


def train(specs: list[builder.LayerSpec]) -> None:
    """Train the network on the digits, live; the history and the confusion matrix go to session state."""

    def store(histories: dict[str, list[dict]]) -> None:
        st.session_state[_RUN] = {"history": histories["my CNN"], "confusion": None}

    def finish(outcome: Outcome, models: dict[str, torch.nn.Module]) -> None:
        if outcome.state != "done":
            return
        data, model, run = _data(), models["my CNN"], st.session_state[_RUN]
        run["confusion"] = training.confusion_matrix(model, data.val_x, data.val_y, 10).tolist()
        trained_models.remember(specs, model, run["history"][-1]["val_acc"])

    _train_live({"my CNN": specs}, store, finish)


def _look_inside() -> None:
    """Open Inside on the network just trained, looking at a validation digit.

    Inside's settings are set in the session (where it reads them) and in the link (where it seeds them from once
    Streamlit has dropped a setting whose widget was not drawn on this page)."""
    inside = lab_settings("inside_cnn")
    chosen = {"model": trained_models.NAME, "digit_source": inside.field("digit_source").default}
    for name, value in chosen.items():
        inside.put(name, value)
    st.switch_page(page_file("inside_cnn"), query_params={name: inside.field(name).encode(value)
                                                          for name, value in chosen.items()})


def results() -> None:
    if TRAINING.running and TRAINING.record["payload"] == "train":  # the live view above shows it until it ends
        return
    run = st.session_state.get(_RUN)
    if not run or not run["history"]:
        data = _data()
        st.info(f"Press **Train** to train this network on {len(data.train_y):,} handwritten digits and test it on "
                f"{len(data.val_y)} others it never sees during training.")
        return
    last = run["history"][-1]
    a, b, c = st.columns(3)
    a.metric("Validation accuracy", f"{last['val_acc']:.1%}")
    b.metric("Epochs", f"{round(last['epoch'], 2):g}")  # 5 at the end, 2.25 when stopped during the third
    c.metric("Training speed", f"{last['images_per_s']:,.0f} images/s")
    if trained_models.record() is not None and st.button(
            "Look inside your trained network: feature maps, filters, heatmaps", key="build.look_inside",
            icon=":material/visibility:", type="tertiary"):
        _look_inside()
    left, right = st.columns(2)
    show_chart(left, curves_figure({"": run["history"]}, "loss", "Loss"), config=_CHART, key="build_loss")
    show_chart(right, curves_figure({"": run["history"]}, "acc", "Accuracy"), config=_CHART, key="build_acc")
    if run["confusion"] is not None:
        show_chart(st, grid_heatmap(torch.tensor(run["confusion"], dtype=torch.float64),
                                     title="Confusion matrix on the validation digits (row: true, column: predicted)",
                                     colors="gray"), config=_CHART, key="build_confusion", width="content")
    else:
        outcome = TRAINING.outcome()
        ours = outcome is not None and outcome.payload == "train" and outcome.stopped  # not a later comparison
        st.warning(outcome.message if ours else "Training was stopped before the end; the curves show how far it got.")


_VARIANTS = {"batchnorm": builder.with_batchnorm, "residual": builder.with_residuals}


def compare(specs: list[builder.LayerSpec], run_now: bool) -> None:
    """The same network with and without batch norm (or residual blocks), trained with the same seed."""
    what = S.widget("compare", horizontal=True)
    if run_now:
        name, add = COMPARISONS[what], _VARIANTS[what]
        plain = [s for s in specs if s.kind != what]

        def store(histories: dict[str, list[dict]]) -> None:
            st.session_state[_COMPARE] = dict(histories)

        _train_live({f"without {name}": plain, f"with {name}": add(plain)}, store)
    outcome = TRAINING.outcome()
    if outcome is not None and outcome.payload == "compare" and outcome.stopped:
        st.warning(outcome.message)
    histories = st.session_state.get(_COMPARE)
    if histories:
        show_chart(st, curves_figure(histories, "acc", "Same network, same seed, one change"), config=_CHART,
                        key="build_compare")
        st.caption(" · ".join(f"{label}: {h[-1]['val_acc']:.1%} validation accuracy" for label, h in histories.items()))
