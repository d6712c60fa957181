"""Where Inside's network and image come from when they are not a registry model and a photo: a digit for a digits
network (a validation digit, a drawing on ``labs.digit_canvas`` or an uploaded picture), and a network exported by
the Transfer-learning lab, uploaded back as its two files.

The networks themselves (the one trained in Build, the shipped one) travel through ``labs.trained_models``.
"""

import hashlib

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageOps

from cvcore import images, zoo
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.networks.trained import EXPORTED
from cvcore.teach import words
from ui.settings import PERSIST

__all__ = ["DIGIT_SOURCES", "digit_input", "probe", "exported_choice"]

DIGIT_SOURCES = ("Validation digit", "Draw", "Upload a drawing")  # where digit_input's digit comes from
_PROBE = 48  # validation digits searched for a unit's strongest patches


@st.cache_resource(show_spinner=False)
def _digits() -> datasets.Dataset:
    return datasets.digits(28)


def _digit_image(index: int) -> Image.Image:
    pixels = (_digits().val_x[index, 0].numpy() * 255).round().astype(np.uint8)
    return Image.fromarray(pixels, mode="L")


def digit_input(key: str, watch: tuple[str, zoo.ModelEntry, torch.nn.Module] | None = None) -> Image.Image | None:
    """A validation digit (never seen in training) by number, a digit drawn on a canvas, or an uploaded drawing made
    to look like one. While drawing, ``watch`` (name, entry, model) shows that network's maps and Grad-CAM below the
    canvas (``labs.digit_canvas.watch``), updated at every stroke."""
    source = st.radio("Image", DIGIT_SOURCES, key=f"{key}_source", horizontal=True, persist_state=PERSIST)
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
        index = int(st.number_input(f"Digit number (0 to {count - 1})", 0, count - 1, key=f"{key}_index",
                                    persist_state=PERSIST))
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
