"""Convolution, one window at a time: 2-D traces, transposed convolution, volumes, costs.

The public names of the submodules are re-exported here, so ``cvcore.conv.conv_trace`` and
``cvcore.conv.conv_transpose_trace`` work whichever file holds them.
"""

from cvcore.conv.cost import COST_KINDS, ConvCost, bottleneck_cost, conv_cost
from cvcore.conv.nd import conv1d_trace, conv3d, shape_chain
from cvcore.conv.trace import (
    PADDING_MODES,
    ConvStep,
    ConvTrace,
    apply_kernel,
    conv_trace,
    format_number,
    output_size,
    reference_output,
    resolve_padding,
    same_padding,
)
from cvcore.conv.transposed import TransposeTrace, conv_transpose_trace, transpose_output_size
from cvcore.conv.volume import VolumeStep, VolumeTrace, apply_filters, filter_bank, layer_parameters, volume_conv_trace

__all__ = [
    "COST_KINDS",
    "ConvCost",
    "bottleneck_cost",
    "conv_cost",
    "conv1d_trace",
    "conv3d",
    "shape_chain",
    "TransposeTrace",
    "conv_transpose_trace",
    "transpose_output_size",
    "VolumeStep",
    "VolumeTrace",
    "apply_filters",
    "filter_bank",
    "layer_parameters",
    "volume_conv_trace",
    "PADDING_MODES",
    "ConvStep",
    "ConvTrace",
    "apply_kernel",
    "conv_trace",
    "format_number",
    "output_size",
    "reference_output",
    "resolve_padding",
    "same_padding",
]
