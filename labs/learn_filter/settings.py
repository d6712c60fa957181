"""The Learning-a-filter lab's settings, each declared once (see ``ui.settings``)."""

from cvcore import images
from cvcore.conv import kernels
from ui.settings import LabSettings, Setting

__all__ = ["TARGETS", "SPEEDS", "LearnSettings"]

TARGETS = ("sobel_x", "sobel_y", "scharr_x", "vertical_edge", "horizontal_edge", "laplacian", "sharpen", "emboss", "custom")
# Steps drawn per second: a step takes a millisecond or two, so unpaced, 300 steps are over before anyone sees one.
SPEEDS = {"normal": 25, "slow": 10, "full": None}
_SPEED_LABELS = {"normal": "Normal: 25 steps/s (300 steps in about 12 s)",
                 "slow": "Slow, for a class: 10 steps/s (300 steps in about 30 s)",
                 "full": "As fast as possible"}
_CATALOG = kernels.kernel_catalog()
_SAMPLES = images.sample_names()


def _target_label(name: str) -> str:
    return _CATALOG[name].label if name in _CATALOG else "My own 3x3 kernel"


class LearnSettings(LabSettings, ns="learn"):
    pic: str = Setting("camera", "Photo", choices=_SAMPLES, labels=_SAMPLES)
    size: int = Setting(96, "Crop size", choices=(48, 64, 96, 128), widget="select_slider")
    target: str = Setting("sobel_x", "Target kernel", choices=TARGETS, labels=_target_label)
    tgrid: str = Setting("0,1,0/1,-4,1/0,1,0", "Target (rows separated by /)")
    steps: int = Setting(300, "Steps", bounds=(10, 3000))
    lr: float = Setting(0.1, "Learning rate", bounds=(0.001, 3.0))
    opt: str = Setting("sgd", "Optimiser", choices=("sgd", "adam"), labels={"sgd": "SGD + momentum", "adam": "Adam"},
                       widget="radio")
    seed: int = Setting(0, "Seed of the random start", bounds=(0, 10_000))
    speed: str = Setting("normal", "Speed", choices=tuple(SPEEDS), labels=_SPEED_LABELS,
                         help="How fast the steps are drawn while it trains; the result is the same at every speed. "
                              "It can be changed during a run.")

    @property
    def train_kwargs(self) -> dict:
        """Steps, learning rate, optimiser and seed as ``learn_kernel`` keyword arguments."""
        return {"steps": int(self.steps), "lr": float(self.lr), "optimizer": self.opt, "seed": int(self.seed)}

    @property
    def rate(self) -> float | None:
        """Steps drawn per second (None: as fast as they are computed)."""
        return SPEEDS[self.speed]
