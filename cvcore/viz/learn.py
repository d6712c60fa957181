"""Figures of the Learning-a-filter lab: the loss curve, and a kernel's grid whose numbers fit their cells.

The loss falls over orders of magnitude, so its axis is logarithmic, written in powers of ten (``axes.log_axis``).
A learned kernel holds numbers like -0.0004413 or 0.9996718; written with four significant digits they are wider
than a cell. Each cell shows its number with at most ``CELL_CHARS`` characters (three decimals at most, fewer for
large numbers, powers of ten beyond), and the exact values go in a table beside the grid (``exact_rows``).
"""

import math

import plotly.graph_objects as go
import torch

from cvcore.errors import InvalidParameter
from cvcore.viz.axes import count_axis, log_axis
from cvcore.viz.grids import grid_heatmap

__all__ = ["CELL_CHARS", "cell_text", "loss_figure", "kernel_figure", "exact_rows"]

CELL_CHARS = 6  # the widest cell text: "-2.000", "123.46", "-1e+05"


def cell_text(value: float, width: int = CELL_CHARS) -> str:
    """``value`` in at most ``width`` characters: whole numbers as they are, others with up to three decimals
    (as many as fit), and a power of ten when even the whole part does not fit. A number that rounds to zero is
    written "0.000" (no minus sign).

    >>> [cell_text(v) for v in (-0.0004413, 0.9996718, -2.0, 1 / 3, -123.456, 98765.4, -123456.0, float("nan"))]
    ['0.000', '1.000', '-2', '0.333', '-123.5', '98765', '-1e+05', 'nan']
    """
    if width < 5:
        raise InvalidParameter(f"width must be at least 5 characters, got {width}")
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == round(value) and len(str(int(value))) <= width:
        return str(int(value))
    for decimals in (3, 2, 1, 0):
        text = f"{value:.{decimals}f}"
        if text.startswith("-") and float(text) == 0:
            text = text[1:]
        if len(text) <= width:
            return text
    return f"{value:.0e}"


def loss_figure(losses: list[float], *, steps: int | None = None) -> go.Figure:
    """The loss after each step (``losses[i]`` after step i + 1) on a log axis; ``steps``: the run's length, which
    fixes the step axis so that a run in progress draws its curve growing across it.

    >>> layout = loss_figure([1.0, 0.01, 1e-8], steps=300).layout
    >>> layout.yaxis.type, layout.yaxis.exponentformat, list(layout.xaxis.range)
    ('log', 'power', [0, 300])
    """
    if steps is not None and steps < 1:
        raise InvalidParameter(f"steps must be >= 1, got {steps}")
    top = steps if steps is not None else max(len(losses), 1)
    fig = go.Figure(go.Scatter(x=list(range(1, len(losses) + 1)), y=list(losses), mode="lines",
                               line={"color": "#e4572e"}))
    fig.update_layout(title="Loss (mean squared difference from the target's output)", xaxis_title="step",
                      yaxis_title="loss (log scale)", xaxis={**count_axis(top), "range": [0, top]}, yaxis=log_axis(),
                      height=300, margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig


def kernel_figure(kernel: torch.Tensor, *, title: str) -> go.Figure:
    """A kernel (Tensor[kh, kw]) as a signed number grid (0 white) whose cell texts are ``cell_text``."""
    if kernel.ndim != 2:
        raise InvalidParameter(f"expected a kernel Tensor[kh, kw], got shape {tuple(kernel.shape)}")
    values = kernel.detach().to("cpu", torch.float64)
    text = [[cell_text(v) for v in row] for row in values.tolist()]
    return grid_heatmap(values, title=title, text=text, colors="signed", zmid=0.0)


def exact_rows(learned: torch.Tensor, target: torch.Tensor) -> list[dict]:
    """One row per weight: its place, the learned and the target value (seven significant digits) and their gap."""
    if learned.shape != target.shape or learned.ndim != 2:
        raise InvalidParameter(f"expected two kernels of one shape, got {tuple(learned.shape)} and {tuple(target.shape)}")
    rows = []
    for (i, j), a in zip(((i, j) for i in range(learned.shape[0]) for j in range(learned.shape[1])),
                         learned.flatten().tolist(), strict=True):
        b = float(target[i, j])
        rows.append({"row": i, "column": j, "learned": f"{a:.7g}", "target": f"{b:.7g}", "difference": f"{a - b:.3g}"})
    return rows
