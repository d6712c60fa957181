"""What the shared Ray pool costs a short job: the same job through a local Ray head against in the process.

A Ray head on 127.0.0.1 with one ``cvcore_job`` (started and killed here); this process connects as a web replica
does. Each job is timed from its submission until its last record has arrived, in-process runs and pool runs
alternating, after one warm-up run of each (the pool's first run also starts a worker process; that cold start is
printed on its own). One thread each, as the app runs (``CVCORE_THREADS`` and Ray's one CPU per task).

    .venv/bin/python -m benchmarks.jobs.cluster [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("CVCORE_OFFLINE", "1")
os.environ.setdefault("CVCORE_DEVICE", "cpu")

import torch

from cvcore import cluster, heavy, images
from cvcore.conv import kernels
from cvcore.conv.learn import learn_kernel
from cvcore.style import gatys
from cvcore.style import images as style_images
from harness.ray_head import local_head


def _jobs() -> list[tuple[str, cluster.Job]]:
    crop = images.gray_crop(images.sample_image("chelsea"), 96)
    content, stylish = images.sample_image("chelsea"), style_images.style_image("mosaic", 128)
    style_settings = gatys.StyleSettings(backbone="mobilenet_v2", size=128, steps=10, optimizer="adam",
                                         preview_every=5)
    return [
        ("Learning a filter, 300 steps (96x96)",
         cluster.Job.of(learn_kernel, image=crop, target=kernels.make_kernel("sobel_x"), steps=300)),
        ("Style transfer, 10 steps (128 px)",
         cluster.Job.of(heavy.style_transfer, content=content, style=stylish, settings=style_settings, gpu=True)),
    ]


def _in_process(job: cluster.Job) -> float:
    started = time.perf_counter()
    for _ in job.records():
        pass
    return time.perf_counter() - started


def _on_pool(job: cluster.Job, where: str) -> float:
    started = time.perf_counter()
    with cluster.submit(job, where=where) as run:
        for _ in run.records(poll=0.01):
            pass
    return time.perf_counter() - started


def rows(repeat: int = 5) -> list[str]:
    torch.set_num_threads(1)
    lines = [f"{'job':40} {'pool ms':>9} {'in-process ms':>14} {'ratio':>7}  (first pool run, cold worker)"]
    with local_head() as where:
        for name, job in _jobs():
            cold = _on_pool(job, where)
            _in_process(job)  # warm-up: the backbone loaded once here too
            local, pool = [], []
            for _ in range(repeat):
                local.append(_in_process(job))
                pool.append(_on_pool(job, where))
            here, there = statistics.median(local) * 1e3, statistics.median(pool) * 1e3
            lines.append(f"{name:40} {there:9.0f} {here:14.0f} {there / here:6.2f}x  ({cold * 1e3:,.0f} ms)")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print("\n".join(rows(args.repeat)))


if __name__ == "__main__":
    main()
