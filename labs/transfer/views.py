"""The Transfer-learning lab: classes from the learner's images (or built-in textures), the three freezing cases,
training live on a copy of MobileNetV2, results, Grad-CAM on validation images, a from-scratch comparison, export."""

import io
import uuid

import numpy as np
import pandas as pd
import streamlit as st
import torch
import torchvision

from cvcore import attribution, heavy, images, zoo
from cvcore.cluster import Job
from cvcore.errors import CvcoreError, WeightsUnavailable
from cvcore.networks import transfer
from cvcore.networks.training import confusion_matrix
from cvcore.viz import grid_heatmap
from cvcore.viz.maps import colour_key, overlay
from cvcore.viz.training import curves_figure
from labs.transfer.settings import TransferSettings as S
from ui import glossary
from ui.figures import show_chart
from ui.lessons import shown
from ui.live_job import LiveJob, Outcome
from ui.models import get_model, weights_notice

__all__ = ["TRAINING", "classes", "plans", "expected_time", "train", "results", "compare", "export"]

MAX_PER_CLASS = 200
_RUN, _SCRATCH = "transfer._run", "transfer._scratch"
_CHART = {"displayModeBar": False}
_BATCH = transfer.TRAIN_BATCH  # images per step when the backbone trains (what the estimate timed)
_MAX_CAMS = 5  # validation pictures with their Grad-CAM, one per class
# One job for both buttons (payload "train" or "scratch"): one run at a time, one Stop.
TRAINING = LiveJob("transfer", "Training (transfer learning)", unit="epoch", kept="the curves so far are kept")


@st.cache_resource(show_spinner=False, max_entries=32)
def _kept() -> dict:
    """Trained networks by a random token held only in their learner's session (bounded: the oldest go first)."""
    return {}


def _keep(net) -> str:
    store = _kept()
    token = uuid.uuid4().hex
    store[token] = net
    while len(store) > 32:
        store.pop(next(iter(store)))
    return token


@st.cache_data(show_spinner="Cutting texture patches ...")
def _textures(per_class: int) -> dict[str, list]:
    return transfer.texture_set(per_class)


def classes() -> dict[str, list] | None:
    """The learner's classes: name -> images (built-in textures, or uploads per class)."""
    source = S.widget("source", horizontal=True)
    if source == "textures":
        per = int(S.widget("per_class"))
        groups = _textures(per)
        cols = st.columns(len(groups))
        for col, (name, pics) in zip(cols, groups.items(), strict=False):
            col.image(np.asarray(pics[0]), caption=f"{name}: {len(pics)} patches", width="stretch")
        return groups
    n = int(S.widget("n_classes"))
    groups, cols = {}, st.columns(n)
    for i, col in enumerate(cols):
        with col:
            name = st.text_input(f"Class {i + 1}", value=f"class {i + 1}", key=f"transfer.name_{i}", max_chars=30).strip()
            files = st.file_uploader("Images", type=list(images.ACCEPTED_TYPES), accept_multiple_files=True,
                                     key=f"transfer.files_{i}", help="Photos stay in memory for this session only.") or []
            if len(files) > MAX_PER_CLASS:
                st.warning(f"{len(files)} images; the first {MAX_PER_CLASS} are used.")
            pics, bad = [], []
            for f in files[:MAX_PER_CLASS]:
                try:
                    pics.append(images.load_image(f.getvalue(), max_side=512))
                except CvcoreError:
                    bad.append(f.name[:30])
            if bad:
                st.warning(f"Left out (not readable images): {', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}")
            pics += _camera_shots(i)
            st.caption(f"{len(pics)} images")
        if name in groups:
            st.error(f"Two classes are called {name!r}; give each class its own name.")
            return None
        groups[name or f"class {i + 1}"] = pics
    return groups


_MAX_SHOTS = 50


def _take_shot(i: int) -> None:
    shot = st.session_state.get(f"transfer.camera_{i}")
    if shot is None:
        return
    try:
        image = images.load_image(shot.getvalue(), max_side=256)  # kept small: shots live in the session
    except CvcoreError:
        return
    shots = st.session_state.setdefault(f"transfer.shots_{i}", [])
    if len(shots) < _MAX_SHOTS:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=85)
        shots.append(buffer.getvalue())


