"""Networks the learner trains in the app, reopened in other labs (the digits CNN of "Build your own CNN").

The trained weights are kept in the learner's own session as a small ``state_dict`` file (under a
megabyte for the course's network), with the layer list that rebuilds the network; nothing is
shared with other sessions except a model built from identical bytes.
"""

import hashlib
import io

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageOps

from cvcore import images, zoo
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.inside import features
from cvcore.networks import builder
from ui.settings import PERSIST

__all__ = ["NAME", "EXPORTED", "SHIPPED", "DIGIT_SOURCES", "exported_choice", "exported_head", "INPUT", "remember", "record", "entry_and_model",
           "shipped", "shipped_accuracy", "shipped_head", "digit_input", "probe", "snippet_head", "weights_file"]

NAME = "my_cnn"
EXPORTED = "exported"  # a network exported by the Transfer-learning lab, uploaded back
SHIPPED = "digits_cnn"  # the course's network trained by scripts/train_digits.py (assets/digits_cnn.pt)
DIGIT_SOURCES = ("Validation digit", "Draw", "Upload a drawing")  # where digit_input's digit comes from
INPUT = (1, 28, 28)
_KEY = "build._trained"
_PROBE = 48  # validation digits searched for a unit's strongest patches


def remember(specs: list[builder.LayerSpec], model: torch.nn.Module, val_acc: float) -> None:
    """Keep a freshly trained network for the other labs (replacing the previous one)."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    data = buffer.getvalue()
    st.session_state[_KEY] = {"layers": builder.specs_text(specs), "weights": data, "val_acc": float(val_acc),
                              "digest": hashlib.sha1(data).hexdigest()[:12]}


def record() -> dict | None:
    return st.session_state.get(_KEY)


@st.cache_resource(show_spinner=False, max_entries=8)
def _build(digest: str, layers: str, _weights: bytes) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    specs = builder.parse_specs(layers)
    model = builder.build_network(specs, INPUT)
    model.load_state_dict(torch.load(io.BytesIO(_weights), map_location="cpu", weights_only=True))
    model.eval()
    maps = features.layer_list(model, INPUT[1], INPUT[0])
    if not maps:
        raise CvcoreError("this network has no layer that outputs feature maps")
    entry = zoo.custom_entry(NAME, "Your CNN from Build your own CNN (digits)", datasets.digits(28).classes,
                             size=INPUT[1], channels=INPUT[0], cam_layer=maps[-1].name)
    return entry, model


def entry_and_model(trained: dict) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The registry-like entry and the rebuilt network (shared by every session that trained the same bytes)."""
    return _build(trained["digest"], trained["layers"], trained["weights"])


@st.cache_resource(show_spinner=False)
def _digits() -> datasets.Dataset:
    return datasets.digits(28)


@st.cache_resource(show_spinner=False)
def _shipped() -> tuple[zoo.ModelEntry, torch.nn.Module]:
    from ui.models import cached_network

    model = cached_network(SHIPPED)
    maps = features.layer_list(model, INPUT[1], INPUT[0])
    entry = zoo.custom_entry(SHIPPED, "Digits CNN shipped with the app (the course's network)",
                             datasets.digits(28).classes, size=INPUT[1], channels=INPUT[0], cam_layer=maps[-1].name)
    return entry, model


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
    canvas (``ui.canvas.watch``), updated at every stroke."""
    source = st.radio("Image", DIGIT_SOURCES, key=f"{key}_source", horizontal=True,
                      persist_state=PERSIST)
    if source == "Draw":
        from ui import canvas

        drawing = canvas.digit_canvas(f"{key}_canvas")
        if drawing is None:
            return None
        if watch is not None:
            with st.expander("Every layer and the Grad-CAM, as you draw", expanded=True):
                canvas.watch(*watch, drawing.x, prediction=False)
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
    return x, pictures, [f"digit #{i} (a {int(data.val_y[i])})" for i in range(_PROBE)]


def snippet_head(trained: dict) -> list[str]:
    """Code that rebuilds the network, loads ``my_cnn.pt`` and reads ``my_digit.png`` as ``x``."""
    definition = builder.sequential_code(builder.parse_specs(trained["layers"]), INPUT).rstrip().splitlines()
    definition = [line for line in definition if not line.startswith("print(")]
    return definition + [
        "from PIL import Image",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "",
        "model.load_state_dict(torch.load('my_cnn.pt', weights_only=True))  # the file downloaded from this panel",
        "model.eval()",
        "image = Image.open('my_digit.png').convert('L').resize((28, 28))  # light ink on black, like the training digits",
        "x = torch.tensor(list(image.getdata()), dtype=torch.float32).view(1, 1, 28, 28) / 255  # [1, 1, 28, 28] in [0, 1]",
    ]


def weights_file(trained: dict) -> bytes:
    return trained["weights"]


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


def shipped_head() -> list[str]:
    """Code that loads the shipped digits network (this project's ``cvcore`` on the path) and reads ``my_digit.png``
    as ``x``."""
    return [
        "import torch",
        "from PIL import Image",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "from cvcore import zoo  # this project's engine",
        "",
        "model = zoo.load_network('digits_cnn')  # assets/digits_cnn.pt, made by scripts/train_digits.py, in eval mode",
        "image = Image.open('my_digit.png').convert('L').resize((28, 28))  # light ink on black, like the training digits",
        "x = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).float().view(1, 1, 28, 28) / 255  # in [0, 1]",
    ]


def exported_head(sample: str | None) -> list[str]:
    """Code that rebuilds an exported network from its two files and prepares ``x`` the same way."""
    image = (f"Image.fromarray(data.{sample}()).convert('RGB')" if sample else "Image.open('your_photo.jpg').convert('RGB')")
    return [
        "import torch",
        "from PIL import Image",
        "from skimage import data",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "from cvcore.inside import features  # this project's engine",
        "from cvcore.networks import transfer",
        "",
        "entry, model = transfer.load_exported(open('my_transfer.pt', 'rb').read(), open('my_transfer.json').read())",
        f"image = {image}",
        "x = features.preprocess(image, entry)  # resize, centre crop, normalise as in the JSON file",
    ]
