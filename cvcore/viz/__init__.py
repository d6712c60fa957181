"""Plotly figure builders, one module per topic. Pages receive finished figures."""

from cvcore.viz.grids import grid_heatmap
from cvcore.viz.conv import conv_figures
from cvcore.viz.pooling import pool_figures

__all__ = ["grid_heatmap", "conv_figures", "pool_figures"]
