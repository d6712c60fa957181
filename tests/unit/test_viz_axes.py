"""Axis ticks of the figures: counts at whole numbers (never aligned with another axis), losses and costs without SI
prefixes, accuracy as percentages. Checked on the figure dicts that plotly.js draws from."""

import plotly.graph_objects as go

from cvcore.conv.cost import conv_cost
from cvcore.networks.architectures import LayerRow
from cvcore.viz.architectures import breakdown_figure, shape_figure
from cvcore.viz.axes import log_axis
from cvcore.viz.costs import cost_figure
from cvcore.viz.learn import loss_figure
from cvcore.viz.style import costs_figure
from cvcore.viz.training import curves_figure


def _valid(fig: go.Figure) -> dict:
    return go.Figure(fig.to_dict()).to_dict()["layout"]  # plotly validates every property on the way


def _rows(channels: list[int], sides: list[int]) -> list[LayerRow]:
    return [LayerRow(f"features.{i}", "Conv2d", (c, s, s), c * s * s, 10 * c, 1000 * c)
            for i, (c, s) in enumerate(zip(channels, sides, strict=True))]


def test_the_channel_axis_of_a_deep_network_has_its_own_whole_number_ticks():
    layout = _valid(shape_figure(_rows([64, 256, 512, 1024, 2048], [112, 56, 28, 14, 7]), title="ResNet-50"))
    channels = layout["yaxis2"]
    assert channels["tickmode"] == "auto" and channels["tickformat"] == ",d" and channels["rangemode"] == "tozero"
    assert channels["showgrid"] is False and channels["overlaying"] == "y"
    assert layout["yaxis"]["tickformat"] == ",d"


def test_a_small_network_gets_a_tick_at_every_whole_number():
    layout = _valid(shape_figure(_rows([6, 6, 16, 16], [28, 14, 10, 5]), title="LeNet-5"))
    assert layout["yaxis2"]["tickformat"] == ",d" and layout["yaxis2"]["rangemode"] == "tozero"
    small = _valid(shape_figure(_rows([1, 3, 8], [28, 14, 7]), title="tiny"))["yaxis2"]
    assert (small["tickmode"], small["tick0"], small["dtick"]) == ("linear", 0, 1)


def test_training_curves_count_epochs_and_write_losses_without_si_prefixes():
    history = [{"epoch": e / 4, "train_loss": 10 ** -e, "val_loss": 10 ** -e, "train_acc": 0.5, "val_acc": 0.6}
               for e in range(1, 21)]
    loss = _valid(curves_figure({"run": history}, "loss", "Loss"))
    assert loss["yaxis"]["exponentformat"] == "power" and loss["xaxis"]["dtick"] == 1
    assert loss["xaxis"]["title"]["text"] == "epoch" and loss["yaxis"]["title"]["text"] == "loss"  # titles kept
    acc = _valid(curves_figure({"run": history}, "acc", "Accuracy"))
    assert acc["yaxis"]["tickformat"] == ".0%" and acc["yaxis"]["range"] == [0, 1.02]


def test_log_cost_axes_are_written_in_powers_of_ten():
    history = {"step": list(range(0, 200, 20)), "content": [1e-3] * 10, "style": [1e-7] * 10, "tv": [1e-9] * 10}
    layout = _valid(costs_figure(history))
    assert layout["yaxis"]["type"] == "log" and layout["yaxis"]["exponentformat"] == "power"
    assert layout["xaxis"]["tickformat"] == ",d"


def test_every_log_axis_is_written_in_the_same_powers_of_ten():
    learned = _valid(loss_figure([0.5, 1e-3, 1e-6, 1e-9], steps=300))  # Learning a filter's loss showed 10n and 1μ
    style = _valid(costs_figure({"step": [0, 20], "content": [1e-3, 1e-4], "style": [1e-7, 1e-8], "tv": [1e-9, 1e-9]}))
    for layout in (learned, style):
        assert {k: layout["yaxis"][k] for k in log_axis()} == log_axis() == {
            "type": "log", "exponentformat": "power", "showexponent": "all"}
    assert learned["xaxis"]["tickformat"] == ",d" and learned["xaxis"]["range"] == [0, 300]


def test_counts_of_multiplications_and_parameters_are_plain_or_powers_of_ten():
    small = _valid(cost_figure({"3x3": conv_cost(8, 8, 3, 4, 3)}))["xaxis"]
    assert small["tickformat"] == ",d" and "exponentformat" not in small
    big = _valid(cost_figure({"5x5": conv_cost(28, 28, 192, 32, 5, padding=2)}))["xaxis"]  # 120 million
    assert big["exponentformat"] == "power"
    rows = _rows([64, 2048], [56, 7])  # 64,000 and 2,048,000 multiply-adds, 640 and 20,480 parameters
    layout = _valid(breakdown_figure(rows))
    assert layout["xaxis"]["tickformat"] == ",d" and layout["xaxis2"]["tickformat"] == ",d"
