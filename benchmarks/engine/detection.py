"""Speed figures for the Localization-and-detection lab, each against a reference measured in the same run:

1. ``nms_steps`` (the step-by-step trace) on 1,000 boxes.                               Target: < 30 ms.
2. The fast path ``cvcore.detect.boxes.nms`` (per class) on 10,000 and 100,000 boxes vs
   ``torchvision.ops.batched_nms`` on the same boxes.                                    Target: 1.0 to 1.1x.
3. Sliding windows with MobileNetV2: window by window vs one convolutional pass (speed-up).
4. Tiny-YOLO inference on one 128x128 image vs decoding and NMS of its output.
"""

import time

import torch
from torchvision import ops

from benchmarks.timing import median_ms
from cvcore import images, zoo
from cvcore.data import shapes
from cvcore.detect import boxes, sliding, yolo


def _boxes(n: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 1000
    b = torch.cat([xy, xy + torch.rand(n, 2, generator=g) * 100 + 1], dim=1)
    return b, torch.rand(n, generator=g), torch.randint(0, 10, (n,), generator=g)


def rows() -> list[tuple[str, float, str, float]]:
    out = []
    b, s, labels = _boxes(1_000)
    out.append(("nms_steps, 1,000 boxes", median_ms(lambda: boxes.nms_steps(b, s, iou_threshold=0.5, labels=labels), 20),
                "batched_nms", median_ms(lambda: ops.batched_nms(b, s, labels, 0.5), 20)))
    for n in (10_000, 100_000):
        b, s, labels = _boxes(n)
        ours, theirs = [], []
        for _ in range(7):  # alternate, so that drifts of a noisy machine hit both alike
            start = time.perf_counter()
            boxes.nms(b, s, iou_threshold=0.5, labels=labels)
            ours.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            ops.batched_nms(b, s, labels, 0.5)
            theirs.append((time.perf_counter() - start) * 1000)
        out.append((f"nms fast path, {n:,} boxes", sorted(ours)[3], "batched_nms", sorted(theirs)[3]))
    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    image = images.sample_image("chelsea").convert("RGB")
    one = sliding.windows_one_by_one(model, entry, image, 285, window=160, stride=160 * 32 / 224)
    conv = sliding.windows_convolutional(model, entry, image, 285, window=160)
    out.append((f"sliding windows: {conv.passes} pass", conv.seconds * 1000, f"{one.passes} windows", one.seconds * 1000))
    detector = yolo.load_tiny_yolo()
    x = shapes.scene(1_000_000).image[None]

    def infer():
        with torch.inference_mode():
            return detector(x)

    raw = infer()

    def post():
        b_, s_, l_ = yolo.detections(yolo.decode(raw, detector.config)[0], detector.config)
        boxes.nms(b_, s_, iou_threshold=0.5, score_threshold=0.6, labels=l_)

    out.append(("tiny YOLO, one 128x128 image", median_ms(infer, 50), "decode+NMS", median_ms(post, 50)))
    return out
