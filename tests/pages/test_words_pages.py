"""What a page's numbers mean is said where they are shown."""

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
