"""Charts with a text alternative: every plotly figure is followed by its title and key numbers, in words, for a
screen reader only: plain text in a keyed container that the ``cnnlab-sr-`` rule of ``ui.a11y.CSS`` clips out of
sight (no HTML of the app's own is rendered unescaped); a learner sees the chart and the lab's own captions."""

import zlib

import plotly.graph_objects as go

from cvcore.viz.axes import no_si_prefixes
from cvcore.viz.describe import describe
from cvcore.viz.grid_svg import grid_svg
from ui.presenter import is_presenting, presenter_figure

__all__ = ["SR_KEY", "show_chart", "screen_reader_text"]

SR_KEY = "cnnlab-sr-"  # the key prefix of the containers that only assistive technology reads
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
        no_si_prefixes(fig)  # powers of ten, never "10n" or "5µ", on every axis and colour bar without a format
        result = where.plotly_chart(presenter_figure(fig) if is_presenting() else fig, **kwargs)
    text = screen_reader_text(describe(fig))
    where.container(key=SR_KEY + str(kwargs.get("key") or zlib.crc32(text.encode()))).text(text)
    return result


def screen_reader_text(text: str) -> str:
    """``text`` on one line, as assistive technology reads it (``show_chart`` puts it in a container that the page
    does not show; ``st.text`` renders it as plain text, never as Markdown or HTML)."""
    return " ".join(text.split())
