"""What a lesson and a question are, and the registry that holds every lab's.

A lab's teaching material is data: a ``LabLessons`` entry, keyed by the lab's settings namespace
(``conv``, ``pool``, ...). Its ``steps`` are prepared states of the lab's controls (settings dicts,
in the names the lab's link uses) with what to notice; its ``questions`` is a pure function of the
lab's current settings that returns questions whose answers the engine computes. A new lab adds one
module to this package that calls ``register``.

A step's note is a template: every number in it is a ``{field}`` that ``Step.numbers`` computes from the lab's whole
state at that step, so the note always says what the screen shows. A question names the ``fact`` it asks about; a
field of the same name (or ``{fact.anything}``, the same fact written another way, e.g. in millions) is what the page
hides while that question is open (``note``).
"""

import math
import random
import string
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from cvcore.errors import InvalidParameter

__all__ = ["Step", "Question", "LabLessons", "Picker", "register", "registry", "lessons_for", "lessons_of_lab",
           "questions_for", "check_answer", "note_fields", "field_fact", "note", "written", "answers", "digest", "HIDDEN"]

HIDDEN = "?"  # what a note writes for a number whose question is still open


@dataclass(frozen=True)
class Step:
    """One prepared state: ``settings`` (setting name -> value, as in the lab's link) and what to notice.

    ``notice`` is a template whose ``{name}`` fields ``numbers(state)`` fills in, ``state`` being the lab's whole
    state at the step (its defaults overridden by ``settings``); a note without numbers needs no ``numbers``.
    """

    title: str
    settings: dict
    notice: str
    numbers: Callable[[dict], dict] | None = field(default=None, repr=False, compare=False)

    def values(self, state: dict) -> dict:
        """The note's numbers for ``state``, by field name."""
        return {} if self.numbers is None else dict(self.numbers(state))


@dataclass(frozen=True)
class Question:
    """A predict-then-reveal question.

    ``answer`` is a number (int or float, checked within ``tolerance``) or, with ``choices``, one of the
    choices. ``explanation`` says why, with the numbers filled in.
    """

    prompt: str
    answer: int | float | str
    explanation: str
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    # What it asks, e.g. "out_side", "params": the page hides that fact while the question is open. A fact named
    # "..._side" is a map's side, which pages also write as "4x4".
    fact: str = ""


def answers(questions: list[Question]) -> dict:
    """What ``questions`` ask, by fact, with their answers: the numbers a lesson note names that a question about the
    same state may be waiting on.

    >>> answers([Question("Side?", 4, "", fact="out_side"), Question("Why?", "so", "")])
    {'out_side': 4}
    """
    return {q.fact: q.answer for q in questions if q.fact}


def digest(question: Question) -> str:
    """A short name for ``question`` in its state: a question about other settings (another answer, other numbers in
    its explanation) gets another name, so an answer typed for one state is never graded against the next.

    >>> digest(Question("2 + 2?", 4, "four")) == digest(Question("2 + 2?", 5, "five"))
    False
    """
    text = repr((question.prompt, question.answer, question.explanation, question.choices, question.fact))
    return f"{zlib.crc32(text.encode()):08x}"


def note_fields(template: str) -> list[str]:
    """The ``{field}`` names of a note template, in order.

    >>> note_fields("{n}x{n} gives {out_side:.1f}")
    ['n', 'n', 'out_side']
    """
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def written(value, spec: str = "") -> str:
    """How a note writes a number: ints with thousands separators, floats as short as they go, text as it is.

    >>> written(53952), written(0.25), written("1 0 -1"), written(0.16667, ".3f")
    ('53,952', '0.25', '1 0 -1', '0.167')
    """
    if spec:
        return format(value, spec)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def field_fact(name: str) -> str:
    """The fact a note's field writes: its name up to the first dot (``trainable.millions`` writes ``trainable``)."""
    return name.split(".", 1)[0]


