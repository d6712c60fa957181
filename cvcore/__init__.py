"""CNN Lab's engine: pure Python and PyTorch, usable from a notebook; it never imports streamlit."""

from cvcore import (attribution, conv, course, device, errors, features, grids, images, kernels, maximize, model_snippets,
                    pooling, snippets, style, style_images, style_inspect, style_nets, units, zoo)
from cvcore.conv import ConvStep, ConvTrace, apply_kernel, conv_trace, output_size, same_padding
from cvcore.device import default_device
from cvcore.errors import CvcoreError, ImageError, InvalidParameter, WeightsUnavailable
from cvcore.images import load_image, sample_image
from cvcore.pooling import PoolStep, PoolTrace, pool_trace

__all__ = [
    "attribution",
    "maximize",
    "model_snippets",
    "units",
    "conv",
    "course",
    "device",
    "errors",
    "features",
    "grids",
    "images",
    "kernels",
    "pooling",
    "snippets",
    "style",
    "style_images",
    "style_inspect",
    "style_nets",
    "zoo",
    "ConvStep",
    "ConvTrace",
    "apply_kernel",
    "conv_trace",
    "output_size",
    "same_padding",
    "default_device",
    "CvcoreError",
    "ImageError",
    "InvalidParameter",
    "WeightsUnavailable",
    "load_image",
    "sample_image",
    "PoolStep",
    "PoolTrace",
    "pool_trace",
]
