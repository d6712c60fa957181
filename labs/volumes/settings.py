"""The Volumes lab's settings, each declared once (see ``ui.settings``)."""

from cvcore import images
from ui.settings import LabSettings, Setting

__all__ = ["SOURCES", "BANKS", "VolumeSettings"]

SOURCES = {"random": "Random integers", "photo": "RGB crop of a photo"}
BANKS = {"colour_edges": "Edges in R, G and B (one filter per colour)",
         "brightness_edges": "Vertical and horizontal edges (same on every channel)", "random": "Random filters"}
_SAMPLES = images.sample_names()


class VolumeSettings(LabSettings, ns="vol"):
    src: str = Setting("random", "Input", choices=SOURCES, labels=SOURCES)
    n: int = Setting(5, "Size n", bounds=(2, 12))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000))
    channels: int = Setting(3, "Channels n_C", bounds=(1, 4))
    photo: str = Setting("coffee", "Photo", choices=_SAMPLES, labels=_SAMPLES)
    zoom: float = Setting(2.0, "Zoom", bounds=(1.0, 8.0), step=0.5, widget="slider",
                          help="Crop closer before downsampling")
    bank: str = Setting("brightness_edges", "Filters", choices=BANKS, labels=BANKS)
    k: int = Setting(2, "Filters n_C'", bounds=(1, 4))
    f: int = Setting(3, "Size f", bounds=(1, 5))
    kseed: int = Setting(0, "Filter seed", bounds=(0, 10_000))
    bias: str = Setting("", "Biases b (one per filter, separated by commas; empty means 0)")
    stride: int = Setting(1, "Stride s", bounds=(1, 4))
    padding: int = Setting(0, "Padding p", bounds=(0, 3))
    relu: bool = Setting(True, "ReLU after the bias")
    step: int = Setting(1, "Step", bounds=(1, 4 * 12 * 12))
    pic: str = Setting("coffee", "Photo", choices=_SAMPLES, labels=_SAMPLES)

    @property
    def bank_kwargs(self) -> dict:
        """The random bank's number of filters, size and seed as ``filter_bank`` keyword arguments."""
        return {"n_filters": int(self.k), "size": int(self.f), "seed": int(self.kseed)}
