"""Speed figures of the convolution chapter's engine: ``conv_trace`` and ``pool_trace`` against PyTorch's own
operators, Learning a filter's optimisation steps, training the course's network on the digits, and the
Architectures lab's layer tables.

    .venv/bin/python -m benchmarks.engine.conv      (also sections 1, 3, 4 and 5 of benchmarks/run.py)
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch
import torch.nn.functional as F

from benchmarks.timing import median_ms
from cvcore import images
from cvcore.conv import conv_trace, kernels
from cvcore.conv.learn import learn_kernel
from cvcore.conv.pooling import pool_trace
from cvcore.data import digits as datasets
from cvcore.networks import architectures, builder, training
from cvcore.teach.grids import random_grid

TRACE_TARGET_MS = 20
LAYER_TABLE_TARGET_MS = 1000


def trace_rows() -> list[tuple[str, float, float, str]]:
    """(measurement, ms, reference ms, reference) for the traces of a 32x32 input."""
    x = random_grid(32, 32, seed=0)
    k = torch.randn(3, 3, dtype=torch.float64)
    rows = []
    trace_ms = median_ms(lambda: conv_trace(x, k), 300)
    conv_ms = median_ms(lambda: F.conv2d(x[None, None], k[None, None]), 300)
    rows.append(("conv_trace 32x32, 3x3", trace_ms, conv_ms, "F.conv2d"))
    steps_ms = median_ms(lambda: conv_trace(x, k).steps, 50)
    rows.append(("conv_trace + all 900 steps", steps_ms, conv_ms, "F.conv2d"))
    pool_ms = median_ms(lambda: pool_trace(x, kind="max", size=2), 300)
    ref_ms = median_ms(lambda: F.max_pool2d(x[None, None], 2), 300)
    rows.append(("pool_trace 32x32, f=2", pool_ms, ref_ms, "F.max_pool2d"))
    return rows


def training_images_per_s(epochs: int = 2) -> float:
    """Training throughput of the course's default network on the digits."""
    data = datasets.digits(28)
    net = builder.build_network(builder.course_example(), (1, 28, 28))
    records = list(training.train_classifier(net, data, epochs=epochs, reports_per_epoch=1))
    return records[-1].images_per_s


def layer_table_ms(name: str) -> float:
    """Building network ``name`` and its layer table for a 224x224 input, once."""
    start = time.perf_counter()
    architectures.layer_table(architectures.build(name), (3, 224, 224))
    return (time.perf_counter() - start) * 1000


def learning_steps_per_s(steps: int = 500) -> float:
    """Learning a filter: optimisation steps per second on a 96x96 photo crop with a Sobel target."""
    image = images.gray_crop(images.sample_image("camera"), 96)
    target = kernels.make_kernel("sobel_x")
    for _ in learn_kernel(image, target, steps=20):
        pass
    start = time.perf_counter()
    for _ in learn_kernel(image, target, steps=steps):
        pass
    return steps / (time.perf_counter() - start)


if __name__ == "__main__":
    for name, ms, ref_ms, ref in trace_rows():
        print(f"{name:34} {ms:10.3f} {ref:>14} {ref_ms:8.3f} {ms / ref_ms:6.1f}x")
    torch.set_num_threads(1)
    print(f"Training the course's CNN on the digits: {training_images_per_s():,.0f} images/s (1 thread)")
    print(f"Learning a filter (96x96 crop, Sobel target): {learning_steps_per_s():,.0f} steps/s (1 thread)")
    for net in ("resnet152", "vgg16"):
        print(f"Layer table of {net} (build + shapes, CPU): {layer_table_ms(net):.0f} ms")
