"""The classroom panels every lab gets from ``ui.page.part``: the lesson and the questions (presenter mode, the
third, is ``ui.presenter``).

A lesson step writes its settings into the lab's session state (the same keys as the widgets) and its number
into the link (``lesson=3``), so a link to a step reopens it; the step number leaves the link as soon as a
setting moves away from it.

While "Predict, then reveal" is open on the questions about the settings on screen, the fact a question not yet
checked asks (``Question.fact``) is *awaited*: ``prepare`` finds these before the lab draws, and the lab writes every
number a question may ask through ``shown`` (or ``hidden_note``), so nothing on the page states it until the learner
checks the question; the lesson's note writes it as "?" until then.
"""

from collections.abc import Collection

import streamlit as st

from cvcore import lessons
from cvcore.errors import CvcoreError
from ui.settings import LabSettings

__all__ = ["LESSON_PARAM", "seed_from_link", "step_values", "lesson_panel", "question_panel", "leave_moved_step",
           "prepare", "awaited", "shown", "hidden_note"]

LESSON_PARAM = "lesson"


def _step_number(entry: lessons.LabLessons) -> int | None:
    raw = st.query_params.get(LESSON_PARAM)
    try:
        number = int(raw) if raw is not None else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= len(entry.steps) else None


def step_values(defaults: dict, step: lessons.Step) -> dict:
    """The lab's whole state at ``step``: its defaults, overridden by the step's settings."""
    return {name: step.settings.get(name, default) for name, default in defaults.items()}


def _handled_key(ns: str) -> str:
    return f"_lesson.{ns}.handled"  # the lesson step whose settings this session has applied for the link


def seed_from_link(settings: type[LabSettings]) -> None:
    """A ``lesson=k`` link not yet applied in this session (a first visit, or "Start lesson" from the home page)
    seeds step k's settings; a setting the link names explicitly wins over the step's, so a copied link reopens
    exactly what it showed."""
    entry = lessons.lessons_for(settings.NS)
    number = None if entry is None else _step_number(entry)
    if number is None or st.session_state.get(_handled_key(settings.NS)) == number:
        return
    fresh = not any(settings.key(name) in st.session_state for name in settings.SETTINGS)
    step = entry.steps[number - 1]
    values = step.settings if fresh else step_values(settings.defaults(), step)
    for name, value in values.items():
        if name in settings.SETTINGS and name not in st.query_params:
            settings.put(name, value)
    st.session_state[_handled_key(settings.NS)] = number


def _apply(settings: type[LabSettings], step: lessons.Step, number: int) -> None:
    for name, value in step_values(settings.defaults(), step).items():
        settings.put(name, value)
    st.query_params[LESSON_PARAM] = str(number)
    st.session_state[_handled_key(settings.NS)] = number
    st.rerun()  # the whole page: the step sets controls outside the panels' fragment


def leave_moved_step(settings: type[LabSettings]) -> bool:
    """If the link names a lesson step and a setting has moved away from it, take the step out of the link (the
    link no longer shows that step); returns whether it did."""
    entry = lessons.lessons_for(settings.NS)
    number = None if entry is None else _step_number(entry)
    if number is None:
        return False
    wanted = entry.steps[number - 1].settings
    if not any(name in settings.SETTINGS and settings.get(name) != value for name, value in wanted.items()):
        return False
    del st.query_params[LESSON_PARAM]
    st.session_state[_handled_key(settings.NS)] = None
    return True


def _state(settings: type[LabSettings]) -> dict:
    return settings.as_dict()


def lesson_panel(settings: type[LabSettings]) -> None:
    """The "Lesson" expander: one button per step, and what to notice at the current one (its numbers computed from
    the settings on screen; one whose question is open reads "?" until that question is checked)."""
    entry = lessons.lessons_for(settings.NS)
    if entry is None:
        return
    leave_moved_step(settings)
    number = _step_number(entry)
    with st.expander(f"Lesson: {len(entry.steps)} steps" + (f" (step {number})" if number else ""),
                     expanded=number is not None, icon=":material/school:"):
        for i, step in enumerate(entry.steps, start=1):
            st.button(f"{i}. {step.title}", key=f"_lesson.{settings.NS}.{i}", on_click=_apply,
                      args=(settings, step, i), type="primary" if i == number else "secondary",
                      help="Set the controls for this step", width="stretch")
            if i == number:
                _notice(settings.NS, step, _state(settings))
        if number is None:
            st.caption("Each step sets the controls to a prepared state and says what to notice.")


def _notice(ns: str, step: lessons.Step, state: dict) -> None:
    fields = lessons.note_fields(step.notice)
    facts = {lessons.field_fact(name) for name in fields}
    waiting = {fact: n for fact, n in _awaited(ns).items() if fact in facts}
    try:
        text = lessons.note(step.notice, step.values(state), waiting)
    except (CvcoreError, ValueError, TypeError, KeyError):
        text = lessons.note(step.notice, {}, facts)  # numbers these settings do not give: none shown
    st.info(f"**What to notice.** {text}")
    if waiting:
        _hidden_caption(st, min(waiting.values()))


def _record(store: str, answer_key: str) -> None:
    st.session_state[store] = (st.session_state.get(answer_key),)


def _new_variant(variant_key: str, delta: int) -> None:
    st.session_state[variant_key] = 0 if delta == 0 else st.session_state.get(variant_key, 0) + delta


