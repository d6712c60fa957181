"""Convolution, one window at a time: 2-D traces, transposed convolution, volumes, costs.

The public names of the submodules are re-exported here, so ``cvcore.conv.conv_trace`` and
``cvcore.conv.conv_transpose_trace`` work whichever file holds them.
"""

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

__all__ = [
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
