"""Shared models under many sessions at once: the heavy engine calls from 8 threads on the same cached model give
exactly the serial results, and leave the model as it was."""

from concurrent.futures import ThreadPoolExecutor

import torch

from cvcore import attribution, images
from cvcore.data import shapes
from cvcore.detect import metrics as detection
from cvcore.detect import yolo
from cvcore.inside import features

METHODS = ["cam", "grad_cam", "grad_cam_pp", "layer_cam", "saliency", "guided_grad_cam", "integrated_gradients",
           "occlusion"]


def test_heavy_calls_from_eight_threads_equal_the_serial_results(mobilenet, entry):
    detector = yolo.load_tiny_yolo()
    photos = [features.preprocess(images.sample_image(n), entry) for n in ("chelsea", "coffee", "astronaut", "rocket")]
    scenes = [shapes.scene(1_000_000 + i).image[None] for i in range(4)]
    before = [p.clone() for p in mobilenet.parameters()]

    def job(i: int):
        x = photos[i % 4]
        return {
            "maps": features.extract(mobilenet, x, ["features.3", "features.13"]),
            "heat": attribution.heatmaps(mobilenet, x, 285 + i, METHODS, layer="features.18", ig_steps=4,
                                         occlusion_window=112),
            "boxes": detection.detect(detector, detector.config, scenes[i % 4]),
        }

    serial = [job(i) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(job, range(8)))
    for a, b in zip(serial, parallel, strict=True):
        for name in a["maps"]:
            torch.testing.assert_close(a["maps"][name], b["maps"][name], rtol=0, atol=0)
        for method in METHODS:
            torch.testing.assert_close(a["heat"][method], b["heat"][method], rtol=1e-5, atol=1e-6)
        for x, y in zip(a["boxes"][0], b["boxes"][0], strict=True):
            torch.testing.assert_close(x, y, rtol=0, atol=0)
    assert all(torch.equal(p, q) for p, q in zip(before, mobilenet.parameters(), strict=True))
    assert all(p.grad is None for p in mobilenet.parameters())
    assert all(not m._forward_hooks and not m._backward_hooks for m in mobilenet.modules())


def test_face_embedding_from_eight_threads_equals_the_serial_result():
    from cvcore import faces
    from tests.shared_data import shared_path

    detector = faces.load_mtcnn()
    model = faces.load_mobilefacenet(shared_path("weights", "mobilefacenet.pt"))
    photos = [photo for _, photo in faces.sample_faces().values()][:4]
    before = [p.clone() for p in model.parameters()]

    def job(i: int) -> torch.Tensor:
        return faces.embed([photos[i % 4]], detector=detector, model=model)

    serial = [job(i) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(job, range(8)))
    for a, b in zip(serial, parallel, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
