"""Figures for convolution over volumes: each input channel with the window, each kernel slice, each output map."""

import plotly.graph_objects as go
import torch

from cvcore.conv.volume import VolumeTrace
from cvcore.viz.conv import WINDOW_COLOR
from cvcore.viz.grids import grid_heatmap, outline_cells

__all__ = ["channel_name", "volume_figures"]


def channel_name(c: int, channels: int) -> str:
    """'R', 'G', 'B' for a 3-channel input, else 'channel c'."""
    return "RGB"[c] if channels == 3 else f"channel {c}"


def volume_figures(trace: VolumeTrace, index: int) -> tuple[list[go.Figure], list[go.Figure], list[go.Figure]]:
    """(input channels, slices of the current filter, output maps) at output number ``index``.

    Input channels that the current filter does not see (other groups) are drawn without a window.
    """
    s = trace.step(index)
    c_total = trace.input.shape[0]
    ph, pw = trace.padding
    cells = [(r, c) for r in s.rows for c in s.cols]
    inputs = []
    for c in range(c_total):
        frame = [outline_cells(cells, color=WINDOW_COLOR, row_offset=-ph, col_offset=-pw)] if c in s.channels else []
        title = f"Input {channel_name(c, c_total)}" + ("" if c in s.channels else " (not seen)")
        inputs.append(grid_heatmap(trace.padded[c], title=title, row_offset=-ph, col_offset=-pw, overlays=frame))
    kernels = [grid_heatmap(s.weights[i], title=f"Filter {s.filter + 1}, slice {channel_name(c, c_total)}",
                            colors="signed", zmid=0.0) for i, c in enumerate(s.channels)]
    k_total, out_h, out_w = trace.output.shape
    outputs = []
    order = torch.arange(trace.output.numel()).reshape(trace.output.shape)
    for k in range(k_total):
        frame = [outline_cells([(s.row, s.col)], color=WINDOW_COLOR)] if k == s.filter else []
        outputs.append(grid_heatmap(trace.output[k], title=f"Output of filter {k + 1}", hidden=order[k] > index,
                                    colors="signed", zmid=0.0, overlays=frame))
    return inputs, kernels, outputs
