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

from cvcore import attribution, conv, device, errors, images, zoo
from cvcore.conv import ConvStep, ConvTrace, apply_kernel, conv_trace, output_size, same_padding
from cvcore.conv.pooling import PoolStep, PoolTrace, pool_trace
from cvcore.device import default_device
from cvcore.errors import CvcoreError, ImageError, InvalidParameter, WeightsUnavailable
from cvcore.images import load_image, sample_image
from cvcore.inside import features  # kept at the top level: the notebook examples use cvcore.inside.features

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
