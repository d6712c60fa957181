"""Charts with a text alternative: every plotly figure is followed by a caption with its title and key numbers."""

import plotly.graph_objects as go

from cvcore.viz.describe import describe

__all__ = ["show_chart"]


def show_chart(where, fig: go.Figure, **kwargs):
    """``where.plotly_chart(fig, **kwargs)`` (``where`` is ``st`` or a column), then the figure's description as a
    caption, so the numbers it shows can be read without seeing it. Returns what ``plotly_chart`` returns."""
    result = where.plotly_chart(fig, **kwargs)
    where.caption(describe(fig))
    return result
