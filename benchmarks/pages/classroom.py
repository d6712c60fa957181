"""Speed figures for the classroom layer: what the lesson and question panels add to every lab's rerun.

1. Generating the predict-then-reveal questions of each lab for its default settings (warm caches), against
   one rerun of the trivial one-slider page. Target: well under 0.5x, since it runs on every rerun.
2. One rerun of the glossary page after a search (about forty terms, each with its link), against the same
   trivial page. Target: < 5x.
"""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks.timing import median_ms
from cvcore import lessons
from harness.apptest import open_lab

ROOT = Path(__file__).resolve().parents[2]


def _defaults() -> dict[str, dict]:
    from labs import LABS, lab_settings

    return {settings.NS: settings.defaults() for settings in (lab_settings(lab.slug) for lab in LABS)}


def rows(trivial_ms: float) -> list[tuple[str, float, float]]:
    out = []
    for ns, defaults in _defaults().items():
        ms = median_ms(lambda ns=ns, defaults=defaults: lessons.questions_for(ns, defaults), repeat=20)
        out.append((f"questions of {ns}", ms, trivial_ms))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    open_lab(at, "glossary")
    at.run()
    words = ["stride", "iou", "gram", ""]
    state = {"i": 0}

    def search():
        state["i"] += 1
        at.text_input(key="term").input(words[state["i"] % len(words)]).run()

    out.append(("glossary rerun (search)", median_ms(search, repeat=10, warmup=2), trivial_ms))
    return out
