"""A text alternative for any plotly figure: its title, axes and key numbers, read by assistive technology beside the
chart (the page keeps it visually hidden)."""

import math
import re

import numpy as np
import plotly.graph_objects as go

__all__ = ["describe"]

_MAX_BARS = 6


def _number(v) -> str:
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:.3g}"


def _values(seq) -> np.ndarray:
    try:
        arr = np.asarray(seq, dtype=float)
    except (TypeError, ValueError):
        return np.array([])
    return arr[np.isfinite(arr)]


def _trace(t) -> str:
    name = f" '{t.name}'" if getattr(t, "name", None) else ""
    if t.type == "heatmap" and t.z is not None:
        z = np.asarray(t.z, dtype=object)
        rows, cols = (z.shape + (1,))[:2] if z.ndim >= 1 else (0, 0)
        vals = _values([v for row in t.z for v in (row if hasattr(row, "__iter__") else [row])])
        span = f", values {_number(vals.min())} to {_number(vals.max())}" if vals.size else ""
        return f"grid{name} of {rows} x {cols} cells{span}"
    if t.type == "image":
        return "an image"
    if t.type == "bar":
        labels = list(t.y if t.orientation == "h" else t.x) if (t.x is not None and t.y is not None) else []
        values = list(t.x if t.orientation == "h" else t.y) if labels else []
        pairs = [f"{label}: {_number(v)}" for label, v in zip(labels, values, strict=False) if _values([v]).size][:_MAX_BARS]
        more = f" (and {len(labels) - _MAX_BARS} more)" if len(labels) > _MAX_BARS else ""
        return f"bars{name}: " + "; ".join(pairs) + more if pairs else f"bars{name}"
    if t.type in ("scatter", "scattergl"):
        if t.hoverinfo == "skip":  # outlines and invisible anchors, not data
            return ""
        ys = _values(t.y) if t.y is not None else np.array([])
        if ys.size == 0:
            return ""
        if ys.size == 1 or (t.mode or "").startswith("markers"):
            return f"{ys.size} points{name}" if ys.size > 1 else f"a point{name} at {_number(ys[0])}"
        return f"curve{name} of {ys.size} points from {_number(ys[0])} to {_number(ys[-1])} (range {_number(ys.min())} " \
               f"to {_number(ys.max())})"
    return t.type


def describe(fig: go.Figure) -> str:
    """Title, axes and, per trace, its key numbers (grid size and value range, bar values, a curve's first and last).

    >>> import plotly.graph_objects as go
    >>> describe(go.Figure(go.Heatmap(z=[[1, -2], [3, 4]]), layout={"title": {"text": "Output"}}))
    'Output: grid of 2 x 2 cells, values -2 to 4.'
    >>> describe(go.Figure(go.Scatter(y=[2.0, 1.0, 0.5], mode="lines", name="loss"), layout={"xaxis": {"title": {"text": "step"}}}))
    "Figure: curve 'loss' of 3 points from 2 to 0.5 (range 0.5 to 2); x axis: step."
    """
    title = re.sub(r"\s*<[^>]+>\s*", " ", fig.layout.title.text or "").strip() if fig.layout.title else ""
    parts = [p for p in (_trace(t) for t in fig.data) if p and p != "scatter"]
    boxes = [s for s in (fig.layout.shapes or ()) if s.type == "rect"]
    if boxes and any(t.type == "image" for t in fig.data):
        parts.append(f"{len(boxes)} box drawn" if len(boxes) == 1 else f"{len(boxes)} boxes drawn")
    axes = []
    for axis, label in ((fig.layout.xaxis, "x"), (fig.layout.yaxis, "y")):
        text = axis.title.text if axis is not None and axis.title is not None else None
        if text:
            axes.append(f"{label} axis: {text}")
    head = title if title else "Figure"
    body = "; ".join(parts + axes)
    return f"{head}: {body}." if body else f"{head}."
