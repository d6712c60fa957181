"""A lab's page links its intro's terms to the glossary, and its later notes link the terms the intro did not."""

import re

import pytest

LINK = re.compile(r"\[([^\]]+)\]\(glossary#([^)]+)\)")


@pytest.mark.parametrize("page, wanted", [("convolution", {"kernel", "padding", "stride", "dilation"}),
                                          ("pooling", {"max-pooling", "average-pooling", "feature-map"}),
                                          ("detection", {"iou", "non-max-suppression", "anchor-box"})])
def test_a_lab_intro_links_its_terms_to_the_glossary(open_page, page, wanted):
    at = open_page(page, sections_open=False)
    intro = next(m.value for m in at.markdown if "](glossary#" in m.value)
    anchors = [anchor for _, anchor in LINK.findall(intro)]
    assert wanted <= set(anchors) and len(anchors) == len(set(anchors))


def test_a_note_links_what_the_intro_did_not(open_page):
    at = open_page("pooling", sections_open=True)
    note = next(m.value for m in at.markdown if m.value.startswith("Feature maps from"))
    anchors = {anchor for _, anchor in LINK.findall(note)}
    assert "relu6" in anchors or "relu" in anchors or "sobel-and-scharr-filters" in anchors
    assert "feature-map" not in anchors  # the intro linked it already
