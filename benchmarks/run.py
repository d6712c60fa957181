"""CNN Lab's speed figures, each as a ratio to a reference timed in the same run, in the order they are printed
(``benchmarks/README.md`` lists each figure's reference and target).

    make bench

1. ``conv_trace`` on a 32x32 input with a 3x3 kernel (every step recorded) against ``torch.nn.functional.conv2d``
   computing the same output, and ``pool_trace`` against ``max_pool2d`` (``engine/conv.py``).   Target: trace < 20 ms.
2. One AppTest rerun of each lab page after a settings change (Build your own CNN: after a layer is edited) against
   one rerun of a trivial one-slider page (``pages/reruns.py``).                                Target: < 3x.
3. Build your own CNN: training throughput (images/s) of the course's default network on the digits.
4. The Learning-a-filter loop: optimisation steps per second on a 96x96 photo crop.
5. The Architectures lab's layer table for ResNet-152 and VGG-16 on CPU (3 to 5: ``engine/conv.py``). Target: < 1 s each.
6. Localization and detection: NMS (trace and fast path against torchvision), sliding windows, the tiny YOLO
   (``engine/detection.py``).
7. Transfer learning and segmentation: head-only and full fine-tuning throughput, the three cases on 5 x 20
   textures, FCN inference (``jobs/transfer.py``).
8. Inside a trained CNN: feature extraction, every heatmap method, activation maximization and the top-9 patches
   against a forward (and backward) pass (``engine/inside.py``).
9. Inside a trained CNN, the whole network: the overview of every stage and the drill-down to one value (activations
   and step-through) against a plain forward pass; opening the overview, a click on a stage and a new cell in the page
   against the one-slider page's rerun (``engine/inside_network.py``).
10. Neural style transfer: seconds per step at 256 and 384 px for each backbone and optimiser against a textbook
   Gatys loop, the "fast preview" preset end to end, its peak memory (``jobs/style.py``).
11. Face verification: detect + align + embed at 640x480, embedding throughput, ROC for 10,000 pairs, the page's
   AppTest rerun after tau moves, and the ORL quality figures (``engine/faces.py``; tau in Chromium is a control of
   the browser part, 17).
12. Classroom: generating each lab's questions, and the glossary page's rerun (``pages/classroom.py``).
13. What an interaction costs the server: CPU seconds of the server process per change of a lab's main control,
   against the one-slider echo page, one simulated learner speaking Streamlit's protocol (``load/server_cpu.py``).
14. Heavy jobs on a shared Ray pool: a short job (learning a filter, 300 steps; style transfer, 10 steps at 128 px)
   from submission to its last record through a local Ray head, against the same job in the process, and the first
   run's cold start of a worker (``jobs/cluster.py``; left out when Ray is not installed).
15. The live camera: frames per second the server processes over WebRTC from Chromium's fake camera (30 frames/s,
   640 x 480) in Inside (MobileNetV2 top-5 and feature maps) and Detection (tiny YOLO and NMS), against the same
   WebRTC path with an identity processor and against the per-frame work alone (``browser/webcam.py``).
16. The drawing canvas: in Build your own CNN, a stroke's mouse-up until the shipped digits network's prediction,
   Grad-CAM and feature maps are redrawn, in Chromium against the one-slider echo page's arrow key to its output,
   interleaved (``browser/canvas.py``).
17. In the browser, as the learner sees it: each lab's main controls, from the input event until the changed
   output is on screen, against the same on a one-slider page, interleaved (target: within 1.5x); opening each
   lab in a warm server (target: 1.5 s); a cold server to the first lab drawn (target: 8 s) (``browser/controls.py``).
   Only that part, for some labs: ``make bench BENCH="--browser-only --labs conv,faces --repeat 3"`` (``--labs``
   and ``--repeat`` also apply to the full run; ``--no-browser`` leaves 15 to 17 out).

Not in ``make bench``: ``make memory`` (``jobs/memory.py``), ``make load`` (``load/driver.py``) and ``make profile``
(``pages/profile_rerun.py``).
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch
from streamlit.testing.v1 import AppTest

from benchmarks.browser import canvas, controls, webcam
from benchmarks.engine import conv, detection, faces, inside, inside_network
from benchmarks.jobs import style, transfer
from benchmarks.load import server_cpu
from benchmarks.pages import classroom, reruns


def bench_browser(labs: str, repeat: int) -> None:
    print(f"\nIn the browser (headless Chromium, the real server on 127.0.0.1, CPU; medians of {repeat} changes, "
          "interleaved with the one-slider echo page):", flush=True)
    failures: list[str] = []
    result = controls.rows(repeat, labs, failures=failures)
    print("\n".join(controls.report(result, failures)))


def main() -> None:
    parser = argparse.ArgumentParser(description="CNN Lab's speed figures, each against a reference timed in the same run.")
    parser.add_argument("--browser-only", action="store_true", help="only the browser part (see benchmarks/browser/controls.py)")
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
    traces = conv.trace_rows()
    for name, ms, ref_ms, ref in traces:
        print(f"{name:34} {ms:10.3f} {ref:>14} {ref_ms:8.3f} {ms / ref_ms:6.1f}x")
    trivial_ms = reruns.trivial_ms()
    lines, ratios = reruns.rows(trivial_ms)
    print("\n".join(lines))
    torch.set_num_threads(1)  # as the app runs it (cvcore.device.configure_threads)
    print(f"\nTraining the course's CNN on the digits: {conv.training_images_per_s():,.0f} images/s (1 thread)")
    print(f"\nLearning a filter (96x96 crop, Sobel target): {conv.learning_steps_per_s():,.0f} steps/s (1 thread)")
    for name in ("resnet152", "vgg16"):
        print(f"Layer table of {name} (build + shapes, CPU): {conv.layer_table_ms(name):.0f} ms "
              f"(target < {conv.LAYER_TABLE_TARGET_MS} ms)")
    print("\nLocalization and detection (1 thread):")
    for name, ms, ref, ref_ms in detection.rows():
        print(f"{name:36} {ms:10.1f} {ref:>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    print("\nTransfer learning and segmentation (1 thread):")
    for line in transfer.rows():
        print(line)
    print("\nInside a trained CNN (MobileNetV2, 224 px, 1 thread as the app runs):")
    for name, ms, ref, ref_ms in inside.rows():
        print(f"{name:36} {ms:10.1f} {ref:>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    print("\nInside a trained CNN, the whole network (benchmarks/engine/inside_network.py):")
    print("\n".join(inside_network.rows(trivial_ms)))
    print("\nNeural style transfer (1 thread; VGG-19 with random weights):")
    for line in style.rows():
        print(line)
    print("\nFace verification (1 thread; weights and ORL faces from ../shared):")
    if not os.environ.get("CVCORE_WEIGHTS_DIR"):
        os.environ["CVCORE_WEIGHTS_DIR"] = str(faces.SHARED / "weights")
    for line in faces.rows(AppTest, trivial_ms):
        print(line)
    print("\nClassroom: lesson and question panels (added to every lab's rerun):")
    for name, ms, ref_ms in classroom.rows(trivial_ms):
        print(f"{name:36} {ms:10.2f} {'1-slider page':>16} {ref_ms:8.1f} {ms / ref_ms:7.2f}x")
    trace_ms = traces[0][1]
    met = "met" if trace_ms < conv.TRACE_TARGET_MS else "MISSED"
    print(f"\ntargets: conv_trace < {conv.TRACE_TARGET_MS} ms -> {trace_ms:.2f} ms ({met}); page reruns < "
          f"{reruns.TARGET:.0f}x trivial -> " + ", ".join(f"{p} {r:.1f}x" for p, r in ratios.items()))
    print("\nWhat an interaction costs the server (CPU per change, one simulated learner; benchmarks/load/server_cpu.py):")
    server_cpu.main([])
    print("\nA short job on the shared Ray pool against in the process (local head on 127.0.0.1; benchmarks/jobs/cluster.py):")
    try:
        import ray  # noqa: F401  (optional: requirements-cluster.txt)
    except ImportError:
        print("left out: Ray is not installed (pip install -r requirements-cluster.txt)")
    else:
        from benchmarks.jobs import cluster as pool

        print("\n".join(pool.rows()))
    if not args.no_browser:
        print("\nThe live camera over WebRTC (Chromium's fake camera, 127.0.0.1; benchmarks/browser/webcam.py):")
        print("\n".join(webcam.rows()))
        print("\nThe drawing canvas, stroke to prediction (Chromium, 127.0.0.1; benchmarks/browser/canvas.py):")
        print("\n".join(canvas.rows(args.repeat)))
        bench_browser(args.labs, args.repeat)


if __name__ == "__main__":
    main()
