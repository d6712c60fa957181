"""Every heatmap says what its colours mean (a colour bar, or its numbers written in the cells), no axis writes
numbers with SI prefixes ("10n", "1µ"), and legends sit above the plot, clear of the axes' labels."""

import functools

import numpy as np
import plotly.graph_objects as go
import torch

from cvcore.networks import architectures as arch
from cvcore.viz import grid_heatmap, maps
from cvcore.viz.architectures import breakdown_figure, shape_figure
from cvcore.viz.axes import no_si_prefixes, si_axes
from cvcore.viz.costs import connectivity_figure, cost_figure
from cvcore.viz.faces import distance_histogram, rates_figure, roc_figure
from cvcore.viz.style import costs_figure, gram_figure
from cvcore.viz.training import curves_figure


def has_key(fig: go.Figure) -> bool:
    """Each heatmap of ``fig`` has a colour key: a colour bar shown (its own, or one the figure shows for a shared
    scale), or its value written in every cell."""
    traces = [t.to_plotly_json() for t in fig.data]
    shown = any(t.get("showscale", t["type"] == "heatmap") or t.get("marker", {}).get("showscale") for t in traces)
    for t in traces:
        if t["type"] != "heatmap" or shown:
            continue
        written = t.get("texttemplate") and all(str(v) != "" for row in t.get("text", [[""]]) for v in row)
        if not written:
            return False
    return True


def _vgg_rows():
    return arch.layer_table(arch.build("vgg16"), (3, 224, 224))


@functools.cache
def _figures() -> dict[str, go.Figure]:
    rows = _vgg_rows()
    gram = torch.rand(4, 4)
    history = {"step": [1, 2], "content": [1e-7, 1e-8], "style": [2e-6, 1e-6], "tv": [1e-9, 1e-9], "per_layer": {}}
    rng = np.random.default_rng(0)
    same, different = rng.uniform(0, 0.8, 50), rng.uniform(0.4, 1.6, 50)
    taus = np.linspace(0, 2, 11)
    return {
        "grid": grid_heatmap(torch.tensor([[1e-7, -2e-6], [3.0, 4.0]]), title="Output"),
        "connectivity": connectivity_figure(4, 4, 2, title="groups"),
        "gram": gram_figure(gram, gram * 2, layer="conv1"),
        "mosaic": maps.mosaic_figure(torch.rand(4, 6, 6), [0, 1, 2, 3], title="Channels"),
        "shape": shape_figure(rows, title="VGG-16"),
        "breakdown": breakdown_figure(rows),
        "costs": cost_figure({"standard": __import__("cvcore.conv", fromlist=["conv_cost"]).conv_cost(8, 8, 3, 4, 3)}),
        "style costs": costs_figure(history),
        "curves": curves_figure({"": [{"epoch": e, "train_loss": 10.0 ** -e, "val_loss": 2 * 10.0 ** -e}
                                      for e in (1, 2, 3)]}, "loss", "Loss"),
        "histogram": distance_histogram(same, different, 0.6, metric="squared L2"),
        "roc": roc_figure(np.linspace(0, 1, 5), np.linspace(0, 1, 5) ** 0.5, 0.8, (0.1, 0.5)),
        "rates": rates_figure(taus, np.linspace(1, 0, 11), np.linspace(0, 1, 11), 0.6, 1.0, metric="squared L2"),
        "objective": maps.objective_figure([1e-7, 2e-7, 5e-7]),
    }


def test_every_heatmap_has_its_colour_key():
    for name, fig in _figures().items():
        assert has_key(fig), name
    mosaic = _figures()["mosaic"]
    assert mosaic.data[1].marker.showscale and list(mosaic.data[1].marker.colorbar.ticktext) == ["lowest", "highest"]
    assert sum(bool(t.showscale) for t in _figures()["gram"].data) == 1  # one key for the two matrices' shared scale
    assert not has_key(go.Figure(go.Heatmap(z=[[1, 2]], showscale=False)))


def test_a_drawn_colour_key_runs_from_low_to_high():
    key = maps.colour_key("viridis", low="0", high="1", width=200)
    assert key.shape == (34, 200, 3) and key.dtype == np.uint8
    assert key[8, 0].tolist() == maps.colorize(torch.zeros(1, 1))[0, 0].tolist()
    assert key[8, -1].tolist() == maps.colorize(torch.ones(1, 1))[0, 0].tolist()
    assert (key[20:, :60] < 128).any() and (key[20:, -60:] < 128).any()  # the two labels are written


def test_no_axis_writes_si_prefixes_once_shown():
    for name, fig in _figures().items():
        assert si_axes(no_si_prefixes(fig)) == [], name
    assert si_axes(go.Figure(go.Scatter(y=[1e-8, 1e-6]))) == ["layout.xaxis", "layout.yaxis"]
    assert si_axes(go.Figure(layout={"xaxis": {"exponentformat": "none"}, "yaxis": {"tickformat": "~s"}})) == ["layout.yaxis"]


def test_legends_sit_above_the_plot():
    for name in ("shape", "histogram", "roc", "rates"):
        fig = _figures()[name]
        legend = fig.layout.legend
        if fig.layout.showlegend is False or len(fig.data) < 2:
            continue
        if legend.orientation == "h":
            assert legend.y is not None and legend.y > 1 and legend.yanchor == "bottom", name
            assert fig.layout.margin.t >= 80, name
