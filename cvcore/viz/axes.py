"""Tick settings shared by the figures: counts get whole-number ticks, costs plain or scientific numbers.

Plotly's defaults write small numbers with SI prefixes ("100µ", "10n": not how a course writes a loss), put ticks
between whole numbers on an axis of counts ("7.41 channels"), and align a second y axis's ticks with the first's
("-82, 304, 690 channels"). Each helper returns a plain dict of axis properties for ``layout.xaxis`` and the like.
"""

import plotly.graph_objects as go

__all__ = ["count_axis", "number_axis", "log_axis", "fraction_axis", "no_si_prefixes", "si_axes", "legend_above",
           "LEGEND_ROOM"]

LEGEND_ROOM = 85  # the top margin that holds a title and, below it, a legend_above
_PLAIN = ("power", "none", "e", "E")  # exponent formats that are not SI prefixes

_PLAIN_UP_TO = 10_000_000  # larger counts are written 2×10^9, smaller ones in full with separators


def count_axis(top: float | None = None) -> dict:
    """An axis of counts (channels, pixels, epochs, parameters): ticks at whole numbers only, from 0.

    ``top`` is the largest value shown: up to 10, a tick at every whole number; above ``_PLAIN_UP_TO``, powers of ten.

    >>> count_axis(6)
    {'tickmode': 'linear', 'tick0': 0, 'dtick': 1, 'tickformat': ',d', 'rangemode': 'tozero'}
    >>> count_axis(2048)
    {'tickmode': 'auto', 'tickformat': ',d', 'rangemode': 'tozero'}
    >>> count_axis(4e9)['exponentformat']
    'power'
    """
    if top is not None and top <= 10:
        return {"tickmode": "linear", "tick0": 0, "dtick": 1, "tickformat": ",d", "rangemode": "tozero"}
    if top is not None and top > _PLAIN_UP_TO:
        return {"tickmode": "auto", "exponentformat": "power", "showexponent": "all", "rangemode": "tozero"}
    return {"tickmode": "auto", "tickformat": ",d", "rangemode": "tozero"}


def number_axis() -> dict:
    """A linear axis of real numbers such as a loss: plain decimals, powers of ten when tiny or huge (never SI).

    >>> number_axis()
    {'exponentformat': 'power', 'showexponent': 'all'}
    """
    return {"exponentformat": "power", "showexponent": "all"}


def log_axis() -> dict:
    """A logarithmic axis of costs that span orders of magnitude: ticks written as powers of ten.

    >>> log_axis()["type"]
    'log'
    """
    return {"type": "log", "exponentformat": "power", "showexponent": "all"}


def fraction_axis() -> dict:
    """An axis of fractions in [0, 1] (accuracy) written as percentages.

    >>> fraction_axis()["tickformat"]
    '.0%'
    """
    return {"tickformat": ".0%", "range": [0, 1.02]}


def _ticked(fig: go.Figure):
    """Every tick-bearing part of ``fig``: its x and y axes, its colour axes' colour bars and the colour bars its
    traces show."""
    names = ["xaxis", "yaxis"] + [n for n in fig.layout.to_plotly_json() if n not in ("xaxis", "yaxis")]
    for name in names:
        if name.startswith(("xaxis", "yaxis")):
            yield "layout." + name, fig.layout[name]
        elif name.startswith("coloraxis"):
            yield f"layout.{name}.colorbar", fig.layout[name].colorbar
    for i, trace in enumerate(fig.data):
        shown = trace.to_plotly_json()
        if "colorbar" in trace and shown.get("showscale", True) and "coloraxis" not in shown:
            yield f"data[{i}].{trace.type}.colorbar", trace.colorbar
        if shown.get("marker", {}).get("showscale"):
            yield f"data[{i}].{trace.type}.marker.colorbar", trace.marker.colorbar


def no_si_prefixes(fig: go.Figure) -> go.Figure:
    """``fig`` with every axis and colour bar that has no tick format of its own writing large and small numbers
    as powers of ten: plotly's default ("B") writes 1e-8 as "10n" and 5e-6 as "5µ". Returns ``fig``.

    >>> fig = no_si_prefixes(go.Figure(go.Heatmap(z=[[1e-8, 1e-6]]), layout={"yaxis": {"tickformat": ",d"}}))
    >>> fig.layout.xaxis.exponentformat, fig.layout.yaxis.exponentformat, fig.data[0].colorbar.exponentformat
    ('power', None, 'power')
    """
    for _, axis in _ticked(fig):
        if axis.exponentformat is None and not axis.tickformat:
            axis.exponentformat = "power"
    return fig


def si_axes(fig: go.Figure) -> list[str]:
    """The axes and colour bars of ``fig`` that would write numbers with SI prefixes (no tick format, and an
    exponent format that is not one of ``power``, ``none``, ``e``, ``E``); empty when none would. A tick format
    with d3's ``s`` type (``~s``) counts as SI too.

    >>> si_axes(go.Figure(go.Scatter(y=[1e-8, 1e-6])))
    ['layout.xaxis', 'layout.yaxis']
    >>> si_axes(no_si_prefixes(go.Figure(go.Scatter(y=[1e-8, 1e-6]))))
    []
    """
    out = []
    for name, axis in _ticked(fig):
        fmt = axis.tickformat or ""
        if fmt.endswith("s") or (not fmt and axis.exponentformat not in _PLAIN):
            out.append(name)
    return out


def legend_above() -> dict:
    """A legend in one row above the plot area, right-aligned under the title: it never covers the tick labels
    or the axis titles (a horizontal legend's default place is below the plot, on the x axis's title). Give the
    figure a top margin of ``LEGEND_ROOM``.

    >>> legend_above()["yanchor"], legend_above()["y"] > 1
    ('bottom', True)
    """
    return {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1}
