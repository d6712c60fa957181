"""Presenter mode enlarges chart text: every font size a chart names is at least 16 px, and the labs' grids are drawn
larger; without it the charts are as their builders made them."""

import json

import plotly.graph_objects as go

from ui.presenter import MIN_CHART_TEXT, presenter_figure


def _font_sizes(node) -> list[float]:
    if isinstance(node, list):
        return [s for item in node for s in _font_sizes(item)]
    if not isinstance(node, dict):
        return []
    own = [node["size"]] if isinstance(node.get("size"), (int, float)) and ("family" in node or "color" in node
                                                                            or len(node) == 1) else []
    return own + [s for key, value in node.items() for s in _font_sizes(value) if key != "marker"]


def test_presenter_figure_grows_every_text_and_keeps_the_original():
    fig = go.Figure(go.Bar(x=[3, 1], y=["tabby cat", "tiger cat"], orientation="h", textfont={"size": 10}),
                    layout={"title": {"text": "Top classes", "font": {"size": 14}}, "width": 400, "height": 300,
                            "margin": {"l": 80, "t": 40}, "annotations": [{"text": "note", "font": {"size": 9}}]})
    big = presenter_figure(fig)
    assert big.layout.title.font.size == 21 and big.data[0].textfont.size == 16 and big.layout.annotations[0].font.size == 16
    assert big.layout.font.size == 18 and big.layout.yaxis.tickfont.size == 18 and big.layout.legend.font.size == 18
    assert (big.layout.width, big.layout.height, big.layout.margin.l, big.layout.margin.t) == (600, 450, 120, 60)
    assert fig.layout.title.font.size == 14 and fig.layout.width == 400  # the original is untouched
    assert go.Figure(big.to_dict())  # still a valid figure


def test_a_lab_chart_in_presenter_mode_names_no_text_below_16_px(open_page):
    at = open_page("architectures", sections_open=False, presenter="1")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert specs
    for spec in specs:
        assert spec["layout"]["font"]["size"] >= MIN_CHART_TEXT
        assert min(_font_sizes(spec["data"]) + _font_sizes(spec["layout"])) >= MIN_CHART_TEXT


def test_charts_keep_their_size_outside_presenter_mode(open_page):
    at = open_page("architectures", sections_open=False)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"].get("font", {}).get("size", 12) < MIN_CHART_TEXT