def _camera_shots(i: int) -> list:
    """Photos taken with the camera for class ``i``, one per click, like Teachable Machine (kept in the session)."""
    if st.toggle("Camera", key=f"transfer.use_camera_{i}", help=f"Take up to {_MAX_SHOTS} photos for this class"):
        st.camera_input("Take a photo", key=f"transfer.camera_{i}", on_change=_take_shot, args=(i,),
                        label_visibility="collapsed")
    shots = st.session_state.get(f"transfer.shots_{i}", [])
    if shots and st.button(f"Forget {len(shots)} camera photos", key=f"transfer.forget_{i}"):
        st.session_state[f"transfer.shots_{i}"] = []
        shots = []
    return [images.load_image(data) for data in shots]


@st.cache_data(show_spinner=False, max_entries=8)
def _plan_rows(n: int) -> list[dict]:
    # What each case freezes depends on the architecture only, so the table needs no pretrained weights.
    model = torchvision.models.mobilenet_v2(weights=None)
    rows = []
    for name, case in transfer.CASES.items():
        _, plan = transfer.make_network(model, n, name)
        rows.append({"case": case.label, "frozen blocks": f"{len(plan.frozen_blocks)} of 19",
                     "trainable parameters": f"{plan.trainable:,} of {plan.total:,}", "learning rate": case.lr,
                     "name": name})
    return rows


def _plan_table(n: int) -> pd.DataFrame:
    """The cases' plans; a case's trainable count is not written while a question asks it (the chosen case's, and
    the new head's, which is all that trains in the small-data case)."""
    rows = []
    for row in _plan_rows(n):
        facts = ((_TRAINABLE,) if row["name"] == S.get("case") else ()) + ((_HEAD,) if row["name"] == "small" else ())
        rows.append({**row, "trainable parameters": shown(S.NS, facts, row["trainable parameters"])})
    return pd.DataFrame(rows).drop(columns="name")


# What cvcore.lessons.applications.transfer_questions asks: the new head's parameters, the case's trainable ones.
_HEAD, _TRAINABLE = "head_params", "trainable"

_WITHOUT_WEIGHTS = ("Training the pretrained network needs them; the table above, training **from random weights** "
                    "below and the rest of the lab still work.")


def plans(n: int) -> str:
    st.dataframe(_plan_table(n), hide_index=True)
    status = {s.entry.name: s for s in zoo.available()}["mobilenet_v2"]
    if not status.ready:
        try:
            get_model("mobilenet_v2")  # downloads it now when it can (with a progress bar), else raises why not
        except CvcoreError as exc:
            weights_notice("MobileNetV2's ImageNet weights", exc, instead=_WITHOUT_WEIGHTS)
    case = S.widget("case")
    S.widget("epochs")
    return case


@st.cache_resource(show_spinner="Timing this computer once, to tell how long training takes ...")
def _step_cost() -> transfer.StepCost:
    """``transfer.step_cost()``, with a spinner the one time it is measured in a page (usually the server's
    warm-up, ``ui/warmup.py``, has timed it already)."""
    return transfer.step_cost()


def expected_time(groups: dict, case: str, *, from_scratch: bool = False) -> None:
    """How long the next training takes, from this server's measured cost of each part of the job."""
    n_train, n_val = transfer.split_sizes([len(g) for g in groups.values()])
    if not n_train:
        return
    epochs = int(S.get("epochs"))
    seconds = transfer.expected_seconds(_step_cost(), case, n_train, n_val, epochs, from_scratch=from_scratch)
    size = (f" The network from random weights sees the same images at {transfer.SCRATCH_SIZE} x "
            f"{transfer.SCRATCH_SIZE} pixels, a quarter of the pretrained one's 224 x 224: every one of its layers "
            "trains, and at full size each epoch would take about four times as long (the default ten epochs of 100 "
            "textures: about a minute on a CPU, not four). Without pretraining a network needs far more images and "
            "epochs than these." if from_scratch else "")
    st.caption(f"Expected time: {_duration(seconds)} on this computer for {n_train} training and {n_val} validation "
               f"images, {epochs} epochs (measured on this server when it started; other users of the same computer "
               f"can slow it down).{size}")


def _duration(seconds: float) -> str:
    """'under 5 seconds', 'about 40 seconds', 'about 3 minutes' (rounded: this is an estimate).

    >>> _duration(2), _duration(41), _duration(174)
    ('under 5 seconds', 'about 40 seconds', 'about 3 minutes')
    """
    if seconds < 5:
        return "under 5 seconds"
    if seconds < 90:
        return f"about {round(seconds / 10) * 10 or 5} seconds"
    return f"about {round(seconds / 60)} minutes"


