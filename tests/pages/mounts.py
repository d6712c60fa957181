"""What the browser shows of a widget that appears on the page, for page tests of settings that must survive a change.

A widget drawn again after a run that did not draw it starts in the browser at the value the server sends with it,
or, if the server sends none, at the widget's own default (the first option, a slider's minimum), which the browser
then sends back with the next rerun. AppTest reads a widget's value from the server's session, so a test compares
that with what the browser would show (``mismatches``).
"""

from streamlit.testing.v1 import AppTest

__all__ = ["KINDS", "keyed", "shown", "mismatches"]

KINDS = ("radio", "selectbox", "slider", "select_slider", "number_input", "toggle", "checkbox", "text_input")


def keyed(at: AppTest, prefix: str) -> dict:
    """The page's widgets whose keys start with ``prefix``, by key."""
    return {w.key: w for kind in KINDS for w in at.get(kind) if w.key and w.key.startswith(prefix)}


def shown(widget):
    """What the browser shows when ``widget`` first appears: an option's index, a number, a flag or a text."""
    p = widget.proto
    if widget.type in ("radio", "selectbox"):
        return widget.options.index(p.raw_value) if p.set_value else p.default
    if widget.type in ("slider", "select_slider"):
        return [float(v) for v in (p.value if p.set_value else p.default)]
    return p.value if p.set_value else p.default


def _current(widget):
    """The same for the value the server holds."""
    if widget.type in ("radio", "selectbox"):
        return widget.index
    if widget.type == "select_slider":
        value = widget.value
        values = value if isinstance(value, (list, tuple)) else [value]
        return [float(widget.options.index(widget.format_func(v))) for v in values]
    if widget.type == "slider":
        value = widget.value
        return [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return widget.value


def mismatches(at: AppTest, prefix: str, before: set[str]) -> dict[str, tuple]:
    """The widgets (keys starting with ``prefix``) that this run drew and the one before did not (keys not in
    ``before``) whose browser would show another value than the server holds: key -> (shown, held)."""
    found = {}
    for key, widget in keyed(at, prefix).items():
        if key not in before and shown(widget) != _current(widget):
            found[key] = (shown(widget), _current(widget))
    return found
