"""CNN Lab's engine: pure Python and PyTorch, usable from a notebook; it never imports streamlit.

The top level holds what every chapter uses (``errors``, ``device``, ``images``, ``zoo``); the rest is
one package per chapter of the course:

- ``conv``: convolution traces, pooling, kernels, volumes, 1x1 and separable costs, transposed, 1-D/3-D,
  learning a filter
- ``networks``: classic architectures, the layer builder, training, transfer learning
- ``inside``: feature maps, units (filters, receptive fields, top patches), activation maximization
- ``attribution``: class-activation maps, Captum's pixel attributions, faithfulness and sanity checks
- ``detect``: boxes (IoU, NMS), localization, sliding windows, YOLO, detection metrics, COCO, segmentation
- ``style``: neural style transfer (costs and the run, backbones, style images, Gram inspection)
- ``faces``: face detection, alignment, embeddings, verification and recognition
- ``data``: generated and bundled data sets (the shapes world, handwritten digits)
- ``teach``: the course's worked examples, PyTorch snippets, grids typed as text
- ``lessons``: each lab's lesson steps and questions; ``viz``: plotly figure builders
"""

import importlib

# Imported on first use (PEP 562), so that a page using one chapter does not load every other one (Captum,
# torchvision's model zoo ...) before it can draw: the public names are the same either way.
_MODULES = {"attribution": "cvcore.attribution", "conv": "cvcore.conv", "device": "cvcore.device",
            "errors": "cvcore.errors", "images": "cvcore.images", "zoo": "cvcore.zoo",
            "features": "cvcore.inside.features"}
_NAMES = {
    "ConvStep": "cvcore.conv", "ConvTrace": "cvcore.conv", "apply_kernel": "cvcore.conv", "conv_trace": "cvcore.conv",
    "output_size": "cvcore.conv", "same_padding": "cvcore.conv",
    "PoolStep": "cvcore.conv.pooling", "PoolTrace": "cvcore.conv.pooling", "pool_trace": "cvcore.conv.pooling",
    "default_device": "cvcore.device",
    "CvcoreError": "cvcore.errors", "ImageError": "cvcore.errors", "InvalidParameter": "cvcore.errors",
    "WeightsUnavailable": "cvcore.errors",
    "load_image": "cvcore.images", "sample_image": "cvcore.images",
}

__all__ = [
    "attribution",
    "conv",
    "device",
    "errors",
    "features",
    "images",
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


def __getattr__(name: str):
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'cvcore' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
