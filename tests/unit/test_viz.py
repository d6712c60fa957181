"""The figure builders: valid plotly figures that show what the step says."""

import plotly.graph_objects as go
import torch

from cvcore.conv import conv_trace
from cvcore.conv.pooling import pool_trace
from cvcore.teach import course
from cvcore.viz import conv_figures, pool_figures


def _validated(fig: go.Figure) -> dict:
    """Round-trip through plotly's full validation (the builders skip it for speed)."""
    return go.Figure(fig.to_dict()).to_dict()


def test_conv_figures_are_valid_and_show_the_step():
    ex = course.conv_examples()["stride_7x7"]
    trace = conv_trace(ex.image, ex.kernel, stride=2, padding=1)
    fig_in, fig_k, fig_out = (_validated(f) for f in conv_figures(trace, 4))
    heat = fig_in["data"][0]
    assert len(heat["z"]) == 9 and heat["x"][0] == -1  # padded 9x9, axes count from the image's corner
    assert fig_in["layout"]["title"]["text"] == "Input 7x7, padded to 9x9 (zeros)"
    step = trace.step(4)
    framed = [t for t in fig_in["data"] if t["type"] == "scatter"][-1]
    assert framed["x"].count(None) == 9  # one frame per kernel tap
    r, c = step.rows[0], step.cols[0]
    assert heat["text"][r][c].endswith("<sup>×3</sup>")  # weight written beside the value, as in the course
    out = fig_out["data"][0]
    shown = [v for row in out["z"] for v in row if v is not None]
    assert shown == trace.output.flatten().tolist()[:5]  # cells up to and including the step
    # The input is drawn like a photo: its smallest value (the zero padding) black, its largest (9) white.
    assert [list(stop) for stop in heat["colorscale"]] == [[0.0, "#000000"], [1.0, "#ffffff"]]
    assert (heat["zmin"], heat["zmax"]) == (0.0, 9.0) == (float(trace.padded.min()), float(trace.padded.max()))
    # The kernel (3 4 4 / 1 0 2 / -1 0 3) on a signed scale: negative blue, 0 white in the middle, positive red, the
    # ends at -4 and 4, its largest magnitude.
    kernel = fig_k["data"][0]
    assert [list(stop) for stop in kernel["colorscale"]] == [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]]
    assert (kernel["zmin"], kernel["zmax"]) == (-4.0, 4.0) == (-float(trace.kernel.abs().max()), float(trace.kernel.abs().max()))


def test_pool_figures_mark_the_winner():
    ex = course.pool_examples()["max_4x4"]
    fig_in, fig_out = (_validated(f) for f in pool_figures(pool_trace(ex.image, size=2), 0))
    assert fig_in["data"][0]["text"][1][1] == "<b>[9]</b>"
    assert [v for row in fig_out["data"][0]["z"] for v in row if v is not None] == [9]


def test_big_grids_keep_cells_readable():
    trace = conv_trace(torch.rand(32, 32), torch.ones(3, 3), padding=1)
    fig_in = conv_figures(trace, 0)[0]
    assert fig_in.layout.width >= 20 * 34 and fig_in.data[0].textfont.size >= 8
