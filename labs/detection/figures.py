"""Titles that fit: a box figure is only as wide as its picture, so a long title is wrapped onto more lines and the
figure grows at the top to hold them, instead of running past the figure's edge."""

import textwrap

import plotly.graph_objects as go

__all__ = ["fit_title"]

_CHAR_PX = 9.5  # a character of the bold 17 px title font, on average
_LINE_PX = 24


def fit_title(fig: go.Figure) -> go.Figure:
    """``fig`` with its title wrapped to the figure's width (lines joined by ``<br>``); returns ``fig``.

    >>> fig = go.Figure(layout={"title": {"text": "Scene 1000080: the grid, the objects, the anchors of cell (1, 1)"},
    ...                         "width": 420, "height": 440, "margin": {"t": 50}})
    >>> fit_title(fig).layout.title.text, fig.layout.height, fig.layout.margin.t
    ('Scene 1000080: the grid, the objects, the<br>anchors of cell (1, 1)', 464, 74)
    """
    title, width = fig.layout.title.text, fig.layout.width
    if not title or not width:
        return fig
    lines = textwrap.wrap(title, width=max(12, int((width - 20) / _CHAR_PX)), break_long_words=False)
    extra = _LINE_PX * (len(lines) - 1)
    if extra:
        top = fig.layout.margin.t if fig.layout.margin.t is not None else 50
        fig.update_layout(title_text="<br>".join(lines), margin_t=top + extra,
                          height=(fig.layout.height or 450) + extra)
    return fig
