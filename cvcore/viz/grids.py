"""A number grid drawn as a heatmap with its values written in the cells."""

import math
import re

import plotly.graph_objects as go
import torch

from cvcore.conv import format_number
from cvcore.errors import InvalidParameter

__all__ = ["COLORSCALES", "grid_heatmap", "outline_cells", "outline_box"]

# Small grids get big cells; a padded 32x32 grid still shows three-digit numbers at 20 px.
_MIN_PX, _MAX_PX = 180, 760
# Spelled out, not named: plotly.js and plotly.py disagree on which end of "Greys" is black.
COLORSCALES = {
    "gray": [[0.0, "#000000"], [1.0, "#ffffff"]],  # like a photo: low is dark, high is bright
    "signed": [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]],  # negative blue, 0 white, positive red
}
# An empty template: the default one is large and is copied with every figure (Streamlit themes the chart anyway).
_NO_TEMPLATE = {"layout": {}}


def _cell_px(cols: int) -> int:
    return max(20, min(46, _MAX_PX // max(cols, 1)))


def grid_heatmap(
    values: torch.Tensor,
    *,
    title: str,
    text: list[list[str]] | None = None,
    hidden: torch.Tensor | None = None,
    colors: str = "gray",
    zmid: float | None = None,
    zrange: tuple[float, float] | None = None,
    row_offset: int = 0,
    col_offset: int = 0,
    overlays: tuple[dict, ...] | list[dict] = (),
    row_labels: list[str] | None = None,
    col_labels: list[str] | None = None,
) -> go.Figure:
    """A heatmap of ``values`` (Tensor[H, W]) with each cell's number (or ``text``) written in it.

    ``colors`` is "gray" (inputs, like a photo) or "signed" (kernels and outputs, 0 = white).

    ``hidden`` (bool Tensor[H, W]) blanks cells not computed yet. Axes count rows and columns
    from ``row_offset``/``col_offset`` (e.g. -p on a padded input, so the image starts at 0).
    ``row_labels``/``col_labels`` (one name per row/column) replace the numbers on an axis, e.g. class names on a
    confusion matrix. ``overlays`` are extra traces such as ``outline_cells`` frames. The figure is built in one
    constructor call: plotly validates far faster that way than through ``update_layout``.
    """
    v = values.detach().to("cpu", torch.float64)
    h, w = v.shape
    z = v.tolist()
    if text is None:
        text = [[format_number(x) if math.isfinite(x) else "" for x in row] for row in z]
    if hidden is not None:
        mask = hidden.tolist()
        z = [[None if mask[i][j] else z[i][j] for j in range(w)] for i in range(h)]
        text = [["" if mask[i][j] else text[i][j] for j in range(w)] for i in range(h)]
    z = [[x if (x is None or math.isfinite(x)) else None for x in row] for row in z]
    finite = v[torch.isfinite(v)]
    lo, hi = zrange if zrange is not None else ((float(finite.min()), float(finite.max())) if finite.numel() else (0.0, 1.0))
    if zmid is not None:
        bound = max(abs(lo - zmid), abs(hi - zmid)) or 1.0
        lo, hi = zmid - bound, zmid + bound
    longest = max((len(re.sub(r"<[^>]+>", "", t)) for row in text for t in row), default=1) if w <= 8 else 3
    cell = max(_cell_px(w), min(84, 8 * longest + 12))  # small grids widen for labels like "-0.1234"
    font = max(8, min(15, cell // 2 - 4, 2 * cell // max(longest + 1, 1)))
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": list(range(col_offset, col_offset + w)),
        "y": list(range(row_offset, row_offset + h)),
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": font},
        "colorscale": COLORSCALES[colors],
        "zmin": lo,
        "zmax": hi if hi > lo else lo + 1,
        "showscale": False,
        "hovertemplate": "row %{y}, column %{x}: %{z}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "width": max(_MIN_PX, cell * w + 70),
        "height": max(_MIN_PX, cell * h + 90),
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "plot_bgcolor": "white",
        "template": _NO_TEMPLATE,
        "meta": {"grid_cell": cell},  # the cell size in pixels, for ``grid_svg``'s picture of the same grid
        "xaxis": {"title": {"text": "column"}, "dtick": 1 if w <= 16 else 4, "showgrid": False, "zeroline": False,
                  "range": [col_offset - 0.5, col_offset + w - 0.5], "constrain": "domain"},
        "yaxis": {"title": {"text": "row"}, "dtick": 1 if h <= 16 else 4, "showgrid": False, "zeroline": False,
                  "range": [row_offset + h - 0.5, row_offset - 0.5], "scaleanchor": "x", "constrain": "domain"},
    }
    for axis, names, n in (("yaxis", row_labels, h), ("xaxis", col_labels, w)):
        if names is not None:
            if len(names) != n:
                raise InvalidParameter(f"expected {n} {'row' if axis == 'yaxis' else 'column'} labels, got {len(names)}")
            offset = row_offset if axis == "yaxis" else col_offset
            layout[axis].update(tickmode="array", tickvals=list(range(offset, offset + n)), ticktext=list(names))
    if row_labels is not None:
        layout["margin"]["l"] = 40 + 7 * max(map(len, row_labels), default=0)
        layout["width"] += layout["margin"]["l"] - 40
    # Validation is skipped for speed (a rerun per step); tests validate these figures in full.
    return go.Figure(data=[heatmap, *overlays], layout=layout, _validate=False)


def outline_cells(cells, *, color: str, row_offset: int = 0, col_offset: int = 0, width: int = 3) -> dict:
    """A line trace framing each (row, col) in ``cells`` (grid indices, before offsets)."""
    xs, ys = [], []
    for r, c in cells:
        y, x = r + row_offset, c + col_offset
        xs += [x - 0.5, x + 0.5, x + 0.5, x - 0.5, x - 0.5, None]
        ys += [y - 0.5, y - 0.5, y + 0.5, y + 0.5, y - 0.5, None]
    return {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": color, "width": width},
            "hoverinfo": "skip", "showlegend": False}


def outline_box(top: int, left: int, bottom: int, right: int, *, color: str, dash: str = "solid", width: int = 3) -> dict:
    """A line trace framing cells (top, left) to (bottom, right), inclusive, in axis units."""
    x0, x1, y0, y1 = left - 0.5, right + 0.5, top - 0.5, bottom + 0.5
    return {"type": "scatter", "x": [x0, x1, x1, x0, x0], "y": [y0, y0, y1, y1, y0], "mode": "lines",
            "line": {"color": color, "width": width, "dash": dash}, "hoverinfo": "skip", "showlegend": False}
