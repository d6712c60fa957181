"""The home page: a map of the labs in course order, with a guided path, and the glossary."""

from cvcore import lessons
from labs import LABS


def test_home_lists_every_lab_in_course_order(open_page):
    at = open_page("home")
    assert at.title[0].value == "CNN Lab"
    links = [link.proto.label for link in at.get("page_link")]
    labs = [label for label in links if label[0].isdigit()]
    assert labs == [f"{i}. {lab.title}" for i, lab in enumerate(LABS, 1)]
    assert labs[:2] == ["1. Convolution", "2. Pooling"]


def test_home_offers_a_lesson_for_every_lab(open_page):
    at = open_page("home")
    starts = [link.proto for link in at.get("page_link") if link.proto.label.startswith("Start lesson")]
    assert len(starts) == len(LABS)
    first = starts[0]
    assert first.label == "Start lesson"
    assert first.help.startswith(f"{len(lessons.lessons_of_lab('Convolution').steps)} steps")
    assert first.page == "convolution" and first.query_string == "lesson=1"
    assert any(link.proto.label.startswith("Glossary") for link in at.get("page_link"))


def test_glossary_links_terms_to_their_labs(open_page):
    at = open_page("glossary")
    assert at.title[0].value == "Glossary"
    links = [link.proto for link in at.get("page_link")]
    stride = next(link for link in links if link.label == "See it in: Convolution")
    assert stride.page == "convolution"
    titles = {lab.title for lab in LABS}
    assert all(t.lab in titles for t in lessons.TERMS)
    assert len([link for link in links if link.label.startswith("See it in")]) == len(lessons.TERMS)
    assert [(h.value, h.proto.anchor) for h in at.subheader][:2] == [
        (t.name, t.anchor) for t in lessons.TERMS[:2]]  # an anchor per term, the target of the labs' links
    at.text_input(key="term").input("triplet").run()
    assert [h.value for h in at.subheader] == ["Triplet loss"]
    assert next(t.definition for t in lessons.TERMS if t.name == "Triplet loss") in [m.value for m in at.markdown]
    at.text_input(key="term").input("zzz").run()
    assert not at.exception and "No term matches" in at.info[0].value


def test_a_glossary_link_with_a_term_opens_the_search(open_page):
    at = open_page("glossary", term="IoU")
    assert at.text_input(key="term").value == "IoU"
    shown = [h.value + " " + d.value for h, d in zip(at.subheader, [m for m in at.markdown if m.value in
                                                                   {t.definition for t in lessons.TERMS}], strict=True)]
    assert shown and all("iou" in m.lower() for m in shown)
    assert len(shown) < len(lessons.TERMS)
