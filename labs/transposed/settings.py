"""The Transposed-convolution lab's settings, each declared once (see ``ui.settings``)."""

import torch

from cvcore.conv import kernels
from ui.settings import LabSettings, Setting

__all__ = ["INPUTS", "KERNELS", "VIEWS", "TransposedSettings"]

INPUTS = {"two_by_two": "2x2 grid 1 2 / 3 4", "random": "Random integers", "custom": "My own grid (edit cells)"}
_BILINEAR = torch.outer(torch.tensor([0.25, 0.75, 0.75, 0.25]), torch.tensor([0.25, 0.75, 0.75, 0.25])).double()
KERNELS = {"ones2": ("2x2 of ones: each cell becomes a block", torch.ones(2, 2, dtype=torch.float64)),
           "ones3": ("3x3 of ones: stamps overlap and add", torch.ones(3, 3, dtype=torch.float64)),
           "bilinear": ("4x4 bilinear (with s = 2, p = 1: smooth 2x up-sampling)", _BILINEAR),
           "vertical_edge": ("Vertical edge 3x3", kernels.make_kernel("vertical_edge")),
           "custom": ("My own kernel (edit cells)", None)}
VIEWS = {"stuffed": "Insert zeros, pad, convolve", "scatter": "Each input cell stamps the kernel"}


def _kernel_label(name: str) -> str:
    return KERNELS[name][0]


class TransposedSettings(LabSettings, ns="tconv"):
    src: str = Setting("two_by_two", "Input", choices=INPUTS, labels=INPUTS)
    n: int = Setting(3, "Size n", bounds=(1, 6))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000), help="Change it to draw other numbers")
    grid: str = Setting("1,2/3,4", "input grid")
    kernel: str = Setting("ones3", "Kernel", choices=KERNELS, labels=_kernel_label)
    kgrid: str = Setting("1,1,1/1,1,1/1,1,1", "kernel")
    stride: int = Setting(2, "Stride s", bounds=(1, 4))
    padding: int = Setting(0, "Padding p", bounds=(0, 4))
    out_pad: int = Setting(0, "Output padding", bounds=(0, 3), help="Extra rows and columns at the bottom and right")
    dilation: int = Setting(1, "Dilation d", bounds=(1, 3))
    view: str = Setting("stuffed", "View", choices=VIEWS, labels=VIEWS, widget="radio")
    step: int = Setting(1, "Step", bounds=(1, 64 * 64))

    @property
    def transpose_kwargs(self) -> dict:
        """Stride, padding, output padding and dilation as ``conv_transpose_trace`` keyword arguments."""
        return {"stride": int(self.stride), "padding": int(self.padding), "output_padding": int(self.out_pad),
                "dilation": int(self.dilation)}
