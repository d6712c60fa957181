from labs.segmentation import views
from labs.segmentation.settings import SegmentationSettings
from ui.page import part, start_lab

start_lab(
    SegmentationSettings,
    "Segmentation",
    "Detection draws a box around each object; **semantic segmentation** gives every pixel a class, and **instance "
    "segmentation** tells the objects apart. A small fully convolutional network does it here: an encoder of "
    "convolutions shrinks the map, a decoder of **transposed convolutions** grows it back to the image's size (the U "
    "shape), and a 1x1 convolution scores each class at every pixel.",
)


@part(SegmentationSettings)
def body() -> None:
    view = SegmentationSettings.widget("view", horizontal=True)
    {"tasks": views.tasks_view, "segment": views.segment_view, "instances": views.instances_view}[view]()


body()
