"""Figures for the cost calculator and for which input channels each output channel sees."""

import plotly.graph_objects as go
import torch

from cvcore.conv.cost import ConvCost
from cvcore.viz.axes import count_axis
from cvcore.viz.grids import grid_heatmap

__all__ = ["connectivity_figure", "cost_figure"]


def connectivity_figure(out_channels: int, in_channels: int, groups: int, *, title: str) -> go.Figure:
    """A K x C grid: 1 where output channel k reads input channel c (block-diagonal for groups > 1)."""
    k = torch.arange(out_channels)[:, None] // (out_channels // groups)
    c = torch.arange(in_channels)[None, :] // (in_channels // groups)
    seen = (k == c).double()  # [K, C]
    text = [["✓" if v else "·" for v in row] for row in seen.tolist()]  # every cell says what its shade means
    fig = grid_heatmap(seen, title=title, text=text, colors="gray", zrange=(-0.6, 1.0))  # unseen: dark grey
    fig.update_layout(xaxis_title="input channel", yaxis_title="output channel")
    return fig


def cost_figure(costs: dict[str, ConvCost]) -> go.Figure:
    """Multiplications of each design as horizontal bars, with the numbers written on them."""
    names = list(costs)
    values = [costs[n].multiplications for n in names]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h", text=[f"{v:,}" for v in values],
                           textposition="auto", marker_color="#e4572e"))
    fig.update_layout(title="Multiplications per image", xaxis_title="multiplications", yaxis_title="design",
                      xaxis=count_axis(max(values, default=1)), yaxis={"autorange": "reversed"},
                      height=90 + 50 * len(names), margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return fig
