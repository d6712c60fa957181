"""Training curves: loss or accuracy per epoch, training dotted and validation solid, one pair per run."""

import plotly.graph_objects as go

from cvcore.viz.axes import count_axis, fraction_axis, number_axis

__all__ = ["curves_figure"]


def curves_figure(histories: dict[str, list[dict]], metric: str, title: str) -> go.Figure:
    """``histories``: run label -> records with "epoch", "train_<metric>" and "val_<metric>" (``EpochRecord`` dicts)."""
    fig = go.Figure()
    for label, history in histories.items():
        for split, dash in (("train", "dot"), ("val", "solid")):
            fig.add_trace(go.Scatter(x=[h["epoch"] for h in history], y=[h[f"{split}_{metric}"] for h in history],
                                     name=f"{label} {split}", line={"dash": dash}))
    last = max((h["epoch"] for history in histories.values() for h in history), default=1)
    fig.update_layout(title=title, xaxis_title="epoch", yaxis_title=metric, height=300,
                      xaxis=count_axis(last), yaxis=fraction_axis() if metric == "acc" else number_axis(),
                      margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig
