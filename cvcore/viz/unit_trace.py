"""Figures for one traced output value of a real network (``cvcore.inside.unit_trace``): the stage thumbnails of the
whole-network overview, a channel's map whose cells can be clicked, and the window, weights and products of one
input channel as number grids (the *Convolution over volumes* step for a real layer)."""

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from cvcore.errors import InvalidParameter
from cvcore.inside.unit_trace import CONTEXT, UnitTrace
from cvcore.viz.conv import WINDOW_COLOR
from cvcore.viz.grids import grid_heatmap, outline_cells
from cvcore.viz.maps import colorize, data_uri, mosaic

__all__ = ["thumbnail", "cell_picker_figure", "maps_figure", "window_figures"]

_NO_TEMPLATE = {"layout": {}}


def thumbnail(values: torch.Tensor, size: int = 64, colormap: str = "viridis") -> np.ndarray:
    """A map (Tensor[H, W]) scaled to its own range, coloured and enlarged without smoothing: uint8 [size, size, 3].

    >>> thumbnail(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), size=4)[:, :, 0].shape
    (4, 4)
    """
    v = values.detach().float().cpu()
    if v.dim() != 2 or v.numel() == 0:
        raise InvalidParameter(f"values must be a map Tensor[H, W], got shape {tuple(v.shape)}")
    low, high = float(v.min()), float(v.max())
    v = (v - low) / (high - low) if high > low else torch.zeros_like(v)
    big = F.interpolate(v[None, None], size=(size, size), mode="nearest")[0, 0]
    return colorize(big, colormap)


def cell_picker_figure(values: torch.Tensor, *, title: str, selected: tuple[int, int] | None = None,
                       colormap: str = "viridis", px: int = 360) -> go.Figure:
    """A channel's map (Tensor[H, W]) as a picture with one invisible point per cell at (x=column, y=row): a click
    on a cell selects that point; ``selected`` is framed. Built from plain dicts, unvalidated (a 112x112 map has
    12,544 points, which plotly's validation takes most of a second over). Plotly.js draws only one of the points
    (``marker.maxdisplayed``): hover and click still find every cell from the data, but a chart of 12,544 drawn
    markers took over a second to draw in the browser and one marker a few milliseconds."""
    v = values.detach().float().cpu()
    h, w = v.shape
    low, high = float(v.min()), float(v.max())
    scale = max(1, px // max(h, w))
    small = colorize((v - low) / (high - low) if high > low else torch.zeros_like(v), colormap)  # [H, W, 3]
    picture = np.ascontiguousarray(small.repeat(scale, axis=0).repeat(scale, axis=1))  # each cell scale x scale
    data = [{"type": "image", "source": data_uri(picture), "x0": -0.5 + 0.5 / scale, "dx": 1 / scale,
             "y0": -0.5 + 0.5 / scale, "dy": 1 / scale, "hoverinfo": "skip"},
            {"type": "scatter", "x": list(range(w)) * h, "y": [r for r in range(h) for _ in range(w)],
             "mode": "markers", "marker": {"size": max(scale * 0.9, 3), "symbol": "square", "opacity": 0.01,
                                           "color": "white", "maxdisplayed": 1},
             "hovertemplate": "row %{y}, column %{x}<extra></extra>"}]
    if selected is not None:
        r, c = selected
        data.append({"type": "scatter", "x": [c - 0.5, c + 0.5, c + 0.5, c - 0.5, c - 0.5],
                     "y": [r - 0.5, r - 0.5, r + 0.5, r + 0.5, r - 0.5], "mode": "lines", "hoverinfo": "skip",
                     "line": {"color": "#ff2b2b", "width": 3}})
    return go.Figure(data=data, layout={
        "template": _NO_TEMPLATE, "title": {"text": title}, "height": h * scale + 70, "width": w * scale + 20,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "clickmode": "event+select", "dragmode": False,
        "showlegend": False, "xaxis": {"visible": False, "range": [-0.5, w - 0.5]},
        "yaxis": {"visible": False, "range": [h - 0.5, -0.5], "scaleanchor": "x"}}, _validate=False)


def maps_figure(maps: torch.Tensor, labels: list[int], *, title: str, cols: int = 16, tile: int = 40,
                colormap: str = "viridis") -> go.Figure:
    """Maps (Tensor[N, H, W]) side by side as one picture; a click on a tile selects the point whose
    ``customdata`` is its channel (``labels``). The same picture as ``cvcore.viz.maps.mosaic_figure``, built
    unvalidated from plain dicts, since the whole-network view redraws it on every click."""
    picture = mosaic(maps, cols=cols, colormap=colormap, tile=tile)
    step = tile + 2
    height, width = picture.shape[:2]
    return go.Figure(data=[
        {"type": "image", "source": data_uri(picture), "hoverinfo": "skip"},
        {"type": "scatter", "x": [(i % cols) * step + tile / 2 for i in range(len(labels))],
         "y": [(i // cols) * step + tile / 2 for i in range(len(labels))], "mode": "markers", "customdata": labels,
         "marker": {"size": tile * 0.9, "symbol": "square", "opacity": 0.01, "color": "white"},
         "hovertemplate": "channel %{customdata}<extra></extra>"}], layout={
        "template": _NO_TEMPLATE, "title": {"text": title}, "height": int(height * 1.02) + 70, "width": width + 40,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "clickmode": "event+select", "dragmode": False,
        "showlegend": False, "xaxis": {"visible": False, "range": [-1, width]},
        "yaxis": {"visible": False, "range": [height, -1], "scaleanchor": "x"}}, _validate=False)


def window_figures(trace: UnitTrace, position: int, *, input_name: str = "input") -> tuple[go.Figure, go.Figure, go.Figure]:
    """For the input channel ``trace.channels[position]``: (its activations around the window, with the window
    framed and zeros where the padding is; the filter's weights for it; the products), as number grids."""
    if not 0 <= position < len(trace.channels):
        raise InvalidParameter(f"position must be between 0 and {len(trace.channels) - 1}, got {position}")
    channel = trace.channels[position]
    top, left = trace.rows[0] - CONTEXT, trace.cols[0] - CONTEXT
    frame = outline_cells([(r - top, c - left) for r in trace.rows for c in trace.cols], color=WINDOW_COLOR,
                          row_offset=top, col_offset=left)
    inputs = grid_heatmap(trace.context[position], title=f"{input_name}, channel {channel}: the window", row_offset=top,
                          col_offset=left, overlays=[frame])
    weights = grid_heatmap(trace.weights[position], title=f"Filter {trace.channel}, slice for channel {channel}",
                           colors="signed", zmid=0.0)
    products = grid_heatmap(trace.products[position], title=f"Products (sum {trace.channel_sums[position]:.4f})",
                            colors="signed", zmid=0.0)
    return inputs, weights, products
