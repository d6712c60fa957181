"""Text alternatives of figures: the caption carries the numbers a sighted reader takes from the chart."""

import torch

from cvcore.conv import conv_trace
from cvcore.teach import course
from cvcore.viz import conv_figures, grid_heatmap
from cvcore.viz.describe import describe


def test_a_grid_is_described_by_its_size_and_value_range():
    text = describe(grid_heatmap(torch.tensor([[-5.0, 4.0, 0.0], [8.0, 1.0, 2.0]]), title="Output <b>2x3</b>"))
    assert text == "Output 2x3: grid of 2 x 3 cells, values -5 to 8; x axis: column; y axis: row."


def test_the_convolution_figures_carry_their_numbers():
    ex = course.conv_examples()["edge_6x6"]
    trace = conv_trace(torch.tensor(ex.image), torch.tensor(ex.kernel))
    out = describe(conv_figures(trace, 15)[2])  # at the last step every output cell is filled in
    assert out == f"Output 4x4: grid of 4 x 4 cells, values {int(trace.output.min())} to {int(trace.output.max())}; " \
                  "x axis: column; y axis: row."
    assert describe(conv_figures(trace, 0)[2]).startswith("Output 4x4: grid of 4 x 4 cells, values -5 to -5;")


def test_bars_list_their_values():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["conv", "linear"], y=[156, 48120]), layout={"yaxis": {"title": {"text": "parameters"}}})
    assert describe(fig) == "Figure: bars: conv: 156; linear: 48,120; y axis: parameters."
