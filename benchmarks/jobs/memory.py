"""Resident memory while each long job runs again and again in one process (as in one long-lived session).

    make memory            # every job 20 times; prints RSS after the first run and after the last

Each job is the engine generator a lab runs, driven to its end; every other run is stopped halfway
(the generator closed between two steps, as a click on Stop does). Growth is measured from the
resident set size after the first run (which includes one-off costs: loading MobileNetV2, the digits,
torch's allocator pools) to the largest RSS seen over the remaining runs. Target: < 10 %.
Garbage collection follows the server's policy (``ui/warmup.py``): everything loaded is frozen once, and no full
collection runs after each job (``runner.postScriptGC = false``); ``--collect`` collects after every run instead.
On CUDA, allocated GPU memory must also return to what it was after the first run.
"""

import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch

__all__ = ["rss_mb", "jobs", "repeat", "main"]


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def jobs(*, small: bool = False) -> dict[str, callable]:
    """Each long job of the labs as a function that returns a fresh generator (``small``: fewer steps)."""
    from cvcore import images, zoo
    from cvcore.conv import kernels
    from cvcore.conv.learn import learn_kernel
    from cvcore.data import digits as datasets
    from cvcore.inside import maximize
    from cvcore.networks import builder, training, transfer

    photo = images.to_tensor(images.gray_crop(images.sample_image("chelsea"), 96))[0]  # [96, 96]
    sobel = kernels.make_kernel("sobel_x")
    out = {"learn a filter": lambda: learn_kernel(photo, sobel, steps=60 if small else 300)}
    if small:
        return out
    digits = datasets.digits(28)
    specs = builder.course_example()
    out["train Build your own CNN (1 epoch)"] = lambda: training.train_classifier(
        builder.build_network(specs, (1, 28, 28)), digits, epochs=1, batch_size=64)
    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    out["activation maximization (64 px, 24 steps)"] = lambda: maximize.maximize_channel(
        model, "features.6", 3, size=64, steps=24, preview_every=8, jitter=4)
    textures = transfer.image_set(transfer.texture_set(8), entry)

    def fine_tune():
        net, _ = transfer.make_network(model, len(textures.classes), "small")
        return transfer.train_head(net, textures, epochs=5)

    out["transfer learning, head only (5 epochs)"] = fine_tune
    from cvcore.style import gatys as style
    from cvcore.style import images as style_images

    content, stylish = images.sample_image("chelsea"), style_images.style_image("mosaic", 128)
    out["style transfer (MobileNetV2, 128 px, 30 steps)"] = lambda: style.transfer(
        content, stylish, backbone="mobilenet_v2", model=model, size=128, steps=30, preview_every=10)
    return out


def repeat(make, times: int = 20, *, stop_every: int = 2, collect: bool = False) -> list[float]:
    """Run ``make()``'s generator ``times`` times (every ``stop_every``-th stopped halfway); RSS after each run
    (``collect``: after a full garbage collection, as Streamlit's ``runner.postScriptGC`` does)."""
    sizes, length = [], None
    for i in range(times):
        run = make()
        if i % stop_every == 1 and length:
            for _ in zip(range(max(1, length // 2)), run, strict=False):
                pass
            run.close()
        else:
            length = sum(1 for _ in run)
        del run
        if collect:
            gc.collect()
        sizes.append(rss_mb())
    return sizes


def _gpu_mb() -> float | None:
    return torch.cuda.memory_allocated() / 2**20 if torch.cuda.is_available() else None


def main(times: int = 20, collect: bool = False) -> int:
    from ui import warmup

    torch.set_num_threads(int(os.environ.get("CVCORE_THREADS", "1")))
    made = jobs()
    if not collect:
        warmup.freeze()
    policy = "a full collection after every run" if collect else "frozen after loading, no collection per run"
    print(f"Resident memory over {times} runs of each long job (every other run stopped halfway; {policy})")
    print(f"{'job':44s} {'start MB':>9s} {'after 1st':>9s} {'peak later':>10s} {'growth':>7s} {'s/run':>6s}")
    worst = 0.0
    for name, make in made.items():
        before = rss_mb()
        start = time.perf_counter()
        sizes = repeat(make, times, collect=collect)
        per_run = (time.perf_counter() - start) / times
        growth = (max(sizes[1:]) - sizes[0]) / sizes[0] * 100
        worst = max(worst, growth)
        gpu = _gpu_mb()
        extra = f"  GPU {gpu:.0f} MB allocated" if gpu is not None else ""
        print(f"{name:44s} {before:9.0f} {sizes[0]:9.0f} {max(sizes[1:]):10.0f} {growth:6.1f}% {per_run:6.2f}{extra}")
    print(f"Largest growth after the first run: {worst:.1f}% (target < 10%)")
    return 0 if worst < 10 else 1


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    raise SystemExit(main(int(numbers[0]) if numbers else 20, collect="--collect" in sys.argv))
