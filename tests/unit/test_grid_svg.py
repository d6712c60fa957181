"""Number grids as SVG pictures (cvcore.viz.grid_svg) show what the plotly figure shows: checked against the figure's
own numbers and against plotly's colour-scale sampling."""

import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pytest
import torch
from plotly.colors import sample_colorscale

from cvcore.conv import conv_trace
from cvcore.viz.conv import conv_figures
from cvcore.viz.grid_svg import grid_svg
from cvcore.viz.grids import COLORSCALES, grid_heatmap, outline_box, outline_cells

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _cells(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.findall("s:rect", NS) if r.get("fill", "").startswith("rgb(")]


def _rgb(fill: str) -> tuple[int, ...]:
    return tuple(int(v) for v in fill[4:-1].split(","))


def test_every_cell_is_drawn_in_the_figures_colour_with_its_number():
    values = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 8.0]])
    fig = grid_heatmap(values, title="Six cells", colors="gray")
    root = _parse(grid_svg(fig))
    cells = _cells(root)
    assert len(cells) == 6
    texts = ["".join(t.itertext()) for t in root.findall("s:text", NS)]
    for v in (0, 1, 2, 3, 4, 8):
        assert str(v) in texts
    assert "Six cells" in texts
    # plotly's own sampling of the same scale, at the same points (0..8 mapped to 0..1)
    for cell, value in zip(cells, values.flatten().tolist(), strict=True):
        expected = sample_colorscale(COLORSCALES["gray"], [value / 8.0], colortype="tuple")[0]
        assert _rgb(cell.get("fill")) == pytest.approx(tuple(round(c * 255) for c in expected), abs=1)


def test_signed_scale_is_white_at_zero_and_red_for_the_largest():
    fig = grid_heatmap(torch.tensor([[-2.0, 0.0, 2.0]]), title="signed", colors="signed", zmid=0.0)
    fills = [_rgb(c.get("fill")) for c in _cells(_parse(grid_svg(fig)))]
    assert fills == [(0x21, 0x66, 0xAC), (0xF7, 0xF7, 0xF7), (0xB2, 0x18, 0x2B)]


def test_hidden_cells_are_blank_and_offsets_label_the_axes():
    values = torch.arange(9.0).reshape(3, 3)
    hidden = torch.zeros(3, 3, dtype=torch.bool)
    hidden[2] = True
    fig = grid_heatmap(values, title="padded", hidden=hidden, row_offset=-1, col_offset=-1)
    root = _parse(grid_svg(fig))
    assert len(_cells(root)) == 6
    labels = {t.text for t in root.findall("s:text", NS)}
    assert {"-1", "0", "1"} <= labels and "6" not in labels  # ticks from the offset; the hidden row's numbers gone


def test_a_window_frame_lands_on_its_cells():
    fig = grid_heatmap(torch.zeros(4, 4), title="frame", overlays=[outline_cells([(1, 2)], color="#d55e00"),
                                                               outline_box(0, 0, 1, 1, color="#0072b2", dash="dash")])
    svg = grid_svg(fig)
    cell = fig.layout.meta["grid_cell"]
    root = _parse(svg)
    first, second = root.findall("s:path", NS)
    x0, y0 = (float(v) for v in first.get("d")[1:].split(" ")[:2])  # "M<x> <y> L..."
    cells = _cells(root)
    # The frame of cell (1, 2) starts at that cell's top-left corner.
    corner = next(c for c in cells if float(c.get("x")) == float(cells[0].get("x")) + 2 * cell
                  and float(c.get("y")) == float(cells[0].get("y")) + 1 * cell)
    assert (x0, y0) == (pytest.approx(float(corner.get("x"))), pytest.approx(float(corner.get("y"))))
    assert first.get("stroke") == "#d55e00" and second.get("stroke-dasharray") == "6,4"


def test_the_step_through_figures_keep_bold_and_superscript_weights():
    image = torch.tensor([[3.0, 0, 1, 2], [1, 5, 8, 9], [2, 7, 2, 5], [0, 1, 3, 1]], dtype=torch.float64)
    kernel = torch.tensor([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=torch.float64)
    fig_in, fig_k, fig_out = conv_figures(conv_trace(image, kernel), 0)
    root = _parse(grid_svg(fig_in))
    spans = root.findall(".//s:tspan", NS)
    assert any(s.get("font-weight") == "bold" and s.text == "3" for s in spans)
    assert any(s.get("baseline-shift") == "super" and s.text == "×1" for s in spans)
    assert all(grid_svg(f) is not None for f in (fig_k, fig_out))


def test_other_figures_are_left_to_plotly():
    assert grid_svg(go.Figure(go.Bar(x=[1, 2], y=[3, 4]))) is None
    assert grid_svg(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))) is None  # not a grid_heatmap: no cell size
    fig = grid_heatmap(torch.zeros(2, 2), title="with markers")
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers"))
    assert grid_svg(fig) is None


def test_presenter_scale_enlarges_the_picture_not_its_drawing():
    fig = grid_heatmap(torch.ones(3, 3), title="t")
    small, large = _parse(grid_svg(fig)), _parse(grid_svg(fig, scale=2.0))
    assert float(large.get("width")) == pytest.approx(2 * float(small.get("width")), abs=1)
    assert large.get("viewBox") == small.get("viewBox")


def test_named_rows_and_columns_show_their_names():
    names = ["cat", "plastic bag", "dog"]
    fig = grid_heatmap(torch.eye(3), title="Confusion", row_labels=names, col_labels=names)
    axis_texts = [t.text for t in _parse(grid_svg(fig)).findall("s:text", NS) if t.get("fill") == "#555"]
    assert sorted(axis_texts) == sorted(names * 2 + ["column", "row"])  # the names replace the numbers


def test_titles_given_as_plain_strings_are_read_too():
    fig = grid_heatmap(torch.ones(2, 2), title="t")
    fig.layout.title, fig.layout.xaxis.title = "Connections", "input channel"  # as some figures set them
    texts = [t.text for t in _parse(grid_svg(fig)).findall("s:text", NS)]
    assert "Connections" in texts and "input channel" in texts
