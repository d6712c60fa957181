"""The Pooling lab's settings, each declared once (see ``ui.settings``)."""

import torch

from cvcore import images
from cvcore.conv.pooling import POOL_KINDS
from cvcore.teach import course, grids
from ui.image_input import IMAGE_SOURCES
from ui.settings import LabSettings, Setting

__all__ = ["EXAMPLES", "SOURCES", "KINDS", "PoolSettings"]

EXAMPLES = course.pool_examples()
SOURCES = {**{k: f"{'Course' if ex.printed else 'Example'}: {ex.title}" for k, ex in EXAMPLES.items()},
           "random": "Random integers (1 to 4 channels)", "photo": "Crop of a photo (gray or RGB)",
           "custom": "My own grid (edit cells)"}
KINDS = {"max": "Max pooling", "avg": "Average pooling"}
_SAMPLES = images.sample_names()


class PoolSettings(LabSettings, ns="pool"):
    src: str = Setting("max_4x4", "Input", choices=SOURCES, labels=SOURCES)
    n: int = Setting(6, "Size n", bounds=(1, 32))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000), help="Change it to draw other numbers")
    channels: int = Setting(1, "Channels n_C", bounds=(1, 4),
                            help="Pooling works on each channel separately: n_C stays the same")
    photo: str = Setting("chelsea", "Photo", choices=_SAMPLES, labels=_SAMPLES)
    zoom: float = Setting(1.0, "Zoom", bounds=(1.0, 8.0), step=0.5, widget="slider",
                          help="Crop closer before downsampling")
    rgb: bool = Setting(False, "Keep R, G and B (3 channels)")
    grid: str = Setting(grids.grid_text(torch.tensor(EXAMPLES["max_4x4"].image)), "input grid")
    kind: str = Setting("max", "Pooling", choices=POOL_KINDS, labels=KINDS, widget="radio")
    size: int = Setting(2, "Window f", bounds=(1, 8))
    stride: int = Setting(2, "Stride s", bounds=(1, 8))
    padding: int = Setting(0, "Padding p", bounds=(0, 4), help="Rarely used; at most f/2, as in PyTorch")
    step: int = Setting(1, "Step", bounds=(1, 4 * 32 * 32))
    pic_source: str = Setting("Sample", "Photo", choices=IMAGE_SOURCES)
    pic_sample: str = Setting("astronaut", "Sample photo", choices=_SAMPLES, labels=_SAMPLES)
    channel: int = Setting(-1, "Channel", bounds=(-1, 1279), widget="slider",
                           help="Some channels are empty for a given photo: their filter found nothing to respond to")

    @property
    def pool_kwargs(self) -> dict:
        """Kind, window size f, stride s and padding p as ``pool_trace`` keyword arguments."""
        return {"kind": self.kind, "size": int(self.size), "stride": int(self.stride), "padding": int(self.padding)}
