"""The Localization-and-detection lab's settings, each declared once (see ``ui.settings``)."""

from cvcore import images
from cvcore.detect import coco, localization
from ui.settings import LabSettings, Setting

__all__ = ["VIEWS", "SOURCES", "LIVE_SOURCES", "DetectionSettings"]

VIEWS = {"target": "Target vector", "sliding": "Sliding windows", "iou": "IoU", "nms": "Non-max suppression",
         "yolo": "YOLO grid and anchors", "live": "Live camera"}
SOURCES = {"yolo": "tiny YOLO (shapes)", "windows": "sliding windows (photo)",
           **{name: d.label.split(" (")[0] + " (photo)" for name, d in coco.DETECTORS.items()}}
LIVE_SOURCES = {"yolo": "tiny YOLO (shapes cards)", **{name: d.label.split(" (")[0] for name, d in coco.DETECTORS.items()}}
_LOSSES = {"squared": "squared error", "practical": "logistic + CE + squared"}
_METHODS = {"greedy": "greedy (the course)", "soft": "Soft-NMS"}
_SAMPLES = images.sample_names()


def _corner(default: float, label: str) -> Setting:
    """One coordinate of a box on the IoU view's 10 x 10 canvas."""
    return Setting(default, label, bounds=(0.0, 10.0), step=0.5, widget="slider")


class DetectionSettings(LabSettings, ns="det"):
    view: str = Setting("target", "Part", choices=VIEWS, labels=VIEWS, widget="radio")
    # Target vector
    seed: int = Setting(7, "Scene", bounds=(0, 10**9), help="Every number is a different generated image.")
    object: int = Setting(0, "Object", bounds=(-1, 19), widget="select")
    form: str = Setting("squared", "Loss", choices=localization.FORMS, labels=_LOSSES, widget="radio")
    landmarks: bool = Setting(False, "Landmarks", help="Add four points on the object: its top, right, bottom and left "
                              "extremes, as (l_x, l_y) pairs.")
    # Sliding windows
    pic: str = Setting("coffee", "Photo", choices=_SAMPLES, labels=_SAMPLES)
    window: int = Setting(224, "Window (px)", bounds=(32, 300), step=8)
    stride: int = Setting(0, "Stride (px, 0 = aligned)", bounds=(0, 300), step=4,
                          help="Window by window only; 0 uses the one-pass version's stride, so both align.")
    scales: str = Setting("1", "Window sizes (scales of the window above), each in one pass")
    klass: int = Setting(-1, "Class to find", bounds=(-1, 999), widget="select")
    # IoU
    ax1: float = _corner(1.0, "x1")
    ay1: float = _corner(1.0, "y1")
    ax2: float = _corner(5.0, "x2")
    ay2: float = _corner(4.0, "y2")
    bx1: float = _corner(3.0, "x1")
    by1: float = _corner(2.0, "y1")
    bx2: float = _corner(7.0, "x2")
    by2: float = _corner(6.0, "y2")
    # Non-max suppression and YOLO
    source: str = Setting("yolo", "Raw detections from", choices=SOURCES, labels=SOURCES,
                          help="The photo of the Sliding-windows part; COCO detectors when their weights are here or "
                               "can be downloaded.")
    # a held-out scene the tiny YOLO gets right: each of its four objects has several raw boxes, and NMS keeps one
    nms_seed: int = Setting(1_000_080, "Scene", bounds=(0, 10**9))
    score: float = Setting(0.2, "Score threshold (discard p_c <=)", bounds=(0.0, 1.0), step=0.05, widget="slider")
    iou: float = Setting(0.5, "IoU threshold (discard IoU >)", bounds=(0.0, 1.0), step=0.05, widget="slider")
    per_class: bool = Setting(True, "Per class", help="On: a box only suppresses boxes of its own class.")
    method: str = Setting("greedy", "Method", choices=_METHODS, labels=_METHODS, widget="radio")
    sigma: float = Setting(0.5, "Soft-NMS sigma", bounds=(0.05, 2.0), step=0.05, widget="slider")
    nms_step: int = Setting(1, "Step", bounds=(1, 5000))
    # Live camera (the thresholds above apply)
    live_source: str = Setting("yolo", "Detector", choices=LIVE_SOURCES, labels=LIVE_SOURCES,
                               help="The COCO detectors when their weights are here or can be downloaded.")
    row: int = Setting(1, "Cell row", bounds=(0, 15))
    col: int = Setting(1, "Cell column", bounds=(0, 15))
