"""One AppTest rerun of each lab page after a settings change, against one rerun of the trivial one-slider page
(``trivial_page.py``), both timed in the same run. Target: < 3x.

    .venv/bin/python -m benchmarks.pages.reruns      (also section 2 of benchmarks/run.py)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest

from benchmarks.timing import rerun_ms
from cvcore.networks import builder
from harness.apptest import open_lab

TRIVIAL_PAGE = Path(__file__).resolve().with_name("trivial_page.py")
TARGET = 3.0  # x the trivial page

# (page, the setting changed on every rerun, its two alternating values, what is shown, widget, the page's view)
PAGES = [
    ("convolution", "conv.stride", (2, 1), "Convolution page rerun (stride)", "number_input", None),
    ("pooling", "pool.stride", (1, 2), "Pooling page rerun (stride)", "number_input", None),
    ("volumes", "vol.stride", (2, 1), "Volumes page rerun (stride)", "number_input", None),
    ("separable", "sep.c", (6, 4), "1x1/separable page rerun (n_C)", "number_input", None),
    ("transposed", "tconv.stride", (3, 2), "Transposed page rerun (stride)", "number_input", None),
    ("dimensions", "dims.d", (3, 2), "Dilated/1-D/3-D page rerun (d)", "number_input", None),
    ("learn_filter", "learn.seed", (1, 0), "Learning page rerun (seed)", "number_input", None),
    ("architectures", "arch.size", (200, 0), "Architectures page rerun (input size)", "number_input", None),
    ("inside_cnn", "inside.layer", ("features.13", "features.6"), "Inside-a-CNN page rerun (layer)", "selectbox", None),
    ("detection", "det.ax2", (6.0, 5.0), "Detection page rerun (IoU box)", "slider", "iou"),
]


def trivial_ms(repeat: int = 30) -> float:
    """The reference: one rerun of the one-slider page after its slider moves."""
    trivial = AppTest.from_file(str(TRIVIAL_PAGE), default_timeout=120)
    trivial.run()
    return rerun_ms(trivial, lambda at, i: at.slider(key="value").set_value(i % 2 + 1), repeat, errors_fail=False)


def page_ms(page: str, key: str, values: tuple, repeat: int = 30, widget: str = "number_input",
            view: str | None = None) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if view:
        at.query_params["view"] = view
    open_lab(at, page)
    at.run()
    getattr(at, widget)(key=key).set_value(values[0])
    at.run()  # warm the caches of both settings
    return rerun_ms(at, lambda app, i: getattr(app, widget)(key=key).set_value(values[(i + 1) % 2]), repeat,
                    errors_fail=False)


def layer_edit_ms(repeat: int = 20) -> float:
    """The Build page after a layer is edited (the editor's layers alternate between two networks)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    open_lab(at, "build_cnn")
    at.run()
    course = builder.specs_text(builder.course_example())
    edited = course.replace("conv-64-3-1-0", "conv-48-3-1-0")

    def change(app, i):
        app.session_state["build.layers"] = (edited, course)[i % 2]

    change(at, 1)
    at.run()
    return rerun_ms(at, change, repeat, errors_fail=False)


def rows(reference_ms: float) -> tuple[list[str], dict[str, float]]:
    """Each page's line and every page's ratio to ``reference_ms`` (the trivial page's rerun)."""
    lines, ratios = [], {}
    for page, key, values, label, widget, view in PAGES:
        ms = page_ms(page, key, values, widget=widget, view=view)
        ratios[page] = ms / reference_ms
        lines.append(f"{label:34} {ms:10.1f} {'1-slider page':>14} {reference_ms:8.1f} {ratios[page]:6.1f}x")
    ms = layer_edit_ms()
    ratios["build_cnn"] = ms / reference_ms
    lines.append(f"{'Build page rerun (layer edited)':34} {ms:10.1f} {'1-slider page':>14} {reference_ms:8.1f} "
                 f"{ratios['build_cnn']:6.1f}x")
    return lines, ratios


if __name__ == "__main__":
    print("\n".join(rows(trivial_ms())[0]))
