"""Figures of one pooling step: the input channel with the window, and the output so far."""

import plotly.graph_objects as go
import torch

from cvcore.conv import format_number
from cvcore.conv.pooling import PoolTrace
from cvcore.viz.conv import WINDOW_COLOR
from cvcore.viz.grids import grid_heatmap, outline_cells

__all__ = ["pool_figures"]


def pool_figures(trace: PoolTrace, step: int) -> tuple[go.Figure, go.Figure]:
    """(input, output) figures of the step's channel; max pooling's winning cell is bold."""
    s = trace.step(step)
    ph, pw = trace.padding
    channel = trace.padded[s.channel]
    text = [[format_number(v) if torch.isfinite(torch.tensor(v)) else "" for v in row] for row in channel.tolist()]
    if s.winner is not None:
        r, c = s.rows[s.winner[0]], s.cols[s.winner[1]]
        text[r][c] = f"<b>[{text[r][c]}]</b>"
    label = f" (channel {s.channel})" if trace.channels > 1 else ""
    h, w = trace.input.shape[1:]
    frame = outline_cells([(r, c) for r in s.rows for c in s.cols], color=WINDOW_COLOR, row_offset=-ph, col_offset=-pw)
    fig_in = grid_heatmap(channel, title=f"Input {h}x{w}{label}", text=text, row_offset=-ph, col_offset=-pw,
                          overlays=[frame])

    out = trace.output if trace.output.ndim == 3 else trace.output[None]
    oh, ow = trace.out_hw
    start = s.channel * oh * ow
    hidden = (torch.arange(oh * ow).reshape(oh, ow) + start) > step
    fig_out = grid_heatmap(out[s.channel], title=f"Output {oh}x{ow}{label}", hidden=hidden,
                           overlays=[outline_cells([(s.row, s.col)], color=WINDOW_COLOR)])
    return fig_in, fig_out
