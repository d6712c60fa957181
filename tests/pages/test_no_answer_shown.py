"""While a question of "Predict, then reveal" about the screen is open and not yet checked, nothing on the page states
its answer, in any lab, at any lesson step: not the lesson's note, a caption, a formula, a table, a chart's title or
a step count. Once the questions are checked, the note states the numbers it held back."""

import pytest

from cvcore import lessons
from labs import LABS, lab_settings
from tests.pages.page_text import note_text, page_text, shows

LESSON_LABS = [lab.slug for lab in LABS if lessons.lessons_for(lab_settings(lab.slug).NS) is not None]


def _state(at, settings) -> dict:
    """The lab's settings as the page holds them, by link name."""
    values = settings.defaults()
    for name in values:
        try:
            values[name] = at.session_state[settings.key(name)]
        except KeyError:
            pass
    return values


def _check_all(at, ns: str) -> list[str]:
    """Check every open question at once (as if each Check button had been pressed with no answer); returns the
    keys of the checks, to clear them for the next step."""
    stores = [b.key.removesuffix(".check") + ".checked" for b in at.button
              if b.key and b.key.startswith(f"_q.{ns}.") and b.key.endswith(".check")]
    for store in stores:
        at.session_state[store] = (None,)
    at.run()
    return stores


@pytest.mark.parametrize("slug", LESSON_LABS)
def test_no_open_question_has_its_answer_on_the_page(open_page, slug):
    settings = lab_settings(slug)
    ns, entry = settings.NS, lessons.lessons_for(settings.NS)
    at = open_page(slug)
    at.session_state[f"_q.{ns}.open"] = True  # the learner opens "Predict, then reveal"
    for number, step in enumerate(entry.steps, start=1):
        at.button(key=f"_lesson.{ns}.{number}").click().run()
        assert not at.exception, (step.title, at.exception)
        state = _state(at, settings)
        questions = lessons.questions_for(ns, state)
        page, note = page_text(at), note_text(at)
        assert note, step.title
        for q in questions:
            where = note if q.choices else page  # a choice's word ("kept") is only an answer in the note
            assert not shows(where, q), (step.title, q.prompt, q.answer, shows(where, q))
        stores = _check_all(at, ns)
        assert not at.exception, (step.title, at.exception)
        values, fields = step.values(state), lessons.note_fields(step.notice)
        revealed = note_text(at)
        for q in questions:
            if q.fact in fields:
                assert lessons.written(values[q.fact]) in revealed, (step.title, q.fact, revealed)
        assert "Hidden while you predict" not in page_text(at), step.title
        for store in stores:
            del at.session_state[store]
