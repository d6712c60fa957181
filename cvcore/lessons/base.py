"""What a lesson and a question are, and the registry that holds every lab's.

A lab's teaching material is data: a ``LabLessons`` entry, keyed by the lab's settings namespace
(``conv``, ``pool``, ...). Its ``steps`` are prepared states of the lab's controls (settings dicts,
in the names the lab's link uses) with what to notice; its ``questions`` is a pure function of the
lab's current settings that returns questions whose answers the engine computes. A new lab adds one
module to this package that calls ``register``.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from cvcore.errors import InvalidParameter

__all__ = ["Step", "Question", "LabLessons", "Picker", "register", "registry", "lessons_for", "lessons_of_lab",
           "questions_for", "check_answer"]


@dataclass(frozen=True)
class Step:
    """One prepared state: ``settings`` (setting name -> value, as in the lab's link) and what to notice."""

    title: str
    settings: dict
    notice: str


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
