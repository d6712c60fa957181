"""The drawing canvas (streamlit-drawable-canvas) as the labs show it: a line above it that says where its toolbar is,
then the canvas.

The canvas sends its picture back when a stroke ends (mouse up), which reruns the fragment the canvas is in. It shows
its toolbar only while the pointer is on it, over the line above the canvas: the line says so and keeps the toolbar
off the control above.
"""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

__all__ = ["TOOLBAR_HINT", "drawing_canvas"]

TOOLBAR_HINT = "Point at the canvas for its toolbar: undo, redo, clear."


def drawing_canvas(key: str, **options):
    """The hint line, then a canvas keyed ``key`` drawn with ``options`` (``st_canvas``'s keyword arguments: pen,
    size, background, tool); returns its result, whose ``image_data`` is the picture (uint8 [H, W, 4]) or None."""
    st.caption(TOOLBAR_HINT)
    return st_canvas(return_image_data=True, key=key, **options)
