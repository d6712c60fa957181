"""torchvision's COCO detectors with their final non-max suppression turned off, so that every raw box
comes back and the lab's NMS can be applied to it live.

The weights are resolved like every other pretrained file (``cvcore.zoo``): a weights folder, torch's
hub cache, or a download when online. Offline without the files, ``status`` says how to get them.
"""

from dataclasses import dataclass

import torch
import torchvision
from PIL import Image

from cvcore import zoo
from cvcore.errors import InvalidParameter
from cvcore.images import to_tensor

__all__ = ["Detector", "DETECTORS", "status", "build", "raw_detections"]

_RAW = 1_000  # detections per image when NMS is off


@dataclass(frozen=True)
class Detector:
    name: str
    label: str
    builder: str  # a torchvision.models.detection constructor
    weights: zoo.WeightsSpec
    categories: tuple[str, ...]


def _detector(name: str, builder: str, enum: str) -> Detector:
    entry = zoo.networks()[name]  # its label and weights file are registered with the other networks
    categories = getattr(torchvision.models.detection, enum).COCO_V1.meta["categories"]
    return Detector(name, entry.label, builder, entry.files[0], tuple(categories))


DETECTORS = {d.name: d for d in (
    _detector("fasterrcnn", "fasterrcnn_resnet50_fpn", "FasterRCNN_ResNet50_FPN_Weights"),
    _detector("retinanet", "retinanet_resnet50_fpn", "RetinaNet_ResNet50_FPN_Weights"),
    _detector("ssdlite", "ssdlite320_mobilenet_v3_large", "SSDLite320_MobileNet_V3_Large_Weights"),
)}


def status(name: str) -> tuple[bool, str]:
    """(ready now without a download, why not and how to get it)."""
    return zoo.network_status(_get(name).name)


def _get(name: str) -> Detector:
    if name not in DETECTORS:
        raise InvalidParameter(f"detector must be one of {sorted(DETECTORS)}, got {name!r}")
    return DETECTORS[name]


def _raw_mode(model: torch.nn.Module) -> torch.nn.Module:
    """Turn the final NMS off (an IoU threshold of 1 removes nothing) and let many low-scoring boxes through."""
    heads = getattr(model, "roi_heads", None)
    if heads is not None:  # Faster R-CNN (its region-proposal stage keeps its own NMS: that is part of how it proposes)
        heads.nms_thresh, heads.score_thresh, heads.detections_per_img = 1.0, 0.05, _RAW
    else:  # RetinaNet, SSD
        model.nms_thresh, model.score_thresh, model.detections_per_img = 1.0, 0.05, _RAW
    return model


def build(name: str, *, pretrained: bool = True, progress=None, offline: bool | None = None) -> torch.nn.Module:
    """The detector in eval mode with NMS off; ``pretrained=False`` gives random weights (for tests).

    Raises:
        WeightsUnavailable: the weights cannot be found or fetched.
    """
    detector = _get(name)
    model = getattr(torchvision.models.detection, detector.builder)(weights=None, weights_backbone=None,
                                                                  num_classes=len(detector.categories))
    if pretrained:
        location = zoo.resolve_weights(detector.weights, progress=progress, offline=offline)
        try:
            model.load_state_dict(torch.load(location.path, map_location="cpu", weights_only=True))
        except Exception as exc:  # reported, not raised raw
            raise zoo.unreadable(location.path, location.source, exc) from exc
    return _raw_mode(model.eval())


def raw_detections(model: torch.nn.Module, image: Image.Image) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every box the detector proposes for ``image`` before NMS: (boxes Tensor[N, 4], scores Tensor[N], labels Tensor[N])."""
    x = to_tensor(image.convert("RGB")).to(next(model.parameters()).device)
    with torch.inference_mode():
        out = model([x])[0]
    return out["boxes"].float().cpu(), out["scores"].float().cpu(), out["labels"].cpu()
