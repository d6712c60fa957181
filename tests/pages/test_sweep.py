"""Every numeric control of every lab at its extremes and every text box with odd text: no traceback anywhere.

The controls are found by exploring each page (``tests/pages/explore.py``), so a lab added to
``labs.LABS`` is swept without changing this file. On each view of a page every number input
and slider goes to its minimum at once, then to its maximum (set again when that moved a bound of
another control, or revealed one); then every text box gets each odd text.
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.explore import enabled, explored, lab_pages, replay

ODD_TEXTS = ("", "x" * 5000, "ünïcödé ✓ 漢字 🙂", "1e309", "-0", "<script>alert(1)</script>", "../../etc/passwd",
             "NaN", "[[1, 2], [3]]", "\x00\n\t")


def _numeric(at: AppTest):
    return [w for kind in ("number_input", "slider") for w in getattr(at, kind) if enabled(w)]


def _extreme(w, end: str):
    value = w.min if end == "min" else w.max
    if w.type == "slider" and isinstance(w.value, (tuple, list)):
        return (w.min, w.max) if end == "max" else (w.min, w.min)
    return value


def _bounds(controls) -> list[tuple]:
    return sorted((w.type, str(w.key or w.label), str(w.min), str(w.max)) for w in controls)


def _text_boxes(at: AppTest):
    return [w for kind in ("text_input", "text_area") for w in getattr(at, kind) if enabled(w)]


def _views(found) -> list[tuple]:
    """One path per distinct state that reveals a numeric or text control (the page as opened, and choices)."""
    kinds = ("number_input", "slider", "text_input", "text_area")
    return sorted({path for (kind, _), path in found.controls.items() if kind in kinds}, key=len)


def _traceback_free(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {at.exception}"
    for e in at.error:
        assert "Traceback" not in str(e.value), f"{where}: {e.value}"


@pytest.mark.parametrize("page", lab_pages())
def test_numbers_at_their_extremes_and_odd_text(open_page, page):
    found = explored(open_page, page)
    assert not found.failures, found.failures
    for path in _views(found):
        at = open_page(page)
        assert replay(at, path), f"{page} {path}: {at.exception}"
        for end in ("min", "max"):
            for _ in range(2):
                controls = _numeric(at)
                if not controls:
                    break
                bounds = _bounds(controls)
                for w in controls:
                    if w.min is None or w.max is None:  # an unbounded number input: a huge value instead
                        w.set_value(-1e12 if end == "min" else 1e12)
                    else:
                        w.set_value(_extreme(w, end))
                at.run()
                _traceback_free(at, f"{page} {path} numbers at {end}")
                if _bounds(_numeric(at)) == bounds:
                    break  # no bound moved and no control appeared: nothing new to set
        if _text_boxes(at):
            for text in ODD_TEXTS:
                for w in _text_boxes(at):
                    w.set_value(text)
                at.run()
                _traceback_free(at, f"{page} {path} text {text[:20]!r}")
