"""The Neural-style-transfer lab's settings, each declared once (see ``ui.settings``)."""

from cvcore import images
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets
from ui.image_input import IMAGE_SOURCES
from ui.settings import LabSettings, Setting

__all__ = ["VIEWS", "STYLE_KINDS", "StyleTransferSettings"]

VIEWS = {"run": "Style transfer, live", "gram": "What is style?", "layers": "What are deep ConvNets learning?"}
STYLE_KINDS = {"generated": "drawn by the app", "photo": "a photo (sample, upload, camera)"}
_SAMPLES = images.sample_names()
_OPTIMIZERS = {"lbfgs": "L-BFGS", "adam": "Adam"}
_INITS = {"content": "content C", "noise": "noise", "style": "style S"}


class StyleTransferSettings(LabSettings, ns="style"):
    view: str = Setting("run", "Part", choices=VIEWS, labels=VIEWS, widget="radio")
    content_source: str = Setting("Sample", "Content image C", choices=IMAGE_SOURCES)
    content_sample: str = Setting("chelsea", "Sample photo", choices=_SAMPLES, labels=_SAMPLES)
    style_kind: str = Setting("generated", "Style image S", choices=STYLE_KINDS, labels=STYLE_KINDS, widget="radio")
    style_gen: str = Setting("mosaic", "Style", choices=style_images.STYLE_IMAGES, labels=style_images.STYLE_IMAGES)
    stylepic_source: str = Setting("Sample", "Style photo", choices=IMAGE_SOURCES)
    stylepic_sample: str = Setting("coffee", "Sample photo", choices=_SAMPLES, labels=_SAMPLES)
    preset: str = Setting("course", "Preset", choices=style.PRESETS, labels=lambda p: style.PRESETS[p][0],
                          help="Sets size, steps, optimiser and weights at once.")
    backbone: str = Setting("mobilenet_v2", "Backbone", choices=style_nets.BACKBONES,
                            labels=lambda n: style_nets.BACKBONES[n].label, widget="radio")
    size: int = Setting(256, "Size (longer side, px)", bounds=(64, 768), step=32, widget="slider")
    steps: int = Setting(200, "Steps", bounds=(1, 2000), help="One step is one forward and backward pass.")
    optimizer: str = Setting("lbfgs", "Optimiser", choices=style.OPTIMIZERS, labels=_OPTIMIZERS, widget="radio")
    lr: float = Setting(1.0, "Learning rate", bounds=(1e-6, 1e40),
                        help="L-BFGS: 1 is its natural step. Adam: about 0.02. Far too large makes the run diverge.")
    init: str = Setting("content", "Start from", choices=style.INITS, labels=_INITS, widget="radio")
    alpha: float = Setting(30.0, "alpha (content weight)", bounds=(0.0, 1e9))
    beta: float = Setting(10000.0, "beta (style weight)", bounds=(0.0, 1e12))
    tv: float = Setting(10.0, "Total-variation weight", bounds=(0.0, 1e6), help="Smoothness; 0 switches it off.")
    normalized: bool = Setting(True, "Normalised content cost 1/(4 n_H n_W n_C)")
    smoothing: bool = Setting(False, "Activation smoothing (softmax)",
                              help="Wang, Li and Vasconcelos (CVPR 2021): a softmax over each feature map before the "
                                   "Gram matrices and the content cost. It makes networks other than VGG stylise well.")
    avg_pool: bool = Setting(False, "Average pooling instead of max (VGG)")
    multiscale: bool = Setting(False, "Multi-scale", help="60% of the steps at half size first, then the rest at full "
                                                        "size: faster, and the large shapes of the style come through.")
    content_layer: str = Setting("", "Content layer", widget="select")
    style_layers: str = Setting("", "Style layers")
    lambdas: str = Setting("", "lambda per style layer",
                           help="Comma-separated weights, one per style layer; empty for equal weights summing to 1.")
    preview_every: int = Setting(10, "Preview every ... steps", bounds=(1, 100))
    gram_layer: str = Setting("", "Layer", widget="select")
    gram_channels: int = Setting(32, "Channels shown", bounds=(4, 64), widget="slider")
