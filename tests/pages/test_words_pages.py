"""What a page's numbers mean is said where they are shown."""

import json
import re

from tests.pages.conftest import texts


def test_separable_says_what_the_four_numbers_of_a_weight_shape_are(open_page):
    at = open_page("separable", sections_open=False)
    table = at.dataframe[0].value
    shape = table["weights [out, in, h, w]"].iloc[0]
    k, c, h, w = map(int, re.findall(r"\d+", shape))
    caption = next(c_.value for c_ in at.caption if c_.value.startswith("weights [out, in, h, w]"))
    assert f"{shape} is {k} filter" in caption and f"{c} input channel" in caption and f"{h} high and {w} wide" in caption
    assert "(the output channels)" in caption and "(s)" not in texts(at)


def _charts(at) -> list:
    import plotly.graph_objects as go

    return [go.Figure(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]


def test_the_charts_a_page_shows_write_no_si_prefixes_and_keep_legends_off_the_axes(open_page):
    from cvcore.viz.axes import si_axes

    at = open_page("architectures", net="vgg16")
    charts = _charts(at)
    assert charts and all(si_axes(fig) == [] for fig in charts)
    shape = next(fig for fig in charts if fig.layout.title.text and "VGG" in fig.layout.title.text and len(fig.data) == 2)
    assert shape.layout.legend.y > 1 and shape.layout.legend.yanchor == "bottom"  # above the plot, not on the x axis
    at = open_page("separable")
    assert all(si_axes(fig) == [] for fig in _charts(at))
