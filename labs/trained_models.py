"""The networks that travel between labs: the digits CNN trained in "Build your own CNN", reopened in "Inside a
trained CNN" (with the one the app ships, until the learner trains one), and a network exported by "Transfer
learning", uploaded back into Inside.

What is computed lives in ``cvcore.networks.trained``; here is what a page adds. The trained network is kept in the
learner's own session as a ``TrainedRecord`` (under a megabyte for the course's network); nothing is shared with other
sessions except a model built from identical bytes, cached by their digest. ``digit_input`` is where a digits network's input comes
from in Inside: a validation digit, a drawing (``labs.digit_canvas``) or an uploaded picture.
"""

import hashlib

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageOps

from cvcore import images, zoo
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.networks import builder, trained
from cvcore.networks.trained import EXPORTED, INPUT, NAME, SHIPPED, exported_head, shipped_head, snippet_head
from cvcore.teach import words
from ui.models import cached_network

__all__ = ["NAME", "EXPORTED", "SHIPPED", "INPUT", "DIGIT_SOURCES", "remember", "record", "entry_and_model",
           "shipped", "shipped_accuracy", "digit_input", "probe", "exported_choice", "weights_file", "snippet_head",
           "shipped_head", "exported_head"]

DIGIT_SOURCES = ("Validation digit", "Draw", "Upload a drawing")  # where digit_input's digit comes from
_KEY = "build._trained"
_PROBE = 48  # validation digits searched for a unit's strongest patches


def remember(specs: list[builder.LayerSpec], model: torch.nn.Module, val_acc: float) -> None:
    """Keep a freshly trained network for the other labs (replacing the previous one)."""
    st.session_state[_KEY] = trained.record_of(specs, model, val_acc)


def record() -> trained.TrainedRecord | None:
    return st.session_state.get(_KEY)


@st.cache_resource(show_spinner=False, max_entries=8)
def _build(digest: str, layers: str, _weights: bytes) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    return trained.rebuild(layers, _weights)


def entry_and_model(saved: trained.TrainedRecord) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The registry-like entry and the rebuilt network (shared by every session that trained the same bytes)."""
    return _build(saved["digest"], saved["layers"], saved["weights"])


def weights_file(saved: trained.TrainedRecord) -> bytes:
    return saved["weights"]


@st.cache_resource(show_spinner=False)
def _digits() -> datasets.Dataset:
    return datasets.digits(28)


@st.cache_resource(show_spinner=False)
def _shipped() -> tuple[zoo.ModelEntry, torch.nn.Module]:
    model = cached_network(SHIPPED)
    return trained.shipped_entry(model), model


def shipped() -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The digits network the app ships (trained by ``scripts/train_digits.py``), with a registry-like entry.

    Raises:
        WeightsUnavailable: ``assets/digits_cnn.pt`` is missing or not the file this version ships.
    """
    return _shipped()


@st.cache_data(show_spinner=False)
def shipped_accuracy() -> float:
    """The shipped network's accuracy on the validation digits, as its training script measured it."""
    from cvcore.networks import digits_cnn

    return float(digits_cnn.saved_info()["val_acc"])


def _digit_image(index: int) -> Image.Image:
    pixels = (_digits().val_x[index, 0].numpy() * 255).round().astype(np.uint8)
    return Image.fromarray(pixels, mode="L")


def digit_input(key: str, watch: tuple[str, zoo.ModelEntry, torch.nn.Module] | None = None) -> Image.Image | None:
    """A validation digit (never seen in training) by number, a digit drawn on a canvas, or an uploaded drawing made
    to look like one. While drawing, ``watch`` (name, entry, model) shows that network's maps and Grad-CAM below the
    canvas (``labs.digit_canvas.watch``), updated at every stroke."""
    source = st.radio("Image", DIGIT_SOURCES, key=f"{key}_source", horizontal=True)
    if source == "Draw":
        from labs import digit_canvas  # the canvas component registers itself on import, in a running app only

        drawing = digit_canvas.digit_canvas(f"{key}_canvas")
        if drawing is None:
            return None
        if watch is not None:
            with st.expander("Every layer and the Grad-CAM, as you draw", expanded=True):
                digit_canvas.watch(*watch, drawing.x, prediction=False)
        pixels = (drawing.x[0, 0].numpy() * 255).round().astype(np.uint8)
        return Image.fromarray(pixels, mode="L")
    if source == "Validation digit":
        count = len(_digits().val_y)
        index = int(st.number_input(f"Digit number (0 to {count - 1})", 0, count - 1, key=f"{key}_index"))
        st.caption(f"Its label: {int(_digits().val_y[index])}")
        return _digit_image(index)
    upload = st.file_uploader("Upload a drawing of a digit", type=list(images.ACCEPTED_TYPES), key=f"{key}_upload")
    if upload is None:
        st.info("No drawing yet: upload one, or pick a validation digit.")
        return None
    try:
        gray = images.load_image(upload.getvalue(), max_side=512).convert("L")
    except CvcoreError as exc:
        st.error(f"Could not use this image: {exc}")
        return None
    if np.asarray(gray).mean() > 127:  # dark ink on white paper: the digits are light ink on black
        gray = ImageOps.invert(gray)
    st.caption("Made grayscale, 28x28, with light ink on a dark background like the training digits.")
    return gray


@st.cache_resource(show_spinner=False)
def probe() -> tuple[torch.Tensor, list[np.ndarray], list[str]]:
    """The first validation digits as (x [N, 1, 28, 28], RGB pictures, names)."""
    data = _digits()
    x = data.val_x[:_PROBE]
    pictures = [np.asarray(_digit_image(i).convert("RGB")) for i in range(_PROBE)]
    return x, pictures, [f"digit #{i} ({words.article(int(data.val_y[i]))} {int(data.val_y[i])})" for i in range(_PROBE)]


@st.cache_resource(show_spinner="Rebuilding the exported network ...", max_entries=8)
def _exported(digest: str, _weights: bytes, meta: str):
    from cvcore.networks import transfer

    return transfer.load_exported(_weights, meta)


def exported_choice() -> tuple[str, zoo.ModelEntry, torch.nn.Module] | None:
    """Upload the two files the Transfer-learning lab exports; the rebuilt network, or None after a message."""
    a, b = st.columns(2)
    weights = a.file_uploader("Weights (.pt)", type=["pt"], key="inside.exported_pt")
    meta = b.file_uploader("Classes and preprocessing (.json)", type=["json"], key="inside.exported_json")
    if weights is None or meta is None:
        st.info("Upload both files downloaded from the **Transfer learning** lab's Export section.")
        return None
    data = weights.getvalue()
    try:
        entry, model = _exported(hashlib.sha1(data).hexdigest()[:12], data, meta.getvalue().decode("utf-8", "replace"))
    except CvcoreError as exc:
        st.error(str(exc))
        return None
    return f"{EXPORTED}@{hashlib.sha1(data).hexdigest()[:12]}", entry, model
