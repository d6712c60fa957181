"""Figures of one convolution step: the padded input with the window, the kernel, the output so far."""

import plotly.graph_objects as go
import torch

from cvcore.conv import ConvTrace, format_number
from cvcore.viz.grids import grid_heatmap, outline_box, outline_cells

__all__ = ["WINDOW_COLOR", "conv_figures"]

WINDOW_COLOR = "#e4572e"
_IMAGE_COLOR = "#1f77b4"


def conv_figures(trace: ConvTrace, step: int, *, input_text: list[list[str]] | None = None,
                 input_title: str | None = None) -> tuple[go.Figure, go.Figure, go.Figure]:
    """(input, kernel, output) figures for ``trace`` at output cell ``step`` (row-major).

    The input figure shows the padded grid (axes count from the original image's corner, so
    padding sits at -1, -2, ...), the window's cells framed with their weights as superscripts;
    the output figure shows the cells computed up to and including ``step``. ``input_text`` and
    ``input_title`` relabel the input grid (the transposed-convolution view fades inserted zeros).
    """
    s = trace.step(step)
    top, bottom, left, right = trace.padding
    padded = trace.padded
    text = [row[:] for row in input_text] if input_text else [[format_number(v) for v in row] for row in padded.tolist()]
    for i, r in enumerate(s.rows):
        for j, c in enumerate(s.cols):
            text[r][c] = f"<b>{text[r][c]}</b><sup>×{format_number(s.weights[i, j])}</sup>"
    h, w = trace.input.shape
    title = f"Input {h}x{w}" + (f", padded to {padded.shape[0]}x{padded.shape[1]} ({trace.padding_mode})" if any(trace.padding) else "")
    overlays = [outline_box(0, 0, h - 1, w - 1, color=_IMAGE_COLOR, dash="dot", width=2)] if any(trace.padding) else []
    overlays.append(outline_cells([(r, c) for r in s.rows for c in s.cols], color=WINDOW_COLOR, row_offset=-top, col_offset=-left))
    fig_in = grid_heatmap(padded, title=input_title or title, text=text, row_offset=-top, col_offset=-left, overlays=overlays)

    kh, kw = trace.weights.shape
    fig_k = grid_heatmap(trace.weights, title=f"Kernel {kh}x{kw}" + (" (flipped)" if trace.flip else ""),
                         colors="signed", zmid=0.0)

    out = trace.output
    hidden = torch.arange(out.numel()).reshape(out.shape) > step
    fig_out = grid_heatmap(out, title=f"Output {out.shape[0]}x{out.shape[1]}", hidden=hidden,
                           colors="signed", zmid=0.0,
                           overlays=[outline_cells([(s.row, s.col)], color=WINDOW_COLOR)])
    return fig_in, fig_k, fig_out
