"""The 1x1 / depthwise / separable / grouped lab's settings, each declared once (see ``ui.settings``)."""

from ui.settings import LabSettings, Setting

__all__ = ["OPERATIONS", "PRESETS", "LAYER", "SeparableSettings"]

OPERATIONS = {"pointwise": "1x1 (pointwise): mix channels", "depthwise": "Depthwise: one filter per channel",
              "separable": "Depthwise-separable: depthwise, then 1x1", "grouped": "Grouped: channels in g groups"}
# Each example's layer: the values of LAYER's settings, in that order ("My own layer" starts from the last one shown).
PRESETS = {"course_separable": ("Course: 12x12x3 -> 8x8x256 with 5x5 kernels", (12, 12, 3, 256, 5, 0, 16, 1)),
           "course_inception": ("Course: Inception 28x28x192 -> 28x28x32 with 5x5", (28, 28, 192, 32, 5, 2, 16, 1)),
           "custom": ("My own layer", None)}
LAYER = ("h", "w", "cin", "cout", "kf", "pad", "mid", "cg")


def _preset_label(preset: str) -> str:
    return PRESETS[preset][0]


class SeparableSettings(LabSettings, ns="sep"):
    op: str = Setting("pointwise", "Operation", choices=OPERATIONS, labels=OPERATIONS, widget="radio")
    c: int = Setting(4, "Input channels n_C", bounds=(1, 8))
    k: int = Setting(2, "Output channels n_C'", bounds=(1, 8))
    g: int = Setting(2, "Groups g", bounds=(1, 8))
    f: int = Setting(3, "Filter size f", bounds=(1, 5))
    n: int = Setting(5, "Size n", bounds=(3, 8))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000))
    preset: str = Setting("course_separable", "Example", choices=PRESETS, labels=_preset_label)
    h: int = Setting(12, "n_H", bounds=(1, 4096))
    w: int = Setting(12, "n_W", bounds=(1, 4096))
    cin: int = Setting(3, "n_C", bounds=(1, 4096))
    cout: int = Setting(256, "n_C'", bounds=(1, 4096))
    kf: int = Setting(5, "f", bounds=(1, 15))
    pad: int = Setting(0, "p", bounds=(0, 7))
    mid: int = Setting(16, "bottleneck", bounds=(1, 4096))
    cg: int = Setting(1, "groups", bounds=(1, 4096))
