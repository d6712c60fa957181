"""The home page: a map of the labs in course order."""

from ui.labs import LABS


def test_home_lists_every_lab_in_course_order(open_page):
    at = open_page("home")
    assert at.title[0].value == "CNN Lab"
    shown = [m.value for m in at.markdown if "in preparation" in m.value]
    planned = [lab for lab in LABS if lab.page is None]
    assert len(shown) == len(planned)
    links = [link.proto.label for link in at.get("page_link")]
    assert links == [f"{i}. {lab.title}" for i, lab in enumerate(LABS, 1) if lab.page is not None]
    assert links[:2] == ["1. Convolution", "2. Pooling"]
