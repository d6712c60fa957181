"""The style-transfer page shows a thumbnail of both inputs: the content image C and the style image S."""

import pytest

from tests.pages.conftest import errors, image_captions


@pytest.mark.parametrize("kind", ["generated", "photo"])
def test_both_the_content_and_the_style_image_are_shown(open_page, kind):
    at = open_page("style_transfer", size="64", steps="3", style_kind=kind)
    assert errors(at) == [] and at.radio(key="style.style_kind").value == kind
    captions = image_captions(at)
    assert captions.count("Content image C") == 1 and captions.count("Style image S") == 1
    content, style = (next(i for i in at.get("image") if caption in i.captions) for caption in
                      ("Content image C", "Style image S"))
    assert content.proto.imgs[0].url != style.proto.imgs[0].url