def _train_live(net, data, label: str, lr: float, store, *, case: str, then=None) -> None:
    """Train ``net`` on ``data`` as the lab's live job; ``store(history)`` keeps the curve in the session after each
    epoch. A wholly frozen backbone trains only the head, on features computed once. A network from random weights
    (``case`` "scratch") has its batch-norm statistics recomputed on the training images before each validation
    (``precise_bn``): its running averages, after a few batches, are still far from the real ones and it would give
    one class for every image. On the shared pool (``CVCORE_CLUSTER``) a worker builds and trains the same network,
    and its weights come back into ``net`` with the last epoch. ``then(outcome)``: once the run has ended."""
    epochs = int(S.get("epochs"))
    records = heavy.transfer_records(net, data, epochs=epochs, lr=lr, batch_size=_BATCH, from_scratch=case == "scratch")
    on_pool = Job.of(heavy.fine_tune, data=data, case=case, epochs=epochs, lr=lr, batch_size=_BATCH, gpu=True)
    history: list[dict] = []

    def epoch(item):  # a record from this process, or ``heavy.Trained`` from the pool
        return item.record if isinstance(item, heavy.Trained) else item

    def keep(item) -> None:
        if isinstance(item, heavy.Trained) and item.weights is not None:
            net.load_state_dict(item.weights)
        history.append(epoch(item).__dict__.copy())
        store(history)

    def draw(item, slot) -> None:
        slot.plotly_chart(curves_figure({label: history}, "acc", "Accuracy"), config=_CHART,
                          key=f"transfer_live_{len(history)}")

    TRAINING.run(records, total=epochs, step=lambda item: epoch(item).epoch, keep=keep, draw=draw,
                 text=lambda item: f"{label}: epoch {epoch(item).epoch:.0f} of {epochs}, validation accuracy "
                                   f"{epoch(item).val_acc:.0%}", job=on_pool, then=then)


def train(groups: dict, case: str) -> None:
    """Train a copy of MobileNetV2 for the chosen case, live; results go to the session (the network only when the
    run finished)."""
    entry = zoo.registry()["mobilenet_v2"]
    try:
        data = transfer.image_set(groups, entry)
        net, plan = transfer.make_network(get_model("mobilenet_v2"), len(data.classes), case)
    except WeightsUnavailable as exc:
        weights_notice("MobileNetV2's ImageNet weights", exc, instead=_WITHOUT_WEIGHTS)
        return
    except CvcoreError as exc:
        st.error(str(exc))
        return

    def store(history: list[dict]) -> None:
        st.session_state[_RUN] = {"history": history, "classes": list(data.classes), "case": case, "token": None,
                                  "n_val": len(data.val_y)}

    def finish(outcome: Outcome) -> None:
        if outcome.state == "done":
            st.session_state[_RUN]["token"] = _keep((net.eval(), data))

    _train_live(net, data, f"pretrained ({case})", transfer.CASES[case].lr, store, case=case, then=finish)


