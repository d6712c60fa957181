"""A digit drawn for a digits network, and what the network makes of it as it is drawn: shared by "Build your own
CNN" (its own network, or the shipped one) and "Inside a trained CNN" (the Draw source of a digits network).

The picture is turned into the network's input by ``cvcore.data.drawn`` (the steps are described there).
"""

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageDraw, ImageFont

from cvcore import attribution, zoo
from cvcore.data import drawn, strokes
from cvcore.errors import CvcoreError
from cvcore.inside import features
from cvcore.teach import words
from cvcore.viz.maps import colour_key, mosaic, overlay
from ui.canvas import drawing_canvas

__all__ = ["DIGIT_SIDE", "UNSURE", "digit_canvas", "watch"]

DIGIT_SIDE = strokes.SIDE  # canvas pixels (ten per pixel of the 28x28 digit), as the accuracy test draws them
UNSURE = 0.6  # a top probability below this is flagged as a guess
_MAX_MAPS = 32  # maps shown per layer (the first ones)


def digit_canvas(key: str) -> drawn.DrawnDigit | None:
    """A black square to draw a digit on in white; the drawing as a ``DrawnDigit`` (None, after a message, while
    nothing is drawn). The canvas's own toolbar undoes, redoes and clears."""
    result = drawing_canvas(key, stroke_width=strokes.PEN, stroke_color="#FFFFFF", background_color="#000000",
                            height=DIGIT_SIDE, width=DIGIT_SIDE, drawing_mode="freedraw")
    rgba = result.image_data
    if rgba is None:
        st.info("Draw a digit on the black square (mouse or finger): the network answers when you lift the pen.")
        return None
    try:
        digit = drawn.digit_from_ink(drawn.ink_from_rgba(rgba))
    except CvcoreError as exc:
        st.error(f"Could not read the drawing: {exc}")
        return None
    if digit.empty:
        st.info("The canvas is empty: draw a digit, large, in the middle of the black square.")
        return None
    for sentence in digit.warnings():
        st.warning(sentence, icon=":material/draw:")
    st.caption("Cropped to the ink, scaled to fill the height of the digits' frame, centred, reduced to 8x8 and "
               "enlarged to 28x28, the format of the digits the network learned from.")
    return digit


# The labels' type, in the picture's pixels: the picture is drawn 1.3 to 1.8 times larger than it is, so a label reads
# at about 20 to 27 px, like the page's text in presenter mode (Pillow's bitmap default, 11 px, read at 14 to 20).
_FONT_PX = 15
_LABEL_PX = 22  # a line of that type above each picture


def _stacked(pictures: list[np.ndarray], labels: list[str]) -> np.ndarray:
    """Pictures (uint8 [h, w, 3]) one under the other on white, each under its label, left-aligned: one image for the
    browser to load instead of one per layer (about 0.14 s less per stroke in Chromium)."""
    font = ImageFont.load_default(size=_FONT_PX)
    width = max([p.shape[1] for p in pictures] + [int(font.getlength(label)) + 4 for label in labels])
    out = Image.new("RGB", (width, sum(p.shape[0] + _LABEL_PX for p in pictures)), "white")
    draw = ImageDraw.Draw(out)
    top = 0
    for picture, label in zip(pictures, labels, strict=True):
        draw.text((2, top + 2), label, fill=(40, 40, 40), font=font)
        out.paste(Image.fromarray(picture), (0, top + _LABEL_PX))
        top += picture.shape[0] + _LABEL_PX
    return np.asarray(out)


def _enlarged(picture: np.ndarray, factor: int) -> np.ndarray:
    return picture.repeat(factor, 0).repeat(factor, 1)


@st.cache_resource(show_spinner=False, max_entries=16)
def _layers(name: str, _model: torch.nn.Module) -> list[features.LayerInfo]:
    return features.layer_list(_model, 28, 1)


def watch(name: str, entry: zoo.ModelEntry, model: torch.nn.Module, x: torch.Tensor, *, prediction: bool = True) -> None:
    """What the digits network ``model`` (``name`` identifies it in caches) does with ``x`` (Tensor[1, 1, 28, 28]):
    its top classes (``prediction``), the Grad-CAM of the predicted class, and the feature maps of every layer."""
    x = x.to(next(model.parameters()).device)
    try:
        top = features.predict(model, x, entry.categories, k=3)
        heat = attribution.grad_cam(model, x, top[0].index, entry.cam_layer).cpu()  # [28, 28] in [0, 1]
        layers = _layers(name, model)
        maps = features.extract(model, x, [layer.name for layer in layers])
    except CvcoreError as exc:
        st.error(f"The network cannot read this drawing: {exc}")
        return
    picture = np.repeat((x[0, 0].cpu().numpy() * 255).round().astype(np.uint8)[..., None], 3, axis=2)  # [28, 28, 3]
    best = top[0]
    if prediction:
        sure = "" if best.probability >= UNSURE else " (a guess: the network is not sure)"
        st.markdown(f"**The network reads {words.article(best.label)} {best.label}**, {best.probability:.0%} sure{sure}. Next: "
                    + ", ".join(f"{p.label} {p.probability:.0%}" for p in top[1:]) + ".")
        if best.probability < UNSURE:
            st.warning(f"Low confidence: {best.probability:.0%} for {best.label}. The drawing may not look like the "
                       "training digits (or is not a digit).", icon=":material/help:")
    seen, cam, bars = st.columns([1, 1, 2] if prediction else [1, 1, 0.01])
    seen.image(_enlarged(picture, 5), caption="What the network sees (28x28)", width="stretch")
    cam.image(_enlarged(overlay(picture, heat, alpha=0.55), 5), width="stretch",
              caption=f"Grad-CAM of \"{best.label}\" at layer {entry.cam_layer}: where the evidence is")
    cam.image(colour_key(low="0: none", high="1: most", alpha=0.55), width="stretch", caption="Colour key of the Grad-CAM")
    if prediction:  # bars of plain HTML: a chart would take longer to draw than the network takes to answer
        for p in top:
            bars.progress(p.probability, text=f"{p.label}: {p.probability:.1%}")
    st.markdown("**Feature maps of every layer** (each map on its own range; bright = strong)")
    pictures, names = [], []
    for layer in layers:
        act = maps[layer.name][0].float().cpu()  # [C, h, w]
        shown = min(len(act), _MAX_MAPS)
        more = f", the first {shown} of {len(act)}" if shown < len(act) else ""
        pictures.append(mosaic(act[:shown], cols=16, tile=28))
        names.append(f"{layer.label()}: {len(act)} maps of {layer.shape[1]}x{layer.shape[2]}{more}")
    st.image(_stacked(pictures, names), caption="Top to bottom: " + "; ".join(names), width="stretch")