def note(template: str, values: dict, hidden: Collection[str] = ()) -> str:
    """``template`` with its fields filled from ``values``; a field whose fact is in ``hidden`` reads HIDDEN.

    >>> note("{n}x{n} gives {out_side}x{out_side}", {"n": 6, "out_side": 4}, hidden={"out_side"})
    '6x6 gives ?x?'
    >>> note("{trainable.millions} million", {"trainable.millions": 2.2}, hidden={"trainable"})
    '? million'
    """
    parts = []
    for text, name, spec, _ in string.Formatter().parse(template):
        parts.append(text)
        if name is not None:
            parts.append(HIDDEN if field_fact(name) in hidden else written(values[name], spec))
    return "".join(parts)


@dataclass(frozen=True)
class LabLessons:
    """A lab's lesson steps (3 to 6) and its question generator ``questions(settings, variant)``.

    ``ns`` is the lab's settings namespace, ``lab`` its title in the course map (``labs.LABS``).
    """

    ns: str
    lab: str
    steps: tuple[Step, ...]
    questions: Callable[[dict, int], list[Question]] = field(repr=False)


_REGISTRY: dict[str, LabLessons] = {}


def register(entry: LabLessons) -> LabLessons:
    if not 3 <= len(entry.steps) <= 6:
        raise InvalidParameter(f"a lesson has 3 to 6 steps, got {len(entry.steps)} for {entry.ns!r}")
    _REGISTRY[entry.ns] = entry
    return entry


def registry() -> dict[str, LabLessons]:
    """Every registered lab's lessons, by namespace."""
    return dict(_REGISTRY)


def lessons_for(ns: str) -> LabLessons | None:
    return _REGISTRY.get(ns)


def lessons_of_lab(title: str) -> LabLessons | None:
    """The lessons of the lab titled ``title``, if it has any."""
    return next((entry for entry in _REGISTRY.values() if entry.lab == title), None)


def questions_for(ns: str, settings: dict, variant: int = 0) -> list[Question]:
    """The questions for lab ``ns`` in the state ``settings``; ``variant`` 0 asks about exactly these
    settings, other variants about nearby settings drawn from a generator seeded with the variant."""
    entry = _REGISTRY.get(ns)
    return [] if entry is None else entry.questions(settings, variant)


def check_answer(question: Question, given) -> bool:
    """Whether ``given`` (a number, a numeric string or a choice) answers ``question``.

    >>> check_answer(Question("2 + 2?", 4, "four"), "4")
    True
    >>> check_answer(Question("IoU?", 0.25, "", tolerance=0.01), 0.255)
    True
    """
    if given is None or given == "":
        return False
    if question.choices or isinstance(question.answer, str):
        return str(given) == str(question.answer)
    try:
        value = float(given)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and abs(value - float(question.answer)) <= question.tolerance + 1e-9


class Picker:
    """Reads settings for a question: the value itself for variant 0, a random nearby one otherwise.

    >>> Picker({"stride": 2}, 0).int("stride", 1, 4)
    2
    >>> 1 <= Picker({"stride": 2}, 5).int("stride", 1, 4) <= 4
    True
    """

    def __init__(self, settings: dict, variant: int):
        self.settings, self.variant = settings, variant
        self.rng = random.Random(variant)

    def int(self, name: str, low: int, high: int, default: int | None = None) -> int:
        if self.variant == 0:
            value = self.settings.get(name, default if default is not None else low)
            return min(max(int(value), low), high)
        return self.rng.randint(low, high)

    def choice(self, name: str, options, default=None):
        options = list(options)
        if self.variant == 0:
            value = self.settings.get(name, default)
            return value if value in options else (default if default is not None else options[0])
        return self.rng.choice(options)

    def float(self, name: str, low: float, high: float, digits: int = 1) -> float:
        if self.variant == 0:
            return min(max(float(self.settings.get(name, low)), low), high)
        return round(self.rng.uniform(low, high), digits)
