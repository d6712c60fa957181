"""The classroom layer of CNN Lab: lesson steps and predict-then-reveal questions for every lab, and the glossary.

Every module of this package except ``base`` and ``glossary`` registers the lessons of some labs, so a
new lab's lessons are one new module here (found by ``pkgutil``; nothing else to edit).
"""

import importlib
import pkgutil

from cvcore.lessons.base import (
    HIDDEN,
    LabLessons,
    Picker,
    Question,
    Step,
    answers,
    check_answer,
    digest,
    field_fact,
    lessons_for,
    lessons_of_lab,
    note,
    note_fields,
    questions_for,
    register,
    registry,
    written,
)
from cvcore.lessons.glossary import TERMS, Term

__all__ = ["Step", "Question", "LabLessons", "Picker", "register", "registry", "lessons_for", "lessons_of_lab",
           "questions_for", "check_answer", "note_fields", "field_fact", "note", "written", "answers", "digest", "HIDDEN", "Term", "TERMS"]

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "glossary"):
        importlib.import_module(f"{__name__}.{_module.name}")
