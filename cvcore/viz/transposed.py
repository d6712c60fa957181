"""Figures for transposed convolution: the zero-stuffed grid, and the scatter of stamped kernels."""

import plotly.graph_objects as go
import torch

from cvcore.conv.trace import format_number
from cvcore.conv.transposed import TransposeTrace
from cvcore.viz.conv import WINDOW_COLOR
from cvcore.viz.grids import grid_heatmap, outline_cells

__all__ = ["stuffed_text", "scatter_figures"]

_FADED = "<span style='color:#9a9a9a'>0</span>"


def stuffed_text(trace: TransposeTrace) -> list[list[str]]:
    """Cell labels of the grid that is convolved: input values as they are, inserted and padding zeros faded."""
    mask = trace.source_mask.tolist()
    return [[format_number(v) if mask[i][j] else _FADED for j, v in enumerate(row)]
            for i, row in enumerate(trace.input.tolist())]


def scatter_figures(trace: TransposeTrace, cell: int) -> tuple[go.Figure, go.Figure, go.Figure]:
    """(input with the current cell, the kernel scaled by it, the output summed up to this cell)."""
    h, w = trace.source.shape
    i, j = divmod(cell, w)
    fig_in = grid_heatmap(trace.source, title=f"Input {h}x{w}: cell ({i}, {j})",
                          overlays=[outline_cells([(i, j)], color=WINDOW_COLOR)])
    value = float(trace.source[i, j])
    stamp = trace.kernel * value
    fig_stamp = grid_heatmap(stamp, title=f"Kernel × {format_number(value)}", colors="signed", zmid=0.0)
    partial = trace.stamps[: cell + 1].sum(dim=0)
    landed = trace.stamps[cell] != 0
    cells = [tuple(rc) for rc in landed.nonzero().tolist()] or []
    hidden = torch.zeros_like(partial, dtype=torch.bool)
    fig_out = grid_heatmap(partial, title=f"Output {partial.shape[0]}x{partial.shape[1]} after {cell + 1} of {h * w} stamps",
                           hidden=hidden, colors="signed", zmid=0.0,
                           overlays=[outline_cells(cells, color=WINDOW_COLOR)] if cells else [])
    return fig_in, fig_stamp, fig_out
