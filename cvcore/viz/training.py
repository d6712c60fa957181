"""Training curves: loss or accuracy per epoch, training dotted and validation solid, one pair per run."""

import plotly.graph_objects as go

__all__ = ["curves_figure"]


def curves_figure(histories: dict[str, list[dict]], metric: str, title: str) -> go.Figure:
    """``histories``: run label -> records with "epoch", "train_<metric>" and "val_<metric>" (``EpochRecord`` dicts)."""
    fig = go.Figure()
    for label, history in histories.items():
        for split, dash in (("train", "dot"), ("val", "solid")):
            fig.add_trace(go.Scatter(x=[h["epoch"] for h in history], y=[h[f"{split}_{metric}"] for h in history],
                                     name=f"{label} {split}", line={"dash": dash}))
    fig.update_layout(title=title, xaxis_title="epoch", yaxis_title=metric, height=300,
                      margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig
