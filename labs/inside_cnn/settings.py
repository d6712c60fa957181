"""The Inside-a-trained-CNN lab's settings, each declared once (see ``ui.settings``).

The layers (``layer``, ``conv``, ``cam_layer``) depend on the model that is loaded, so they declare no choices:
a name that is not a layer of the model falls back to a default where the layer is picked.
"""

from cvcore import attribution, images, zoo
from cvcore.viz.maps import COLORMAPS
from labs import trained_models
from labs.inside_cnn.sources import DIGIT_SOURCES
from ui.image_input import IMAGE_SOURCES
from ui.settings import LabSettings, Setting

__all__ = ["VIEWS", "SORTS", "PARAMETRIZATIONS", "MODELS", "LIVE", "LIVE_VIEWS", "InsideSettings"]

VIEWS = {"overview": "Whole network", "maps": "Feature maps", "filters": "Filters", "units": "What a unit wants",
         "heatmaps": "Heatmaps", "checks": "Faithfulness and sanity"}
SORTS = {"index": "channel number", "mean": "mean activation", "max": "max activation"}
PARAMETRIZATIONS = {"fourier": "frequencies (1/f, decorrelated colours)", "pixels": "pixels, blurred"}
MODELS = (*zoo.registry(), trained_models.SHIPPED, trained_models.NAME, trained_models.EXPORTED)
_SAMPLES = images.sample_names()
LIVE = "Live camera"  # an image source of this lab only: the camera's video, the live view (labs.inside_cnn.video)
LIVE_VIEWS = {"maps": "Feature maps", "grad_cam": "Grad-CAM"}
_CAMS = ", ".join(m.label for m in attribution.METHODS.values() if m.family == attribution.CAM)


class InsideSettings(LabSettings, ns="inside"):
    # What the network looks at: the model and the image (``subject.choose``)
    model: str = Setting("mobilenet_v2", "Model", choices=MODELS,
                         help="MobileNetV2 works offline; the others are used when their weights are here or can be "
                              "downloaded; a network you trained in Build your own CNN appears last.")
    pic_source: str = Setting("Sample", "Image", choices=(*IMAGE_SOURCES, LIVE), widget="radio")
    pic_sample: str = Setting("chelsea", "Sample photo", choices=_SAMPLES, labels=_SAMPLES)
    digit_source: str = Setting("Validation digit", "Image", choices=DIGIT_SOURCES, widget="radio")
    digit_index: int = Setting(0, "Digit number", bounds=(0, 358))
    # The view (``views.VIEWS``; the live camera has its own)
    view: str = Setting("maps", "Look at", choices=VIEWS, labels=VIEWS, widget="radio")
    # The layer and channel of the feature maps, what a unit wants and the live maps; the whole network's path
    # adds the traced cell and input channel
    layer: str = Setting("", "Layer", widget="select")
    channel: int = Setting(0, "Channel", bounds=(0, 4095), help="Or click a map in the grid.")
    cell: str = Setting("", "Cell (row, column)", help="Or click a cell of the map. Empty: the channel's strongest cell.")
    in_step: int = Setting(1, "Input channel", bounds=(1, 4096))  # the traced cell's input channels, largest first
    # Feature maps: the grid and the overlay (the colours and opacity also draw the heatmaps and the live view)
    sort: str = Setting("mean", "Order", choices=SORTS, labels=SORTS)
    grid_page: int = Setting(1, "Page", bounds=(1, 64))
    shared: bool = Setting(False, "One scale for all", help="Off: each map on its own range (shows its pattern). "
                                                            "On: one range for all maps (shows which are strong).")
    colormap: str = Setting("viridis", "Colours", choices=COLORMAPS)
    alpha: float = Setting(0.5, "Overlay opacity", bounds=(0.0, 1.0), step=0.05, widget="slider")
    # Filters
    conv: str = Setting("", "Convolution", widget="select")
    filter: int = Setting(0, "Filter", bounds=(0, 4095))
    # What a unit wants: the synthesised image
    steps: int = Setting(128, "Steps", bounds=(8, 512), step=8)
    size: int = Setting(128, "Size (px)", bounds=(64, 224), step=16)
    param: str = Setting("fourier", "Parametrization", choices=PARAMETRIZATIONS, labels=PARAMETRIZATIONS)
    # Heatmaps, and the faithfulness and sanity checks
    target: int = Setting(-1, "Explain the class", bounds=(-1, 999), widget="select",
                          help="Any of the top-5, or any ImageNet class by name (type to search).")
    methods: str = Setting("grad_cam,grad_cam_pp,layer_cam,saliency", "Methods")  # comma-separated names of METHODS
    cam_layer: str = Setting("", f"Layer (for {_CAMS})", widget="select")
    every_conv: bool = Setting(False, "List every Conv2d", help="Off: the network's blocks. On: every convolution in it.")
    smooth: int = Setting(0, "SmoothGrad samples (0 = off)", bounds=(0, 16),
                          help="Captum's NoiseTunnel: average the map over noisy copies of the image (Saliency, "
                               "Integrated Gradients, Guided Grad-CAM). Each sample costs one more run of the method.")
    ig_steps: int = Setting(32, "Integrated Gradients steps", bounds=(4, 128))
    window: int = Setting(56, "Occlusion window (px)", bounds=(8, 112), step=8)
    random_layers: int = Setting(1, "Layers with weights to re-initialise, counted from the output", bounds=(1, 64),
                                 widget="slider")
    # The live camera
    live_view: str = Setting("maps", "Show", choices=LIVE_VIEWS, labels=LIVE_VIEWS, widget="radio")

    # Read from the session one by one: cheaper on every rerun than the whole dataclass (``current``).
    @classmethod
    def method_names(cls) -> list[str]:
        """The chosen methods that the registry knows, in the link's order."""
        return [m for m in cls.get("methods").split(",") if m in attribution.METHODS]

    @classmethod
    def map_options(cls) -> tuple[int, int, int]:
        """SmoothGrad samples, Integrated Gradients steps and the occlusion window, as the heatmap caches take them."""
        return cls.get("smooth"), cls.get("ig_steps"), cls.get("window")
