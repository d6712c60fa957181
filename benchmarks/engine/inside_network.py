"""Speed figures for the Inside lab's whole-network view (offline MobileNetV2, 224 px, CPU), each against a reference
measured in the same run:

1. The overview (every stage's output, shape and strongest map: ``cvcore.inside.overview``) vs a plain forward pass.
2. The drill-down of one value: the activations it reads plus the step-through (``unit_activations`` +
   ``trace_unit``) for the 320-channel 1x1 ``features.18`` and a depthwise 3x3, vs a plain forward pass.
3. In the page (AppTest, caches warm as a learner finds them after a first visit): opening the overview
   (the view switches from Feature maps), a click on a stage, and a new cell, vs a rerun of the one-slider page.

    .venv/bin/python -m benchmarks.engine.inside_network      (also part of ``make bench``)
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch
from streamlit.testing.v1 import AppTest

from benchmarks.timing import paired_ms, rerun_ms
from cvcore import images, zoo
from cvcore.inside import features, overview, unit_trace
from harness.apptest import open_lab

__all__ = ["rows", "engine_rows", "page_rows"]


def engine_rows(repeat: int = 10) -> list[tuple[str, float, str, float]]:
    """(measurement, ms, reference, reference ms) for the engine calls."""
    model = zoo.load("mobilenet_v2", device="cpu")
    x = features.preprocess(images.sample_image("chelsea"), zoo.registry()["mobilenet_v2"])
    units = {u.name: u for u in unit_trace.conv_units(model)}

    def forward():
        with torch.inference_mode():
            model(x)

    def drill(name: str, channel: int, row: int, col: int):
        unit = units[name]
        return unit_trace.trace_unit(model, unit, channel, row, col,
                                     activations=unit_trace.unit_activations(model, x, unit))

    out = []
    ms, ref = paired_ms(lambda: overview.overview(model, x), forward, repeat)
    out.append(("overview: 22 stages + thumbnails", ms, "forward", ref))
    for name, cell in (("features.18", (414, 3, 4)), ("features.2.conv.1", (20, 0, 37))):
        ms, ref = paired_ms(lambda name=name, cell=cell: drill(name, *cell), forward, repeat)
        out.append((f"drill-down {name}", ms, "forward", ref))
    acts = unit_trace.unit_activations(model, x, units["features.18"])  # as the page caches them
    ms, ref = paired_ms(lambda: unit_trace.trace_unit(model, units["features.18"], 414, 3, 4, activations=acts),
                         forward, repeat)
    out.append(("trace alone (features.18, 320 ch)", ms, "forward", ref))
    return out


def trivial_ms(repeat: int = 20) -> float:
    trivial = AppTest.from_file(str(ROOT / "benchmarks" / "pages" / "trivial_page.py"), default_timeout=120)
    trivial.run()
    return rerun_ms(trivial, lambda at, i: at.slider(key="value").set_value(i % 2 + 1), repeat)


def page_rows(reference_ms: float, repeat: int = 8) -> list[tuple[str, float, str, float]]:
    """AppTest reruns of the Inside page's whole-network view against the one-slider page's rerun."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    open_lab(at, "inside_cnn")
    at.run()
    views = ("overview", "maps")
    for view in views:  # warm both views' caches, as a learner's second visit finds them
        at.radio(key="inside.view").set_value(view).run()
    opened = []
    for i in range(repeat * 2):
        at.radio(key="inside.view").set_value(views[i % 2])
        start = time.perf_counter()
        at.run()
        if views[i % 2] == "overview":
            opened.append((time.perf_counter() - start) * 1000)
    at.radio(key="inside.view").set_value("overview").run()
    stages = ("features.2", "features.13")
    for stage in stages:
        at.button(key=f"inside_stage_{stage}").click().run()
    stage_ms = rerun_ms(at, lambda app, i: app.button(key=f"inside_stage_{stages[i % 2]}").click(), repeat)
    cells = ("3,4", "10,2")
    cell_ms = rerun_ms(at, lambda app, i: app.text_input(key="inside.cell").input(cells[i % 2]), repeat)
    return [("page: open the overview", statistics.median(opened), "1-slider page", reference_ms),
            ("page: click a stage (maps + trace)", stage_ms, "1-slider page", reference_ms),
            ("page: a new cell (trace)", cell_ms, "1-slider page", reference_ms)]


def rows(reference_ms: float | None = None) -> list[str]:
    """The report's lines; ``reference_ms`` is the one-slider page's rerun if the caller timed it already."""
    reference_ms = trivial_ms() if reference_ms is None else reference_ms
    return [f"{name:36} {ms:10.1f} {ref:>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x"
            for name, ms, ref, ref_ms in engine_rows() + page_rows(reference_ms)]


if __name__ == "__main__":
    print(f"Inside a trained CNN, whole network (MobileNetV2, 224 px, {torch.get_num_threads()} threads, CPU)")
    print(f"{'measurement':36} {'median ms':>10} {'reference':>16} {'ref ms':>8} {'ratio':>7}")
    print("\n".join(rows()))