def _awaited_key(ns: str) -> str:
    return f"_q.{ns}.awaited"  # fact -> number of the question about the screen that asks it, open and not checked


def _tag(ns: str, number: int, variant: int, question: lessons.Question) -> str:
    """The name of a question's answer and check: a question about another state (another step, another setting)
    is another name, so its answer box starts empty and nothing typed for the old state is graded against it."""
    return f"{ns}.{number}.{variant}.{lessons.digest(question)}"


def _checked_key(tag: str) -> str:
    return f"_q.{tag}.checked"


def _variant(ns: str) -> int:
    return int(st.session_state.get(f"_q.{ns}.variant", 0))


def _questions(settings, variant: int) -> tuple[list[lessons.Question], str]:
    try:
        return lessons.questions_for(settings.NS, _state(settings), variant), ""
    except (CvcoreError, ValueError, TypeError) as exc:
        return [], str(exc)


def prepare(settings) -> None:
    """Work out, before anything of the lab is drawn, which facts its open questions about the screen ask and are
    not yet checked (``shown`` and the lesson's note hide them). Runs first in every run of a lab's part."""
    ns = settings.NS
    awaited: dict[str, int] = {}
    if lessons.lessons_for(ns) is not None and st.session_state.get(_open_key(ns)) and _variant(ns) == 0:
        for i, q in enumerate(_questions(settings, 0)[0], start=1):
            if q.fact and st.session_state.get(_checked_key(_tag(ns, i, 0, q))) is None:
                awaited.setdefault(q.fact, i)
    st.session_state[_awaited_key(ns)] = awaited


def _awaited(ns: str) -> dict[str, int]:
    return st.session_state.get(_awaited_key(ns)) or {}


def awaited(ns: str, facts: str | Collection[str]) -> int | None:
    """The number of the first open, unchecked question about the screen that asks one of ``facts``, if any."""
    waiting = _awaited(ns)
    numbers = [waiting[f] for f in ((facts,) if isinstance(facts, str) else facts) if f in waiting]
    return min(numbers) if numbers else None


def shown(ns: str, facts: str | Collection[str], text: str, hidden: str = lessons.HIDDEN) -> str:
    """``text`` (a number, a caption, a title that states ``facts``), or ``hidden`` while a question about the screen
    that asks one of them is open and not yet checked. Every number a lab writes that a question may ask goes
    through here."""
    return hidden if awaited(ns, facts) is not None else text


def _hidden_caption(where, number: int) -> None:
    where.caption(f"Hidden while you predict: check question {number} of *Predict, then reveal* to see it.")


def hidden_note(where, ns: str, facts: str | Collection[str]) -> bool:
    """If ``facts`` are awaited, write the caption that stands where they would be, in ``where``; returns whether
    (the caller then draws nothing that states them)."""
    number = awaited(ns, facts)
    if number is not None:
        _hidden_caption(where, number)
    return number is not None


def question_panel(settings: type[LabSettings]) -> None:
    """The "Predict, then reveal" expander: questions about the current settings, each checked and explained."""
    ns = settings.NS
    if lessons.lessons_for(ns) is None:
        return
    variant_key = f"_q.{ns}.variant"
    variant = _variant(ns)
    # Built only while open: a closed panel costs one expander, not a dozen widgets, on every run.
    with st.expander("Predict, then reveal", icon=":material/quiz:", key=_open_key(ns), on_change="rerun") as panel:
        if not panel.open:
            return
        if variant == 0:
            st.caption("About the settings on screen: predict, then check.")
        else:
            st.caption(f"Practice set {variant}: other settings, same ideas.")
        questions, problem = _questions(settings, variant)
        if not questions:
            st.caption(f"No questions for these settings{': ' + problem if problem else ''}.")
        for i, q in enumerate(questions, start=1):
            tag = _tag(ns, i, variant, q)
            answer_key, store = f"_q.{tag}.given", _checked_key(tag)
            st.markdown(f"**{i}.** {q.prompt}")
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            with left:
                if q.choices:
                    st.radio("Your answer", list(q.choices), index=None, key=answer_key, horizontal=True)
                else:
                    is_int = isinstance(q.answer, int)
                    st.number_input("Your answer", value=None, step=1 if is_int else 0.01, key=answer_key,
                                    format="%d" if is_int else "%.2f")
            right.button("Check", key=f"_q.{tag}.check", on_click=_record, args=(store, answer_key),
                         width="stretch")
            checked = st.session_state.get(store)
            if checked is not None:
                answer = f"{q.answer:,}" if isinstance(q.answer, int) else f"{q.answer}"
                if checked[0] is None:
                    st.warning(f"No answer given. The answer is **{answer}**: {q.explanation}")
                elif lessons.check_answer(q, checked[0]):
                    st.success(f"Right: **{answer}**. {q.explanation}")
                else:
                    st.warning(f"Not quite: the answer is **{answer}**. {q.explanation}")
        a, b = st.columns(2)
        a.button("New questions", key=f"_q.{ns}.more", on_click=_new_variant, args=(variant_key, 1),
                 help="Questions about other settings", width="stretch")
        b.button("Ask about the screen", key=f"_q.{ns}.back", on_click=_new_variant, args=(variant_key, 0),
                 disabled=variant == 0, width="stretch")


def _open_key(ns: str) -> str:
    return f"_q.{ns}.open"
