"""The Convolution lab's settings, each declared once (see ``ui.settings``)."""

import torch

from cvcore import images
from cvcore.conv import PADDING_MODES, kernels
from cvcore.teach import course, grids
from ui.image_input import IMAGE_SOURCES
from ui.settings import LabSettings, Setting

__all__ = ["EXAMPLES", "CATALOG", "SOURCES", "PADDING", "ConvSettings"]

EXAMPLES = course.conv_examples()
CATALOG = kernels.kernel_catalog()
SOURCES = {**{k: f"Course: {ex.title}" for k, ex in EXAMPLES.items()},
           "random": "Random integers", "photo": "Grayscale crop of a photo", "custom": "My own grid (edit cells)"}
PADDING = {"valid": "valid (p = 0)", "same": "same (output size = input size)", "number": "choose p"}
_SAMPLES = images.sample_names()


def _kernel_label(name: str) -> str:
    return CATALOG[name].label if name in CATALOG else "My own kernel (edit cells)"


class ConvSettings(LabSettings, ns="conv"):
    src: str = Setting("edge_6x6", "Input", choices=SOURCES, labels=SOURCES)
    n: int = Setting(8, "Size n", bounds=(1, 32))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000), help="Change it to draw other numbers")
    photo: str = Setting("chelsea", "Photo", choices=_SAMPLES, labels=_SAMPLES)
    zoom: float = Setting(1.0, "Zoom", bounds=(1.0, 8.0), step=0.5, widget="slider",
                          help="Crop closer before downsampling")
    grid: str = Setting(grids.grid_text(torch.tensor(EXAMPLES["edge_6x6"].image)), "input grid")
    kernel: str = Setting("vertical_edge", "Kernel", choices=(*CATALOG, "custom"), labels=_kernel_label)
    ksize: int = Setting(3, "Kernel size f", choices=(1, 3, 5, 7), widget="select_slider")
    kgrid: str = Setting("1,0,-1/1,0,-1/1,0,-1", "kernel")
    pad: str = Setting("valid", "Padding", choices=PADDING, labels=PADDING, widget="radio")
    p: int = Setting(1, "p", bounds=(0, 10))
    mode: str = Setting("zeros", "Pad with", choices=PADDING_MODES,
                        help="zeros: the course's padding; reflect / replicate / circular: other ways to fill the border")
    stride: int = Setting(1, "Stride s", bounds=(1, 8))
    dilation: int = Setting(1, "Dilation d", bounds=(1, 4), help="Gaps between kernel taps (atrous convolution)")
    flip: bool = Setting(False, "True convolution (flip the kernel)",
                         help="Deep learning's 'convolution' is cross-correlation: the kernel is not flipped.")
    step: int = Setting(1, "Step", bounds=(1, 32 * 32 * 4))
    pic_source: str = Setting("Sample", "Photo", choices=IMAGE_SOURCES)
    pic_sample: str = Setting("chelsea", "Sample photo", choices=_SAMPLES, labels=_SAMPLES)
    pic_gray: bool = Setting(True, "Grayscale first", help="Off: the kernel is applied to R, G and B separately")

    @property
    def padding(self):
        """The padding ``conv_trace`` takes: 0, "same" or p."""
        return {"valid": 0, "same": "same", "number": int(self.p)}[self.pad]

    @property
    def conv_kwargs(self) -> dict:
        """Padding, padding mode, stride, dilation and flip as ``conv_trace`` keyword arguments."""
        return {"stride": int(self.stride), "padding": self.padding, "dilation": int(self.dilation),
                "padding_mode": self.mode, "flip": self.flip}
