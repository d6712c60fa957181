"""Learning a filter: every number of the kernel grids fits inside its cell, and the exact values are kept.

Text width is estimated with DejaVu Sans's advance widths (in em; the sans-serif face Linux browsers fall back to and
one of the widest): the text of a cell must fit the cell's drawn width minus a pixel of room on each side.
"""

import math
import re

import pytest
import torch

from cvcore import images
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from cvcore.viz.grid_svg import grid_svg
from cvcore.viz.grids import grid_heatmap
from cvcore.viz.learn import CELL_CHARS, cell_text, exact_rows, kernel_figure

_EM = {**dict.fromkeys("0123456789", 0.636), ".": 0.318, "-": 0.361, "+": 0.838, "e": 0.615, "n": 0.634,
       "a": 0.613, "i": 0.278, "f": 0.352}
# Values seen spilling out of their cells, and the widest texts the formatter can write.
_WORST = torch.tensor([[-0.0004413, 0.9996718, -2.0003],
                       [-123.456, 98765.4, -123456.0],
                       [-99.9949, 1 / 3, -7.77777]], dtype=torch.float64)


def _width(text: str, font: float) -> float:
    return sum(_EM.get(ch, 0.65) for ch in text) * font


def _overflowing(fig) -> list[tuple[str, float, float]]:
    """(text, its width, the room) of each cell text wider than its cell, read from the figure's JSON."""
    heat = fig.to_plotly_json()["data"][0]
    room = fig.layout.meta["grid_cell"] - (1 if heat.get("xgap") else 0) - 2
    font = float(heat["textfont"]["size"])
    return [(t, _width(t, font), room) for row in heat["text"] for t in row if _width(t, font) > room]


def test_the_issues_number_overflowed_its_cell_with_four_significant_digits():
    """The reference the bound must catch: the default four significant digits ("-0.0004413") do not fit."""
    assert _overflowing(grid_heatmap(_WORST, title="Learned", colors="signed", zmid=0.0))


def test_every_cell_text_of_a_kernel_figure_fits_its_cell():
    assert _overflowing(kernel_figure(_WORST, title="Learned")) == []
    fig = kernel_figure(_WORST, title="Learned")
    # The picture the page draws (grid_svg) writes the same texts at the same size in cells of the same width.
    svg = grid_svg(fig)
    cell = fig.layout.meta["grid_cell"]
    cells = re.findall(r'<text x="[\d.]+" y="[\d.]+" font-size="([\d.]+)" text-anchor="middle" fill="#[0-9a-f]{6}">'
                       r'([^<]*)</text>', svg)
    assert len(cells) == 9
    assert all(_width(text, float(size)) <= cell - 3 for size, text in cells), cells


def test_a_learned_kernel_fits_at_every_step_of_a_real_run():
    """A real run on a photo: from random numbers to Sobel, every grid drawn on the way fits."""
    image = images.gray_crop(images.sample_image("camera"), 48)
    for record in learn_kernel(image, kernels.make_kernel("sobel_x"), steps=120):
        if record.step % 20 == 0 or record.step == 1:
            assert _overflowing(kernel_figure(record.kernel, title=f"Kernel after step {record.step}")) == []


@pytest.mark.parametrize("value", [-0.0004413, 0.9996718, 1 / 3, -2.0003, 5.5555, -9.99951, 42.4242, -99.9949,
                                   123.456, -4321.5, 98765.4, 3e-9, -123456.0, 7.2e12])
def test_cell_text_is_short_and_rounds_correctly(value):
    text = cell_text(value)
    assert len(text) <= CELL_CHARS
    shown = float(text)
    if abs(value) < 9.9995:
        assert abs(shown - value) <= 0.0005 + 1e-12  # three decimals
    elif abs(value) < 99.995:
        assert abs(shown - value) <= 0.005 + 1e-12
    elif abs(value) < 99999.5:
        assert abs(shown - value) <= 0.5 + 1e-9  # at least the whole part
    else:
        assert math.isclose(shown, value, rel_tol=0.5)  # a power of ten: one significant digit
    assert not text.startswith("-") or shown < 0  # a number that rounds to zero carries no minus sign


def test_cell_text_keeps_whole_numbers_and_names_non_finite_ones():
    assert [cell_text(v) for v in (-2.0, 0.0, 12345.0, float("inf"), float("nan"))] == ["-2", "0", "12345", "inf", "nan"]


def test_the_exact_values_are_in_the_table():
    learned, target = _WORST, kernels.make_kernel("sobel_x").double()
    rows = exact_rows(learned, target)
    assert [(r["row"], r["column"]) for r in rows] == [(i, j) for i in range(3) for j in range(3)]
    for r in rows:
        want = float(learned[r["row"], r["column"]])
        assert math.isclose(float(r["learned"]), want, rel_tol=1e-6)
        assert float(r["target"]) == float(target[r["row"], r["column"]])
        assert math.isclose(float(r["difference"]), want - float(target[r["row"], r["column"]]), rel_tol=1e-2)
    assert rows[0]["learned"] == "-0.0004413"
