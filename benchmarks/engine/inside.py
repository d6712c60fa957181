"""Speed figures for the Inside-a-trained-CNN lab (offline MobileNetV2, 224 px, CPU), each against a reference
measured in the same run:

1. Feature extraction of all 19 MobileNetV2 stages vs a plain forward pass.       Target: < 1.2x.
2. Grad-CAM (CAM, Grad-CAM++ and LayerCAM share its pass) vs one forward plus
   backward to the input.                                                         Target: < 1.3x.
3. Integrated Gradients with 32 steps, and the other Captum methods, vs the same forward plus backward.
4. Activation maximization of a mid-level unit (features.6) at 128 px, 128 steps.  Target: < 30 s.
5. The top-9 patches of a channel over the six sample photos.
"""

import time
from functools import partial

import torch

from benchmarks.timing import median_ms, paired_ms
from cvcore import attribution, images, zoo
from cvcore.inside import features, maximize, units

_median_ms = partial(median_ms, warmup=2)


def rows(repeat: int = 15) -> list[tuple[str, float, str, float]]:
    """(measurement, ms, reference, reference ms)"""
    model = zoo.load("mobilenet_v2", device="cpu")
    entry = zoo.registry()["mobilenet_v2"]
    x = features.preprocess(images.sample_image("chelsea"), entry)
    stages = [f"features.{i}" for i in range(19)]

    def forward():
        with torch.inference_mode():
            model(x)

    def forward_backward():
        xg = x.clone().requires_grad_(True)
        torch.autograd.grad(model(xg)[0, 285], xg)

    extract_ms, forward_ms = paired_ms(lambda: features.extract(model, x, stages), forward, 4 * repeat, warmup=3)
    grad_cam_ms, fb_ms = paired_ms(lambda: attribution.grad_cam(model, x, 285, "features.18"), forward_backward, 2 * repeat,
                                     warmup=3)
    out = [
        ("extract all 19 stages", extract_ms, "forward", forward_ms),
        ("Grad-CAM (features.18)", grad_cam_ms, "forward+backward", fb_ms),
        ("CAM+Grad-CAM+Grad-CAM+++LayerCAM", _median_ms(lambda: attribution.class_activation_maps(
            model, x, 285, "features.18", ["cam", "grad_cam", "grad_cam_pp", "layer_cam"]), repeat),
         "forward+backward", fb_ms),
        ("Saliency (Captum)", _median_ms(lambda: attribution.saliency(model, x, 285), repeat), "forward+backward", fb_ms),
        ("Guided Grad-CAM (Captum)", _median_ms(lambda: attribution.guided_grad_cam(model, x, 285, "features.18"), 5),
         "forward+backward", fb_ms),
        ("Integrated Gradients, 32 steps", _median_ms(lambda: attribution.integrated_gradients(model, x, 285, steps=32), 3,
                                                      warmup=1), "forward+backward", fb_ms),
        ("Occlusion 56 px, stride 28", _median_ms(lambda: attribution.occlusion(model, x, 285), 3, warmup=1),
         "forward", forward_ms),
    ]
    heat = attribution.grad_cam(model, x, 285, "features.18")
    out.append(("deletion+insertion, 17 points each", _median_ms(
        lambda: attribution.deletion_insertion(model, x, 285, heat), 3, warmup=1), "forward", forward_ms))
    probe = torch.cat([features.preprocess(images.sample_image(n), entry) for n in images.sample_names()])
    out.append(("top-9 patches over 6 photos", _median_ms(lambda: units.top_patches(model, probe, "features.6", 5), 3,
                                                          warmup=1), "forward", forward_ms))
    start = time.perf_counter()
    for _ in maximize.maximize_channel(model, "features.6", 5, size=128, steps=128):
        pass
    out.append(("activation max., 128 px, 128 steps", (time.perf_counter() - start) * 1000, "forward", forward_ms))
    return out
