"""Presenter mode, for a projector: large type, the page's full width, the sidebar folded away, charts grown to match.

Every lab gets the toggle from ``ui.page.start_lab``; it is kept across labs for the session and mirrored into the
link (``presenter=1``), so a teacher's copied link opens in presenter mode. Charts grow through ``ui.figures``
(``presenter_figure``); a step-through drawn in a container keyed ``STEPTHROUGH_...`` keeps its grids side by side.
"""

import plotly.graph_objects as go
import streamlit as st

__all__ = ["PRESENTER_PARAM", "STEPTHROUGH", "MIN_CHART_TEXT", "is_presenting", "presenter_toggle", "presenter_style",
           "presenter_figure"]

PRESENTER_PARAM = "presenter"
_PRESENTER = "_presenter"

# Large type and the page's full width. A row holding a chart (a curve, bars) wraps so each chart gets the whole
# width; a step-through (a container keyed "stepthrough_...") keeps its grids side by side, sized to fit the screen,
# so the window and the output cell it makes stay in view together.
STEPTHROUGH = "stepthrough"
_PRESENTER_CSS = """<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]):not([class*="st-key-stepthrough"] *) {
  flex-wrap: wrap; }
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]):not([class*="st-key-stepthrough"] *)
  > [data-testid="stColumn"] { min-width: 100%; }
[class*="st-key-stepthrough"] [data-testid="stHorizontalBlock"] { flex-wrap: nowrap; gap: 0.5rem; }
[class*="st-key-stepthrough"] [data-testid="stImage"] img,
[class*="st-key-stepthrough"] [data-testid="stPlotlyChart"] { max-width: 100%; max-height: 82vh; height: auto;
  object-fit: contain; }
</style>"""


def is_presenting() -> bool:
    if _PRESENTER not in st.session_state:
        st.session_state[_PRESENTER] = st.query_params.get(PRESENTER_PARAM) in ("1", "true")
    return bool(st.session_state[_PRESENTER])


def _on_presenter() -> None:
    st.session_state[_PRESENTER] = bool(st.session_state.get("presenter_toggle"))


def presenter_toggle() -> bool:
    """The "Presenter mode" toggle, kept across labs and mirrored into the link; returns whether it is on."""
    on = is_presenting()
    st.session_state["presenter_toggle"] = on
    st.toggle("Presenter mode", key="presenter_toggle", on_change=_on_presenter,
              help="Large type and charts, the sidebar folded away, a step-through's grids side by side on one "
                   "screen: for a projector. Copy the link to open it in presenter mode.")
    if on:
        st.query_params[PRESENTER_PARAM] = "1"
    elif PRESENTER_PARAM in st.query_params:
        del st.query_params[PRESENTER_PARAM]
    return on


def presenter_style(on: bool) -> None:
    """Collapse the sidebar and enlarge the page while presenting (charts grow through ``presenter_figure``)."""
    st.set_page_config(initial_sidebar_state="collapsed" if on else "auto")
    if on:
        st.html(_PRESENTER_CSS)


_GROWTH = 1.5  # chart text grows with the page's type (21 px instead of 14)
MIN_CHART_TEXT = 16  # px: the smallest chart text a back row can read on a projector
_FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont")
_TEXT_PARTS = ("tickfont", "title")  # an axis's own texts, which the page's theme would otherwise size


def _grow(node) -> None:
    """Every font size under ``node`` (a figure's JSON) times _GROWTH, at least MIN_CHART_TEXT."""
    if isinstance(node, list):
        for item in node:
            _grow(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict) and isinstance(value.get("size"), (int, float)):
                value["size"] = max(MIN_CHART_TEXT, round(value["size"] * _GROWTH))
            _grow(value)


def presenter_figure(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` for a projector: every text at least MIN_CHART_TEXT px and 1.5 times its own size (titles,
    axes and their ticks, legends, class names, cell numbers), and its fixed size and margins grown to hold them."""
    spec = fig.to_plotly_json()
    layout = spec.setdefault("layout", {})
    _grow(spec)
    base = max(MIN_CHART_TEXT, round((layout.get("font") or {}).get("size", 12) * _GROWTH))
    layout.setdefault("font", {})["size"] = base
    for key in {"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}:
        axis = layout.setdefault(key, {})
        if isinstance(axis, dict):
            axis.setdefault("tickfont", {}).setdefault("size", base)
            title = axis.get("title")
            if isinstance(title, dict):
                title.setdefault("font", {}).setdefault("size", base)
    title = layout.get("title")
    if isinstance(title, dict):
        title.setdefault("font", {}).setdefault("size", base + 2)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", base)  # the theme's is smaller
    for trace in spec.get("data", []):
        if isinstance(trace.get("colorbar"), dict):
            trace["colorbar"].setdefault("tickfont", {}).setdefault("size", base)
    for key in ("width", "height"):
        if isinstance(layout.get(key), (int, float)):
            layout[key] = round(layout[key] * _GROWTH)
    margin = layout.get("margin")
    if isinstance(margin, dict):
        layout["margin"] = {k: round(v * _GROWTH) if isinstance(v, (int, float)) and k != "pad" else v
                            for k, v in margin.items()}
    return go.Figure(data=spec.get("data", []), layout=layout, _validate=False)
