"""Links shared before the labs moved into their own folders still open the same state: every lab keeps its
address, its settings keep their names in the link, ``lesson=k`` reopens step k and ``presenter=1`` presents."""

import pytest

from cvcore import lessons
from labs import LABS, lab_settings
from ui.settings import Setting

# The addresses the labs had when each page was a file pages/<name>.py.
OLD_PATHS = ["convolution", "pooling", "volumes", "separable", "transposed", "dimensions", "learn_filter",
             "architectures", "build_cnn", "inside_cnn", "detection", "segmentation", "transfer", "style_transfer",
             "faces"]


def test_every_lab_keeps_its_address(open_page):
    at = open_page("home")
    links = [link.proto for link in at.get("page_link")]
    assert [link.page for link in links if link.label[0].isdigit()] == OLD_PATHS  # the lab's page, at /<path>
    assert next(link.page for link in links if link.label.startswith("Glossary")) == "glossary"
    assert [lab.slug for lab in LABS] == OLD_PATHS


def _shared_link(slug: str) -> tuple[dict, dict]:
    """A link as the old pages wrote it: a lesson step's settings, each under its own name, encoded as text.
    Returns the query parameters and the settings they stand for."""
    settings = lab_settings(slug)
    steps = lessons.lessons_for(settings.NS).steps
    step = max(steps, key=lambda s: sum(v != settings.defaults()[k] for k, v in s.settings.items()))
    wanted = {k: v for k, v in step.settings.items() if v != settings.defaults()[k]}
    return {k: Setting.encode(v) for k, v in wanted.items()}, wanted


@pytest.mark.parametrize("slug", OLD_PATHS)
def test_an_old_link_with_settings_reopens_the_same_state(open_page, slug):
    query, wanted = _shared_link(slug)
    assert wanted, slug
    at = open_page(slug, sections_open=False, **query)
    settings = lab_settings(slug)
    for name, value in wanted.items():
        assert at.session_state[settings.key(name)] == value, name
        assert at.query_params[name] == query[name], name  # and the link still says so


@pytest.mark.parametrize("slug", OLD_PATHS)
def test_an_old_lesson_and_presenter_link_reopens_the_step_in_presenter_mode(open_page, slug):
    settings = lab_settings(slug)
    steps = lessons.lessons_for(settings.NS).steps
    k = len(steps)
    at = open_page(slug, sections_open=False, lesson=str(k), presenter="1")
    for name, value in steps[k - 1].settings.items():
        assert at.session_state[settings.key(name)] == value, name
    assert at.query_params["lesson"] == str(k) and at.query_params["presenter"] == "1"
    assert at.toggle(key="presenter_toggle").value is True
    assert any(i.value.startswith("**What to notice.**") for i in at.info)
