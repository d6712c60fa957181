"""Classification with localization: the course's target vector and its loss.

y = [p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C]: p_c is 1 if there is an object; (b_x, b_y) its midpoint
and (b_h, b_w) its height and width, as fractions of the image (top-left (0, 0), bottom-right (1, 1));
c_k is 1 for its class. With no object, p_c = 0 and the other entries are "don't care" (None): the
loss only looks at p_c. Landmarks extend y with (l_x, l_y) pairs in the same coordinates.
"""

import math
from dataclasses import dataclass

from cvcore.errors import InvalidParameter

__all__ = ["Target", "target_vector", "LossTerm", "localization_loss", "FORMS"]

FORMS = ("squared", "practical")


@dataclass(frozen=True)
class Target:
    names: tuple[str, ...]
    values: tuple[float | None, ...]  # None: don't care


def target_vector(box, label: int | None, width: float, height: float, classes: int = 3,
                  landmarks=()) -> Target:
    """y for an object in ``box`` (x1, y1, x2, y2 in pixels) of class ``label``, or for no object (``box`` None).

    >>> target_vector((20, 10, 60, 50), 1, 100, 100).values
    (1.0, 0.4, 0.3, 0.4, 0.4, 0.0, 1.0, 0.0)
    >>> target_vector(None, None, 100, 100).values
    (0.0, None, None, None, None, None, None, None)
    """
    if not (width > 0 and height > 0):
        raise InvalidParameter(f"width and height must be > 0, got {width} and {height}")
    names = ["p_c", "b_x", "b_y", "b_h", "b_w"] + [f"c_{k + 1}" for k in range(classes)]
    names += [f"l_{n}{i + 1}" for i in range(len(landmarks)) for n in ("x", "y")]
    if box is None:
        return Target(tuple(names), (0.0,) + (None,) * (len(names) - 1))
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
        raise InvalidParameter(f"box must satisfy 0 <= x1 < x2 <= {width} and 0 <= y1 < y2 <= {height}, got {box}")
    if label is None or not 0 <= label < classes:
        raise InvalidParameter(f"label must be a class in [0, {classes - 1}], got {label}")
    values = [1.0, (x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (y2 - y1) / height, (x2 - x1) / width]
    values += [1.0 if k == label else 0.0 for k in range(classes)]
    for x, y in landmarks:
        values += [float(x) / width, float(y) / height]
    return Target(tuple(names), tuple(round(v, 6) for v in values))


@dataclass(frozen=True)
class LossTerm:
    name: str  # which entries
    kind: str  # "squared error", "logistic", "cross-entropy"
    value: float
    formula: str  # with the numbers filled in


def _logistic(p: float, y: float) -> float:
    p = min(max(p, 1e-7), 1 - 1e-7)
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def localization_loss(prediction, target: Target, *, form: str = "squared", classes: int = 3) -> list[LossTerm]:
    """The loss of ``prediction`` (same length as y, class entries as probabilities) against ``target``, term by term.

    "squared": the course's first form, the sum of squared differences over all entries if p_c = 1,
    only (y_hat_1 - y_1)^2 if p_c = 0. "practical": logistic loss for p_c, squared error for the box,
    cross-entropy for the classes (box and classes only when there is an object).

    >>> t = target_vector((20, 10, 60, 50), 1, 100, 100)
    >>> [round(term.value, 4) for term in localization_loss([0.9, 0.4, 0.3, 0.4, 0.4, 0.1, 0.8, 0.1], t)]
    [0.01, 0.0, 0.06]
    """
    if form not in FORMS:
        raise InvalidParameter(f"form must be one of {FORMS}, got {form!r}")
    p = [float(v) for v in prediction]
    if len(p) != len(target.values):
        raise InvalidParameter(f"prediction must have {len(target.values)} numbers like y, got {len(p)}")
    y = target.values
    terms = []
    if form == "squared":
        terms.append(LossTerm("p_c", "squared error", (p[0] - y[0]) ** 2, f"({p[0]:g} - {y[0]:g})^2"))
    else:
        terms.append(LossTerm("p_c", "logistic", _logistic(p[0], y[0]),
                              f"-({y[0]:g} log {p[0]:g} + {1 - y[0]:g} log {1 - p[0]:g})"))
    if y[0] == 0:
        return terms
    box = range(1, 5)
    extra = range(5 + classes, len(y))  # landmarks
    terms.append(LossTerm("b_x, b_y, b_h, b_w", "squared error", sum((p[i] - y[i]) ** 2 for i in box),
                          " + ".join(f"({p[i]:g} - {y[i]:g})^2" for i in box)))
    cls = range(5, 5 + classes)
    if form == "squared":
        terms.append(LossTerm("c_1 ... c_C", "squared error", sum((p[i] - y[i]) ** 2 for i in cls),
                              " + ".join(f"({p[i]:g} - {y[i]:g})^2" for i in cls)))
    else:
        k = next(i for i in cls if y[i] == 1)
        terms.append(LossTerm("c_1 ... c_C", "cross-entropy", -math.log(min(max(p[k], 1e-7), 1.0)), f"-log {p[k]:g}"))
    if len(extra):
        terms.append(LossTerm("landmarks", "squared error", sum((p[i] - y[i]) ** 2 for i in extra),
                              " + ".join(f"({p[i]:g} - {y[i]:g})^2" for i in extra)))
    return terms
