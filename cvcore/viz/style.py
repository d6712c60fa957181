"""Figures of the style-transfer lab: the costs per step, and Gram matrices as C x C heatmaps."""

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from cvcore.viz.axes import count_axis, log_axis

__all__ = ["costs_figure", "gram_figure"]


def costs_figure(history: dict, labels: dict[str, str] | None = None) -> go.Figure:
    """``history``: "step", "content", "style", "tv" (lists, one value per step) and "per_layer" (layer -> list).

    Costs span orders of magnitude, so the y axis is logarithmic; per-layer style costs are dotted.
    """
    labels = labels or {}
    steps = history["step"]
    fig = go.Figure()
    for key, name in (("content", "content J_content"), ("style", "style J_style (weighted sum)"), ("tv", "total variation")):
        fig.add_trace(go.Scatter(x=steps, y=history[key], name=name, mode="lines"))
    for layer, values in history.get("per_layer", {}).items():
        fig.add_trace(go.Scatter(x=steps, y=values, name=f"style {labels.get(layer, layer)}", mode="lines",
                                 line={"dash": "dot", "width": 1}))
    fig.update_layout(title="Costs per step (log scale)", xaxis_title="step", yaxis_title="cost", yaxis=log_axis(),
                      xaxis=count_axis(max(steps, default=1)),
                      height=340, margin={"t": 40, "b": 40, "l": 60, "r": 10}, legend={"font": {"size": 10}})
    return fig


def gram_figure(gram_s: torch.Tensor, gram_g: torch.Tensor, *, layer: str) -> go.Figure:
    """Two Gram matrices (Tensor[C, C] each) side by side on one colour scale."""
    top = float(max(gram_s.abs().max(), gram_g.abs().max())) or 1.0
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Style image S: G(S)", "Generated image G: G(G)"),
                        horizontal_spacing=0.08)
    for col, gram in ((1, gram_s), (2, gram_g)):
        fig.add_trace(go.Heatmap(z=gram.detach().cpu().tolist(), zmin=0, zmax=top, colorscale="Viridis",
                                 showscale=col == 2, hovertemplate="G[%{y}, %{x}] = %{z:.4g}<extra></extra>"), 1, col)
        fig.update_xaxes(title_text="channel k'", row=1, col=col)
        fig.update_yaxes(title_text="channel k", autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_layout(title=f"Gram matrices at {layer} (divided by n_H n_W)", height=420,
                      margin={"t": 70, "b": 40, "l": 50, "r": 10})
    return fig
