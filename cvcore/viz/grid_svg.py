"""A number grid (``grid_heatmap``'s figure) drawn as a plain SVG picture, for pages that redraw it on every step.

A browser draws an SVG picture in a few milliseconds; plotly.js lays out a heatmap with its texts, axes and frames in
a hundred or more, and a step-through redraws three of them on every click. The picture shows what the figure
shows: the cells in the figure's colour scale (blank where the figure hides a cell), each cell's text (bold and
superscript kept), the row and column numbers with the figure's offsets, the title, and the frames (``outline_cells``,
``outline_box``) in their colours, widths and dashes. What it drops is plotly's interactivity (hover, zoom).
"""

import html
import math
import re

__all__ = ["grid_svg"]

_MARGIN_LEFT, _MARGIN_TOP, _MARGIN_RIGHT, _MARGIN_BOTTOM = 46, 34, 8, 34
_DASHES = {"dash": "6,4", "dot": "2,3", "dashdot": "6,3,2,3", "longdash": "10,4"}
_TAG = re.compile(r"<(/?)(b|sup|sub)>|<[^>]*>")


def grid_svg(fig, *, scale: float = 1.0) -> str | None:
    """SVG markup of ``fig`` if it is a number grid made by ``grid_heatmap`` (a heatmap with its texts, and line
    frames on top); None for any other figure. ``scale`` enlarges the whole picture (presenter mode).

    >>> import torch
    >>> from cvcore.viz.grids import grid_heatmap
    >>> svg = grid_svg(grid_heatmap(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), title="A 2x2 grid"))
    >>> svg.startswith("<svg") and ">4</text>" in svg and "A 2x2 grid" in svg
    True
    """
    data = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    traces, layout = list(data.get("data", ())), data.get("layout", {})
    cell = (layout.get("meta") or {}).get("grid_cell") if isinstance(layout.get("meta"), dict) else None
    if not traces or cell is None or traces[0].get("type") != "heatmap":
        return None
    if any(t.get("type") != "scatter" or t.get("mode") != "lines" for t in traces[1:]):
        return None
    heat = traces[0]
    z, text = _rows(heat.get("z")), _rows(heat.get("text"))
    h, w = len(z), len(z[0]) if z else 0
    col0 = round(layout["xaxis"]["range"][0] + 0.5)
    row0 = round(layout["yaxis"]["range"][1] + 0.5)
    lo, hi = float(heat["zmin"]), float(heat["zmax"])
    stops = [(float(at), _rgb(color)) for at, color in heat["colorscale"]]
    gap = 1 if heat.get("xgap") else 0
    col_names = _tick_names(layout.get("xaxis", {}), w)
    row_names = _tick_names(layout.get("yaxis", {}), h)
    left = max(_MARGIN_LEFT, 24 + 6.6 * max(map(len, row_names or [""])))  # room for names like "plastic bag"
    bottom = _MARGIN_BOTTOM + (round(4.7 * max(map(len, col_names))) if col_names else 0)
    font = float((heat.get("textfont") or {}).get("size", 12))
    title = html.escape(_title(layout.get("title")))

    def px(x_col: float, y_row: float) -> tuple[float, float]:  # axis units (offsets included) to pixels
        return left + (x_col - col0 + 0.5) * cell, _MARGIN_TOP + (y_row - row0 + 0.5) * cell

    width, height = left + w * cell + _MARGIN_RIGHT, _MARGIN_TOP + h * cell + bottom
    width = max(width, round(8 + 7.6 * len(_plain(title))))  # room for the whole title
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale:.0f}" height="{height * scale:.0f}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="4" y="{_MARGIN_TOP - 14}" font-size="14" fill="#262730">{title}</text>']
    for i in range(h):
        for j in range(w):
            value = z[i][j]
            if value is None or not math.isfinite(value):
                continue
            rgb = _color_at(stops, 0.5 if hi == lo else min(max((value - lo) / (hi - lo), 0.0), 1.0))
            x, y = left + j * cell, _MARGIN_TOP + i * cell
            out.append(f'<rect x="{x}" y="{y}" width="{cell - gap}" height="{cell - gap}" fill="rgb{rgb}"/>')
            label = text[i][j] if text and i < len(text) and j < len(text[i]) else ""
            if label:
                ink = "#000000" if _luminance(rgb) > 0.45 else "#ffffff"
                out.append(f'<text x="{x + (cell - gap) / 2:.1f}" y="{y + (cell - gap) / 2 + font * 0.35:.1f}" '
                           f'font-size="{font:g}" text-anchor="middle" fill="{ink}">{_tspans(label)}</text>')
    tick = 1 if max(h, w) <= 16 or col_names or row_names else 4
    base = _MARGIN_TOP + h * cell
    for j in range(0, w, tick):
        x, _ = px(col0 + j, row0)
        if col_names:  # names slant down to the left, ending under their column
            out.append(f'<text x="{x:.1f}" y="{base + 12}" font-size="11" text-anchor="end" fill="#555" '
                       f'transform="rotate(-40 {x:.1f} {base + 12})">{html.escape(col_names[j])}</text>')
        else:
            out.append(f'<text x="{x:.1f}" y="{base + 13}" font-size="11" text-anchor="middle" fill="#555">'
                       f'{col0 + j}</text>')
    for i in range(0, h, tick):
        _, y = px(col0, row0 + i)
        out.append(f'<text x="{left - 4:.1f}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#555">'
                   f'{html.escape(row_names[i]) if row_names else row0 + i}</text>')
    x_title = html.escape(_title(layout.get("xaxis", {}).get("title")) or "column")
    y_title = html.escape(_title(layout.get("yaxis", {}).get("title")) or "row")
    out.append(f'<text x="{left + w * cell / 2:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" '
               f'fill="#555">{x_title}</text>')
    out.append(f'<text x="10" y="{_MARGIN_TOP + h * cell / 2:.1f}" font-size="11" text-anchor="middle" fill="#555" '
               f'transform="rotate(-90 10 {_MARGIN_TOP + h * cell / 2:.1f})">{y_title}</text>')
    for trace in traces[1:]:
        line = trace.get("line") or {}
        dash = _DASHES.get(line.get("dash", "solid"))
        path = _path(trace.get("x") or [], trace.get("y") or [], px)
        if path:
            out.append(f'<path d="{path}" fill="none" stroke="{html.escape(str(line.get("color", "black")))}" '
                       f'stroke-width="{float(line.get("width", 2)):g}"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    out.append("</svg>")
    return "".join(out)


def _title(title) -> str:
    """A title as plotly takes it (a string, or a dict with ``text``), without markup."""
    return _plain(title.get("text") or "" if isinstance(title, dict) else title or "")


def _tick_names(axis: dict, n: int) -> list[str] | None:
    """An axis's names for its rows or columns (``tickmode="array"``), if it has one per row or column."""
    names = axis.get("ticktext")
    return [_plain(t) for t in names] if axis.get("tickmode") == "array" and names and len(names) == n else None


def _rows(values) -> list[list]:
    return [list(row) for row in values] if values is not None else []


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.strip()
    if color.startswith("#") and len(color) == 7:
        return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
    numbers = re.findall(r"[\d.]+", color)
    if color.startswith("rgb") and len(numbers) >= 3:
        return int(float(numbers[0])), int(float(numbers[1])), int(float(numbers[2]))
    raise ValueError(f"expected a colour as #rrggbb or rgb(r, g, b), got {color!r}")


def _color_at(stops, t: float) -> tuple[int, int, int]:
    """The colour scale at ``t`` in [0, 1], interpolated linearly in RGB between its stops (as plotly.js does)."""
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return tuple(round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True))
    return stops[-1][1]


