"""Names on a grid heatmap's axes (a confusion matrix's classes), and the figure unchanged without them."""

import pytest
import torch

from cvcore.errors import InvalidParameter
from cvcore.viz import grid_heatmap


def test_class_names_on_both_axes_of_a_confusion_matrix():
    names = ["brick", "grass", "gravel"]
    fig = grid_heatmap(torch.eye(3) * 5, title="Confusion matrix", row_labels=names, col_labels=names)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.tickmode == "array" and list(axis.tickvals) == [0, 1, 2] and list(axis.ticktext) == names
    assert fig.layout.margin.l > 40  # room for the row names
    type(fig)(fig.to_dict())  # plotly validates the whole figure


def test_without_names_the_axes_count_as_before():
    fig = grid_heatmap(torch.zeros(2, 3), title="t", row_offset=-1)
    assert fig.layout.xaxis.tickmode is None and list(fig.data[0].y) == [-1, 0]
    assert fig.layout.xaxis.title.text == "column" and fig.layout.margin.l == 40


def test_names_must_match_the_grid():
    with pytest.raises(InvalidParameter, match="expected 3 column labels, got 2"):
        grid_heatmap(torch.zeros(3, 3), title="t", col_labels=["a", "b"])
