"""Tick settings shared by the figures: counts get whole-number ticks, costs plain or scientific numbers.

Plotly's defaults write small numbers with SI prefixes ("100µ", "10n": not how a course writes a loss), put ticks
between whole numbers on an axis of counts ("7.41 channels"), and align a second y axis's ticks with the first's
("-82, 304, 690 channels"). Each helper returns a plain dict of axis properties for ``layout.xaxis`` and the like.
"""

__all__ = ["count_axis", "number_axis", "log_axis", "fraction_axis"]

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
