"""The Segmentation lab's canvas: coloured shapes drawn on a textured background like the training scenes', turned
into the network's input by ``cvcore.data.drawn``."""

import streamlit as st
import torch
from PIL import Image

from cvcore.data import drawn, shapes
from cvcore.errors import CvcoreError
from ui.canvas import drawing_canvas

__all__ = ["SHAPE_TOOLS", "shapes_canvas"]

SHAPE_TOOLS = {"rect": "Rectangle", "circle": "Ellipse (circle)", "polygon": "Triangle (click 3 corners, then the "
               "first again)", "freedraw": "Free pen"}
_SHAPE_SIDE = 256  # canvas pixels; two per pixel of the 128x128 scene


@st.cache_data(show_spinner=False, max_entries=16)
def _background(seed: int) -> tuple[torch.Tensor, Image.Image]:
    """A shapes-world scene with no objects (Tensor[3, 128, 128]) and the same enlarged for the canvas."""
    empty = shapes.scene(seed, max_objects=0)
    return empty.image, empty.picture().resize((_SHAPE_SIDE, _SHAPE_SIDE), Image.NEAREST)


def shapes_canvas(key: str) -> torch.Tensor | None:
    """A canvas to draw coloured shapes on a textured background like the training scenes' (the segmentation network
    never saw a flat one): Tensor[3, 128, 128] in [0, 1] like the shapes world's scenes (None, after a message,
    while nothing is drawn)."""
    tool_col, pen_col, bg_col = st.columns([2, 1, 1])
    tool = tool_col.radio("Tool", list(SHAPE_TOOLS), format_func=SHAPE_TOOLS.get, key=f"{key}_tool", horizontal=True)
    pen = pen_col.color_picker("Shape colour", "#CC3311", key=f"{key}_pen")
    seed = int(bg_col.number_input("Background", 0, 10**6, 1, key=f"{key}_bg",
                                   help="The texture of a generated scene, without its objects"))
    under, picture = _background(seed)
    result = drawing_canvas(key, fill_color=pen, stroke_width=4, stroke_color=pen, background_image=picture,
                            height=_SHAPE_SIDE, width=_SHAPE_SIDE, drawing_mode=tool)
    rgba = result.image_data
    objects = (result.json_data or {}).get("objects", [])
    if rgba is None or not objects:
        st.info("Draw shapes on the canvas: pick a tool and a colour, then drag (a triangle: click its three "
                "corners and the first one again).")
        return None
    try:
        return drawn.picture_from_rgba(rgba, under)
    except CvcoreError as exc:
        st.error(f"Could not read the drawing: {exc}")
        return None
