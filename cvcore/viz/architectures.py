"""Figures of a network's layer table: shapes through the network, and where parameters and compute go."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cvcore.networks.architectures import LayerRow
from cvcore.viz.axes import LEGEND_ROOM, count_axis, legend_above

__all__ = ["shape_figure", "breakdown_figure"]

_SPATIAL_KINDS = ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d")


def shape_figure(rows: list[LayerRow], *, title: str) -> go.Figure:
    """n_H (bars) and n_C (line) after every convolution and pooling layer: "n_H, n_W down, n_C up"."""
    steps = [r for r in rows if r.kind in _SPATIAL_KINDS and len(r.output_shape) == 3]
    labels = [f"{i + 1}. {r.kind.replace('2d', '')}" for i, r in enumerate(steps)]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=labels, y=[r.output_shape[1] for r in steps], name="n_H = n_W", marker_color="#1f77b4",
                         hovertext=[f"{r.name}: {r.output_shape}" for r in steps]), secondary_y=False)
    fig.add_trace(go.Scatter(x=labels, y=[r.output_shape[0] for r in steps], name="n_C", mode="lines+markers",
                             line={"color": "#e4572e"}), secondary_y=True)
    fig.update_layout(title=title, height=410, margin={"t": LEGEND_ROOM, "b": 40, "l": 50, "r": 50}, legend=legend_above(),
                      xaxis={"title": "convolution and pooling layers, in order", "showticklabels": len(steps) <= 30})
    heights, channels = [r.output_shape[1] for r in steps], [r.output_shape[0] for r in steps]
    fig.update_yaxes(title_text="n_H (height = width)", secondary_y=False, **count_axis(max(heights, default=1)))
    # ticks of its own (not aligned with the left axis's, which puts them at numbers like -82 and 304), no grid
    fig.update_yaxes(title_text="n_C (channels)", secondary_y=True, showgrid=False, **count_axis(max(channels, default=1)))
    return fig


def breakdown_figure(rows: list[LayerRow]) -> go.Figure:
    """Parameters and multiply-adds per kind of layer, side by side."""
    kinds: dict[str, list[int]] = {}
    for r in rows:
        totals = kinds.setdefault(r.kind, [0, 0])
        totals[0] += r.params
        totals[1] += r.macs
    shown = [k for k, (p, m) in kinds.items() if p or m]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Parameters", "Multiply-adds"))
    fig.add_trace(go.Bar(x=[kinds[k][0] for k in shown], y=shown, orientation="h", marker_color="#1f77b4",
                         showlegend=False), 1, 1)
    fig.add_trace(go.Bar(x=[kinds[k][1] for k in shown], y=shown, orientation="h", marker_color="#e4572e",
                         showlegend=False), 1, 2)
    fig.update_xaxes(count_axis(max((kinds[k][0] for k in shown), default=1)), row=1, col=1)
    fig.update_xaxes(count_axis(max((kinds[k][1] for k in shown), default=1)), row=1, col=2)
    fig.update_layout(title="Where the parameters and the compute are, by kind of layer", height=120 + 40 * len(shown),
                      margin={"t": 70, "b": 30, "l": 10, "r": 10})
    return fig
