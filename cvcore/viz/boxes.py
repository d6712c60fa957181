"""Figures of boxes over an image: detections, windows, grids and the IoU of two boxes."""

import numpy as np
import plotly.graph_objects as go

from cvcore.viz.maps import data_uri

__all__ = ["BoxStyle", "boxes_figure", "iou_figure", "COLORS"]

_NO_TEMPLATE = {"layout": {}}
# Okabe-Ito colours, told apart with every common colour-vision deficiency (removed boxes are also dashed).
COLORS = {"kept": "#009e73", "removed": "#d55e00", "picked": "#f0e442", "candidate": "#0072b2", "below": "#999999",
          "truth": "#ffffff"}


class BoxStyle:
    """How one box is drawn: colour, line width, dash and an optional label."""

    def __init__(self, color: str, width: float = 2, dash: str = "solid", label: str = "", opacity: float = 1.0):
        self.color, self.width, self.dash, self.label, self.opacity = color, width, dash, label, opacity


def boxes_figure(image: np.ndarray, boxes, styles: list[BoxStyle], *, title: str, grid: int = 0,
                 height: int = 480) -> go.Figure:
    """``image`` (uint8 [H, W, 3]) with ``boxes`` ((x1, y1, x2, y2) in pixels), each drawn in its style;
    ``grid`` > 0 draws an S x S grid over it. Labels are written at each box's top-left corner."""
    h, w = image.shape[:2]
    shapes, notes = [], []
    for (x1, y1, x2, y2), style in zip(boxes, styles, strict=False):
        shapes.append({"type": "rect", "x0": x1, "y0": y1, "x1": x2, "y1": y2, "opacity": style.opacity,
                       "line": {"color": style.color, "width": style.width, "dash": style.dash}})
        if style.label:
            notes.append({"x": x1, "y": y1, "text": style.label, "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                          "font": {"color": "black", "size": 11}, "bgcolor": style.color, "opacity": style.opacity})
    for i in range(1, grid):
        shapes.append({"type": "line", "x0": i * w / grid, "x1": i * w / grid, "y0": 0, "y1": h,
                       "line": {"color": "white", "width": 1, "dash": "dot"}})
        shapes.append({"type": "line", "y0": i * h / grid, "y1": i * h / grid, "x0": 0, "x1": w,
                       "line": {"color": "white", "width": 1, "dash": "dot"}})
    scale = height / h
    return go.Figure(
        data=[go.Image(source=data_uri(image), hoverinfo="skip")],
        layout={"template": _NO_TEMPLATE, "title": {"text": title}, "height": height + 60, "width": int(w * scale) + 40,
                "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "shapes": shapes, "annotations": notes,
                "xaxis": {"visible": False, "range": [0, w]}, "yaxis": {"visible": False, "range": [h, 0], "scaleanchor": "x"}},
    )


def iou_figure(a, b, parts, *, size: float, title: str) -> go.Figure:
    """Two boxes on a size x size canvas, the intersection filled, with axes in the boxes' units."""
    shapes = [{"type": "rect", "x0": a[0], "y0": a[1], "x1": a[2], "y1": a[3], "line": {"color": "#0072b2", "width": 3},
               "fillcolor": "rgba(0,114,178,0.15)"},
              {"type": "rect", "x0": b[0], "y0": b[1], "x1": b[2], "y1": b[3], "line": {"color": "#d55e00", "width": 3},
               "fillcolor": "rgba(213,94,0,0.15)"}]
    if parts.intersection is not None:
        x1, y1, x2, y2 = parts.intersection
        shapes.append({"type": "rect", "x0": x1, "y0": y1, "x1": x2, "y1": y2, "line": {"width": 0},
                       "fillcolor": "rgba(120,60,160,0.55)"})
    notes = [{"x": a[0], "y": a[1], "text": "A", "showarrow": False, "xanchor": "left", "yanchor": "top",
              "font": {"color": "#0072b2", "size": 16}},
             {"x": b[0], "y": b[1], "text": "B", "showarrow": False, "xanchor": "left", "yanchor": "top",
              "font": {"color": "#d55e00", "size": 16}}]
    return go.Figure(
        data=[go.Scatter(x=[0, size], y=[0, size], mode="markers", marker={"opacity": 0}, hoverinfo="skip")],
        layout={"template": _NO_TEMPLATE, "title": {"text": title}, "height": 460, "width": 460, "shapes": shapes,
                "annotations": notes, "margin": {"l": 40, "r": 10, "t": 50, "b": 40}, "showlegend": False,
                "xaxis": {"range": [0, size], "dtick": 1, "title": {"text": "x"}, "gridcolor": "#ddd"},
                "yaxis": {"range": [size, 0], "dtick": 1, "title": {"text": "y (down)"}, "gridcolor": "#ddd",
                          "scaleanchor": "x"}},
    )
