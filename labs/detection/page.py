from labs.detection import live, localization, nms
from labs.detection.settings import DetectionSettings
from ui.page import part, start_lab

start_lab(
    DetectionSettings,
    "Localization and detection",
    "From one object to many: the **target vector** a network learns for classification with localization, "
    "**sliding windows** with a real classifier (and why one convolutional pass replaces hundreds), **IoU** to say "
    "when two boxes agree, **non-max suppression** to keep one box per object, and a small **YOLO** that does it all "
    "in one pass over a grid with anchor boxes.",
)


@part(DetectionSettings)
def body() -> None:
    view = DetectionSettings.widget("view", horizontal=True)
    {"target": localization.target_view, "sliding": localization.sliding_view, "iou": localization.iou_view,
     "nms": nms.nms_view, "yolo": nms.yolo_view, "live": live.live_view}[view]()


body()
