"""The Dilated, 1-D and 3-D lab's settings, each declared once (see ``ui.settings``)."""

from cvcore.conv.nd import SIGNALS
from ui.settings import LabSettings, Setting

__all__ = ["PARTS", "KERNELS_1D", "KERNELS_3D", "DimsSettings"]

PARTS = {"dilation": "Dilation", "1d": "1-D signals", "3d": "3-D volumes"}
KERNELS_1D = {"smooth": ("Moving average (5 taps)", [0.2] * 5), "edge": ("Edge 1 0 -1", [1.0, 0.0, -1.0]),
              "peak": ("Peak detector -1 2 -1", [-1.0, 2.0, -1.0]), "custom": ("My own taps", None)}
KERNELS_3D = {"mean": "3x3x3 average (blur)", "edge": "3x3x3 edge along the width", "random": "Random 5x5x5 (course size)"}


class DimsSettings(LabSettings, ns="dims"):
    part: str = Setting("dilation", "Part", choices=PARTS, labels=PARTS)
    f: int = Setting(3, "Kernel size f", bounds=(2, 5))
    d: int = Setting(2, "Dilation d", bounds=(1, 4))
    layers: int = Setting(3, "Stacked layers", bounds=(1, 6))
    signal: str = Setting("heartbeat", "Signal", choices=SIGNALS)
    k1: str = Setting("edge", "Kernel", choices=KERNELS_1D, labels=lambda name: KERNELS_1D[name][0])
    taps: str = Setting("1, 0, -1", "Taps, separated by commas")
    pos: int = Setting(20, "Output position", bounds=(0, 400), widget="slider")
    k3: str = Setting("edge", "Filter", choices=KERNELS_3D, labels=KERNELS_3D)
    depth: int = Setting(5, "Depth slice of the input", bounds=(0, 13), widget="slider")
