"""Charts with a text alternative: every plotly figure is followed by a caption with its title and key numbers."""

import plotly.graph_objects as go

from cvcore.viz.describe import describe
from cvcore.viz.grid_svg import grid_svg
from ui.lessons import is_presenting

__all__ = ["show_chart"]

_PRESENTER_SCALE = 1.6  # number grids drawn this much larger in presenter mode


def show_chart(where, fig: go.Figure, **kwargs):
    """``where.plotly_chart(fig, **kwargs)`` (``where`` is ``st`` or a column), or, for a number grid made by
    ``cvcore.viz.grid_heatmap`` that no click reads, the same grid as an SVG picture (``cvcore.viz.grid_svg``: a
    step-through redraws three grids per click, which plotly.js lays out in hundreds of milliseconds); then the
    figure's description as a caption, so the numbers it shows can be read without seeing it. Returns what
    ``plotly_chart`` (or ``image``) returns."""
    picture = grid_svg(fig, scale=_PRESENTER_SCALE if is_presenting() else 1.0) \
        if kwargs.get("on_select", "ignore") == "ignore" else None
    if picture is not None:  # a number grid: a picture the browser draws in milliseconds, not a plotly chart
        result = where.image(picture, width="content")
    else:
        result = where.plotly_chart(fig, **kwargs)
    where.caption(describe(fig))
    return result