def results() -> None:
    if TRAINING.running and TRAINING.record["payload"] == "train":  # the live view above shows it until it ends
        return
    run = st.session_state.get(_RUN)
    if not run or not run["history"]:
        st.info("Press **Train**: a copy of MobileNetV2 learns your classes (the shared network is never changed).")
        return
    last = run["history"][-1]
    a, b, c = st.columns(3)
    a.metric("Validation accuracy", f"{last['val_acc']:.1%}", help=f"on {run['n_val']} images kept out of training")
    b.metric("Epochs", f"{last['epoch']:.0f}")
    c.metric("Training speed", f"{last['images_per_s']:,.0f} images/s")
    left, right = st.columns(2)
    show_chart(left, curves_figure({run["case"]: run["history"]}, "loss", "Loss"), config=_CHART, key="transfer_loss")
    show_chart(right, curves_figure({run["case"]: run["history"]}, "acc", "Accuracy"), config=_CHART, key="transfer_acc")
    kept = _kept().get(run["token"]) if run["token"] else None
    if kept is None:
        outcome = TRAINING.outcome()
        if outcome is not None and outcome.payload == "train" and outcome.stopped:  # not a later comparison
            st.warning(f"{outcome.message} Train to the end to see its confusion matrix, Grad-CAM and export.")
        else:
            st.warning("Training was stopped, or the trained network is no longer in memory: train again to see its "
                       "confusion matrix, Grad-CAM and export.")
        return
    net, data = kept
    matrix = confusion_matrix(net, data.val_x, data.val_y, len(data.classes))
    per_class = (matrix.diag().double() / matrix.sum(1).clamp(min=1)).tolist()
    left, right = st.columns([1.2, 1])
    names = list(data.classes)
    figure = grid_heatmap(matrix.double(), title="Confusion matrix", colors="gray", row_labels=names, col_labels=names)
    figure.update_layout(xaxis={"title": {"text": "predicted class"}}, yaxis={"title": {"text": "true class"}})
    show_chart(left, figure, config=_CHART, key="transfer_confusion", width="content")
    right.dataframe(pd.DataFrame({"class": data.classes, "accuracy": [f"{v:.0%}" for v in per_class]}), hide_index=True)
    glossary.markdown("**One validation image per class, the prediction, and Grad-CAM for it** (which pixels made the "
                "network decide):")
    shown = _one_per_class(data.val_y, _MAX_CAMS)
    cols = st.columns(len(shown))
    entry = zoo.registry()["mobilenet_v2"]
    mean, std = torch.tensor(entry.mean).view(3, 1, 1), torch.tensor(entry.std).view(3, 1, 1)
    device = next(net.parameters()).device  # the network trained where the engine runs; the images stay on the CPU
    for col, i in zip(cols, shown, strict=True):
        x = data.val_x[i:i + 1]
        with torch.no_grad():
            pred = int(net(x.to(device)).argmax(1))
        heat = attribution.grad_cam(net, x.to(device), pred, "features.18").cpu()
        picture = ((x[0] * std + mean).clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        col.image(overlay(picture, heat, alpha=0.5), width="stretch",
                  caption=f"true {data.classes[int(data.val_y[i])]}, predicted {data.classes[pred]}")
    st.image(colour_key(low="0: no evidence", high="1: the most", alpha=0.5), width=320,
             caption="Colour key of the Grad-CAM heatmaps")


def _one_per_class(labels: torch.Tensor, most: int) -> list[int]:
    """The index of the first image of each class in ``labels`` Tensor[N], in class order, at most ``most`` of them."""
    return [int(torch.nonzero(labels == c)[0]) for c in labels.unique().tolist()][:most]


def compare(run_now: bool) -> None:
    """The same architecture trained from random weights on the same images, against the pretrained run."""
    run = st.session_state.get(_RUN)
    if run_now and run and run["token"] in _kept():
        _, data = _kept()[run["token"]]
        data = transfer.downsized(data)  # SCRATCH_SIZE a side, so that its epochs take about a minute on a CPU
        net, _ = transfer.random_network(len(data.classes))

        def store(history: list[dict]) -> None:
            st.session_state[_SCRATCH] = {"history": history}

        _train_live(net, data, "from scratch", 1e-3, store, case="scratch")
    outcome = TRAINING.outcome()
    if outcome is not None and outcome.payload == "scratch" and outcome.stopped:
        st.warning(outcome.message)
    scratch = st.session_state.get(_SCRATCH)
    if run and scratch and scratch["history"]:
        show_chart(st, curves_figure({f"pretrained ({run['case']})": run["history"], "from scratch": scratch["history"]}, "acc",
                                "What pretraining buys: same images, same epochs"), config=_CHART, key="transfer_compare")
        st.caption(f"Validation accuracy: pretrained {run['history'][-1]['val_acc']:.0%}, from random weights "
                   f"{scratch['history'][-1]['val_acc']:.0%} (on the same images at {transfer.SCRATCH_SIZE} x "
                   f"{transfer.SCRATCH_SIZE} pixels). Before each validation, the network from random weights "
                   "has its batch-norm statistics recomputed on the training images: after only a few batches its "
                   "running averages are still far from the real ones, and it would answer one class for every image.")


def export() -> None:
    run = st.session_state.get(_RUN)
    kept = _kept().get(run["token"]) if run and run.get("token") else None
    if kept is None:
        st.caption("Train a network first: its weights and its classes can then be downloaded here.")
        return
    net, data = kept
    weights, meta = transfer.export(net, data.classes, zoo.registry()["mobilenet_v2"])
    a, b = st.columns(2)
    a.download_button("Download the weights (my_transfer.pt)", weights, file_name="my_transfer.pt",
                      mime="application/octet-stream", key="transfer_dl_pt")
    b.download_button("Download classes and preprocessing (my_transfer.json)", meta, file_name="my_transfer.json",
                      mime="application/json", key="transfer_dl_json")
    st.caption("Open both in the **Inside a trained CNN** lab (model: \"A network exported from Transfer learning\") to "
               "see its feature maps and heatmaps.")
