"""The Segmentation lab's settings, each declared once (see ``ui.settings``)."""

from ui.settings import LabSettings, Setting

__all__ = ["VIEWS", "SegmentationSettings"]

VIEWS = {"tasks": "Five tasks, one image", "segment": "A class for every pixel", "instances": "From classes to instances"}
_SOURCES = {"scene": "generated scene", "draw": "draw it here", "upload": "upload a picture"}


class SegmentationSettings(LabSettings, ns="seg"):
    view: str = Setting("tasks", "Part", choices=VIEWS, labels=VIEWS, widget="radio")
    seed: int = Setting(2_000_011, "Scene", bounds=(0, 10**9))
    source: str = Setting("scene", "Image", choices=_SOURCES, labels=_SOURCES, widget="radio")
    alpha: float = Setting(0.55, "Overlay opacity", bounds=(0.0, 1.0), step=0.05, widget="slider")