def _luminance(rgb) -> float:
    r, g, b = (c / 255 for c in rgb)
    return 0.299 * r + 0.587 * g + 0.114 * b


def _plain(text: str) -> str:
    return _TAG.sub("", str(text))


def _tspans(label: str) -> str:
    """``<b>`` and ``<sup>``/``<sub>`` of plotly's text markup as SVG tspans; other tags dropped."""
    out, bold, shift, pos = [], False, None, 0
    for m in _TAG.finditer(label):
        out.append(_span(label[pos:m.start()], bold, shift))
        closing, tag = m.group(1) == "/", m.group(2)
        if tag == "b":
            bold = not closing
        elif tag in ("sup", "sub"):
            shift = None if closing else tag
        pos = m.end()
    out.append(_span(label[pos:], bold, shift))
    return "".join(out)


def _span(text: str, bold: bool, shift: str | None) -> str:
    if not text:
        return ""
    attrs = (' font-weight="bold"' if bold else "") + (
        f' baseline-shift="{"super" if shift == "sup" else "sub"}" font-size="70%"' if shift else "")
    return f"<tspan{attrs}>{html.escape(text)}</tspan>" if attrs else html.escape(text)


def _path(xs, ys, px) -> str:
    parts, pen_down = [], False
    for x, y in zip(xs, ys, strict=False):
        if x is None or y is None:
            pen_down = False
            continue
        a, b = px(float(x), float(y))
        parts.append(f"{'L' if pen_down else 'M'}{a:.1f} {b:.1f}")
        pen_down = True
    return " ".join(parts)
