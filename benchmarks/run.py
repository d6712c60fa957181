"""Speed figures for the Convolution and Pooling labs, each as a ratio to a reference timed in the same run.

    make bench

1. ``conv_trace`` on a 32x32 input with a 3x3 kernel (every step recorded) against
   ``torch.nn.functional.conv2d`` computing the same output.          Target: trace < 20 ms.
2. One AppTest rerun of each lab page after a settings change against one rerun of a
   trivial one-slider page.                                            Target: < 3x.
3. The Learning-a-filter loop: optimisation steps per second on a 96x96 photo crop.
4. The Architectures lab's layer table for ResNet-152 and VGG-16 on CPU.  Target: < 1 s each.
5. Build your own CNN: the rerun after editing a layer, and training throughput (images/s) of the
   course's default network on the digits.
7. Localization and detection: NMS (trace and fast path against torchvision), sliding windows, the
   tiny YOLO (see ``benchmarks/detection.py``), and the page's rerun after an IoU box moves.
8. Transfer learning and segmentation: head-only and full fine-tuning throughput, the three cases on 5 x 20
   textures, FCN inference (see ``benchmarks/transfer.py``).
9. Neural style transfer: seconds per step at 256 and 384 px for each backbone and optimiser against a textbook
   Gatys loop, the "fast preview" preset end to end, its peak memory (see ``benchmarks/style.py``).
10. Face verification: detect + align + embed at 640x480, embedding throughput, ROC for 10,000 pairs, the page's
   rerun after tau moves (in AppTest, and in Chromium against the real server, where only the threshold's
   fragment reruns), and the ORL quality figures (see ``benchmarks/faces.py`` and ``benchmarks/faces_browser.py``).
11. Classroom: generating each lab's questions, and the glossary page's rerun (see ``benchmarks/classroom.py``).
6. Inside a trained CNN: feature extraction, every heatmap method, activation maximization and the
   top-9 patches against a forward (and backward) pass (see ``benchmarks/inside.py``), and the page's
   rerun after the layer changes.
12. In the browser, as the learner sees it: each lab's main controls, from the input event until the changed
   output is on screen, against the same on a one-slider page, interleaved (target: within 1.5x); opening each
   lab in a warm server (target: 1.5 s); a cold server to the first lab drawn (target: 8 s). See
   ``benchmarks/browser.py``. Only that part, for some labs: ``make bench BENCH="--browser-only --labs conv,faces
   --repeat 3"`` (``--labs`` and ``--repeat`` also apply to the full run; ``--no-browser`` leaves it out).
13. What an interaction costs the server: CPU seconds of the server process per change of a lab's main control,
   against the one-slider echo page, one simulated learner speaking Streamlit's protocol (``benchmarks/server_cpu.py``).
14. Heavy jobs on a shared Ray pool: a short job (learning a filter, 300 steps; style transfer, 10 steps at 128 px)
   from submission to its last record through a local Ray head, against the same job in the process, and the first
   run's cold start of a worker (``benchmarks/cluster.py``; left out when Ray is not installed).
14. The live camera: frames per second the server processes over WebRTC from Chromium's fake camera (30 frames/s,
   640 x 480) in Inside (MobileNetV2 top-5 and feature maps) and Detection (tiny YOLO and NMS), against the same
   WebRTC path with an identity processor and against the per-frame work alone (``benchmarks/webcam.py``; after the
   other figures, before the browser part; ``--no-browser`` and ``--browser-only`` leave it out).
15. Inside a trained CNN, the whole network: the overview of every stage and the drill-down to one value (activations
   and step-through) against a plain forward pass; opening the overview, a click on a stage and a new cell in the page
   against the one-slider page's rerun (``benchmarks/inside_network.py``).
16. The drawing canvas: in Build your own CNN, a stroke's mouse-up until the shipped digits network's prediction,
   Grad-CAM and feature maps are redrawn, in Chromium against the one-slider echo page's arrow key to its output,
   interleaved (``benchmarks/canvas.py``; in the browser part, so ``--no-browser`` leaves it out).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from benchmarks import browser, classroom, detection, faces, faces_browser, inside, server_cpu, style, transfer, webcam
from benchmarks.timing import median_ms as _median_ms
from benchmarks.timing import rerun_ms
from cvcore import images
from cvcore.conv import conv_trace, kernels
from cvcore.conv.learn import learn_kernel
from cvcore.conv.pooling import pool_trace
from cvcore.data import digits as datasets
from cvcore.networks import architectures, builder, training
from cvcore.teach.grids import random_grid
from tests.apptest import open_lab


def bench_trace() -> list[tuple[str, float, float, str]]:
    x = random_grid(32, 32, seed=0)
    k = torch.randn(3, 3, dtype=torch.float64)
    rows = []
    trace_ms = _median_ms(lambda: conv_trace(x, k), 300)
    conv_ms = _median_ms(lambda: F.conv2d(x[None, None], k[None, None]), 300)
    rows.append(("conv_trace 32x32, 3x3", trace_ms, conv_ms, "F.conv2d"))
    steps_ms = _median_ms(lambda: conv_trace(x, k).steps, 50)
    rows.append(("conv_trace + all 900 steps", steps_ms, conv_ms, "F.conv2d"))
    pool_ms = _median_ms(lambda: pool_trace(x, kind="max", size=2), 300)
    ref_ms = _median_ms(lambda: F.max_pool2d(x[None, None], 2), 300)
    rows.append(("pool_trace 32x32, f=2", pool_ms, ref_ms, "F.max_pool2d"))
    return rows


# (page, the setting changed on every rerun, its two alternating values, what is shown)
PAGES = [
    ("convolution", "conv.stride", (2, 1), "Convolution page rerun (stride)"),
    ("pooling", "pool.stride", (1, 2), "Pooling page rerun (stride)"),
    ("volumes", "vol.stride", (2, 1), "Volumes page rerun (stride)"),
    ("separable", "sep.c", (6, 4), "1x1/separable page rerun (n_C)"),
    ("transposed", "tconv.stride", (3, 2), "Transposed page rerun (stride)"),
    ("dimensions", "dims.d", (3, 2), "Dilated/1-D/3-D page rerun (d)"),
    ("learn_filter", "learn.seed", (1, 0), "Learning page rerun (seed)"),
    ("architectures", "arch.size", (200, 0), "Architectures page rerun (input size)"),
]
# (page, selectbox key, its two alternating values, what is shown)
SELECT_PAGES = [
    ("inside_cnn", "inside.layer", ("features.13", "features.6"), "Inside-a-CNN page rerun (layer)", "selectbox"),
    ("detection", "det.ax2", (6.0, 5.0), "Detection page rerun (IoU box)", "slider"),
]


def bench_layer_edit(repeat: int = 20) -> float:
    """The Build page after a layer is edited (the editor's layers alternate between two networks)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    open_lab(at, "build_cnn")
    at.run()
    course = builder.specs_text(builder.course_example())
    edited = course.replace("conv-64-3-1-0", "conv-48-3-1-0")

    def change(app, i):
        app.session_state["build.layers"] = (edited, course)[i % 2]

    change(at, 1)
    at.run()
    return rerun_ms(at, change, repeat, errors_fail=False)


def bench_training(epochs: int = 2) -> float:
    data = datasets.digits(28)
    net = builder.build_network(builder.course_example(), (1, 28, 28))
    records = list(training.train_classifier(net, data, epochs=epochs, reports_per_epoch=1))
    return records[-1].images_per_s


def bench_layer_table(name: str) -> float:
    start = time.perf_counter()
    architectures.layer_table(architectures.build(name), (3, 224, 224))
    return (time.perf_counter() - start) * 1000


def bench_trivial(repeat: int = 30) -> float:
    trivial = AppTest.from_file(str(ROOT / "benchmarks" / "trivial_page.py"), default_timeout=120)
    trivial.run()
    return rerun_ms(trivial, lambda at, i: at.slider(key="value").set_value(i % 2 + 1), repeat,
                    errors_fail=False)


def bench_page(page: str, key: str, values: tuple, repeat: int = 30, widget: str = "number_input",
               view: str | None = None) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if view:
        at.query_params["view"] = view
    open_lab(at, page)
    at.run()
    getattr(at, widget)(key=key).set_value(values[0])
    at.run()  # warm the caches of both settings
    return rerun_ms(at, lambda app, i: getattr(app, widget)(key=key).set_value(values[(i + 1) % 2]), repeat,
                    errors_fail=False)


def bench_learning(steps: int = 500) -> float:
    image = images.gray_crop(images.sample_image("camera"), 96)
    target = kernels.make_kernel("sobel_x")
    for _ in learn_kernel(image, target, steps=20):
        pass
    start = time.perf_counter()
    for _ in learn_kernel(image, target, steps=steps):
        pass
    return steps / (time.perf_counter() - start)


def bench_browser(labs: str, repeat: int) -> None:
    print(f"\nIn the browser (headless Chromium, the real server on 127.0.0.1, CPU; medians of {repeat} changes, "
          "interleaved with the one-slider echo page):", flush=True)
    failures: list[str] = []
    result = browser.rows(repeat, labs, failures=failures)
    print("\n".join(browser.report(result, failures)))


def main() -> None:
    parser = argparse.ArgumentParser(description="CNN Lab's speed figures, each against a reference timed in the same run.")
    parser.add_argument("--browser-only", action="store_true", help="only the browser part (see benchmarks/browser.py)")
    parser.add_argument("--no-browser", action="store_true", help="leave the browser part out")
    parser.add_argument("--labs", default="", help="the browser part: comma-separated starts of lab slugs, e.g. "
                        "conv,faces (all by default)")
    parser.add_argument("--repeat", type=int, default=7, help="the browser part: changes timed per control (default 7)")
    args = parser.parse_args()
    if args.browser_only:
        bench_browser(args.labs, args.repeat)
        return
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"CNN Lab benchmarks (torch {torch.__version__}, {torch.get_num_threads()} threads, CPU)\n")
    print(f"{'measurement':34} {'median ms':>10} {'reference':>14} {'ref ms':>8} {'ratio':>7}")
    for name, ms, ref_ms, ref in bench_trace():
        print(f"{name:34} {ms:10.3f} {ref:>14} {ref_ms:8.3f} {ms / ref_ms:6.1f}x")
    trivial_ms = bench_trivial()
    ratios = {}
    for page, key, values, label in PAGES:
        page_ms = bench_page(page, key, values)
        ratios[page] = page_ms / trivial_ms
        print(f"{label:34} {page_ms:10.1f} {'1-slider page':>14} {trivial_ms:8.1f} {ratios[page]:6.1f}x")
    for page, key, values, label, widget in SELECT_PAGES:
        at_view = {"detection": "iou"}.get(page)
        page_ms = bench_page(page, key, values, widget=widget, view=at_view)
        ratios[page] = page_ms / trivial_ms
        print(f"{label:34} {page_ms:10.1f} {'1-slider page':>14} {trivial_ms:8.1f} {ratios[page]:6.1f}x")
    edit_ms = bench_layer_edit()
    ratios["build_cnn"] = edit_ms / trivial_ms
    print(f"{'Build page rerun (layer edited)':34} {edit_ms:10.1f} {'1-slider page':>14} {trivial_ms:8.1f} "
          f"{ratios['build_cnn']:6.1f}x")
    torch.set_num_threads(1)  # as the app runs it (cvcore.device.configure_threads)
    print(f"\nTraining the course's CNN on the digits: {bench_training():,.0f} images/s (1 thread)")
    print(f"\nLearning a filter (96x96 crop, Sobel target): {bench_learning():,.0f} steps/s (1 thread)")
    for name in ("resnet152", "vgg16"):
        print(f"Layer table of {name} (build + shapes, CPU): {bench_layer_table(name):.0f} ms (target < 1000 ms)")
    print("\nLocalization and detection (1 thread):")
    for name, ms, ref, ref_ms in detection.rows():
        print(f"{name:36} {ms:10.1f} {ref:>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    print("\nTransfer learning and segmentation (1 thread):")
    for line in transfer.rows():
        print(line)
    print("\nInside a trained CNN (MobileNetV2, 224 px, 1 thread as the app runs):")
    for name, ms, ref, ref_ms in inside.rows():
        print(f"{name:36} {ms:10.1f} {ref:>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    from benchmarks import inside_network

    print("\nInside a trained CNN, the whole network (benchmarks/inside_network.py):")
    print("\n".join(inside_network.rows(trivial_ms)))
    print("\nNeural style transfer (1 thread; VGG-19 with random weights):")
    for line in style.rows():
        print(line)
    print("\nFace verification (1 thread; weights and ORL faces from ../shared):")
    if not os.environ.get("CVCORE_WEIGHTS_DIR"):
        os.environ["CVCORE_WEIGHTS_DIR"] = str(faces.SHARED / "weights")
    for line in faces.rows(AppTest, trivial_ms):
        print(line)
    for line in faces_browser.rows():
        print(line)
    print("\nClassroom: lesson and question panels (added to every lab's rerun):")
    for name, ms, ref_ms in classroom.rows(trivial_ms):
        print(f"{name:36} {ms:10.2f} {'1-slider page':>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    trace_ms = bench_trace()[0][1]
    print(f"\ntargets: conv_trace < 20 ms -> {trace_ms:.2f} ms ({'met' if trace_ms < 20 else 'MISSED'}); page reruns < 3x "
          "trivial -> " + ", ".join(f"{p} {r:.1f}x" for p, r in ratios.items()))
    print("\nWhat an interaction costs the server (CPU per change, one simulated learner; benchmarks/server_cpu.py):")
    server_cpu.main([])
    print("\nA short job on the shared Ray pool against in the process (local head on 127.0.0.1; benchmarks/cluster.py):")
    try:
        import ray  # noqa: F401  (optional: requirements-cluster.txt)
    except ImportError:
        print("left out: Ray is not installed (pip install -r requirements-cluster.txt)")
    else:
        from benchmarks import cluster as pool

        print("\n".join(pool.rows()))
    if not args.no_browser:
        print("\nThe live camera over WebRTC (Chromium's fake camera, 127.0.0.1; benchmarks/webcam.py):")
        print("\n".join(webcam.rows()))
        from benchmarks import canvas

        print("\nThe drawing canvas, stroke to prediction (Chromium, 127.0.0.1; benchmarks/canvas.py):")
        print("\n".join(canvas.rows(args.repeat)))
        bench_browser(args.labs, args.repeat)


if __name__ == "__main__":
    main()
