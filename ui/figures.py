"""Charts with a text alternative: every plotly figure is followed by its title and key numbers, in words, for a
screen reader only (visually hidden by the ``cnnlab-sr-only`` rule of ``ui.a11y.CSS``); a learner sees the chart and the lab's own captions."""

import html

import plotly.graph_objects as go

from cvcore.viz.describe import describe
from cvcore.viz.grid_svg import grid_svg
from ui.lessons import is_presenting, presenter_figure

__all__ = ["SR_ONLY", "show_chart", "screen_reader_text"]

SR_ONLY = "cnnlab-sr-only"
_PRESENTER_SCALE = 1.6  # number grids drawn this much larger in presenter mode


def show_chart(where, fig: go.Figure, **kwargs):
    """``where.plotly_chart(fig, **kwargs)`` (``where`` is ``st`` or a column), or, for a number grid made by
    ``cvcore.viz.grid_heatmap`` that no click reads, the same grid as an SVG picture (``cvcore.viz.grid_svg``: a
    step-through redraws three grids per click, which plotly.js lays out in hundreds of milliseconds); then the figure's description in a
    visually hidden element, so the numbers it shows can be read without seeing it. Returns what ``plotly_chart``
    returns."""
    picture = grid_svg(fig, scale=_PRESENTER_SCALE if is_presenting() else 1.0) \
        if kwargs.get("on_select", "ignore") == "ignore" else None
    if picture is not None:  # a number grid: a picture the browser draws in milliseconds, not a plotly chart
        result = where.image(picture, width="content")
    else:
        result = where.plotly_chart(presenter_figure(fig) if is_presenting() else fig, **kwargs)
    where.markdown(screen_reader_text(describe(fig)), unsafe_allow_html=True)
    return result


def screen_reader_text(text: str) -> str:
    """``text`` as an HTML block that assistive technology reads and the page does not show (one line, escaped, so
    Markdown leaves it as it is)."""
    return f'<div class="{SR_ONLY}">{html.escape(" ".join(text.split()), quote=False)}</div>'

