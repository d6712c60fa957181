"""Plotly figure builders, one module per topic. Pages receive finished figures."""

from cvcore.viz.conv import conv_figures
from cvcore.viz.grids import grid_heatmap
from cvcore.viz.pooling import pool_figures
from cvcore.viz.transposed import scatter_figures, stuffed_text
from cvcore.viz.volume import volume_figures

__all__ = ["grid_heatmap", "conv_figures", "pool_figures", "scatter_figures", "stuffed_text", "volume_figures"]
