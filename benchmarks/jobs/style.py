"""Speed figures for the Neural-style-transfer lab (CPU, 1 thread as the app runs):

1. Seconds per optimisation step at 256 and 384 px for each backbone and optimiser, the lab's generator
   (``cvcore.style.gatys.transfer``) against a plain textbook Gatys loop written here with the same backbone and layers
   (forward, costs, backward, step, clamp) on a frozen copy of the network. The two are stepped alternately so a
   busy machine slows both alike; the fastest step of each is reported. Target: ratio <= 1.05. VGG-19 runs with random weights (its ImageNet weights are
   not needed for timing).
2. Time to a finished 256 px result with the "fast preview" preset (MobileNetV2, model already loaded as in the
   app), and that process's peak memory (RSS), in a fresh process.                         Target: < 20 s.

    python -m benchmarks.jobs.style      (also section 9 of benchmarks/run.py)
"""

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
import torchvision
from torchvision.models.feature_extraction import create_feature_extractor

from cvcore import zoo
from cvcore.images import sample_image
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets

ROOT = Path(__file__).resolve().parents[2]
_STEPS = {256: 6, 384: 4}


def _reference(model, spec, c, s, *, optimizer: str, alpha=30.0, beta=1e4, tv=10.0):
    """The textbook loop, one step per ``next()``: J = alpha J_content + beta J_style + tv J_tv, then the update."""
    frozen = copy.deepcopy(model).requires_grad_(False)
    layers = (spec.content_layer, *spec.style_layers)
    net = create_feature_extractor(frozen, {n: n for n in layers})  # the layers after the deepest one are pruned
    mean, std = torch.tensor(spec.mean).view(1, 3, 1, 1), torch.tensor(spec.std).view(1, 3, 1, 1)

    def gram(a):
        f = a.flatten(2)
        return f @ f.transpose(1, 2)

    with torch.no_grad():
        a_c = net((c[None] - mean) / std)[spec.content_layer]
        grams = {n: gram(a) for n, a in net((s[None] - mean) / std).items() if n in spec.style_layers}
    g = c[None].clone().requires_grad_(True)
    opt = (torch.optim.LBFGS([g], lr=1.0, max_iter=1, history_size=50) if optimizer == "lbfgs"
           else torch.optim.Adam([g], lr=0.02))

    def closure():
        opt.zero_grad()
        out = net((g - mean) / std)
        a_g = out[spec.content_layer]
        j_content = ((a_c - a_g) ** 2).sum() / (4 * a_g[0].numel())
        j_style = sum(((grams[n] - gram(out[n])) ** 2).sum() / (2 * out[n][0].numel()) ** 2
                      for n in spec.style_layers) / len(spec.style_layers)
        j_tv = (g[..., 1:, :] - g[..., :-1, :]).pow(2).mean() + (g[..., 1:] - g[..., :-1]).pow(2).mean()
        loss = alpha * j_content + beta * j_style + tv * j_tv
        loss.backward()
        return loss

    while True:
        if optimizer == "lbfgs":
            opt.step(closure)
        else:
            closure()
            opt.step()
        with torch.no_grad():
            g.clamp_(0, 1)
        yield


def _timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def step_rows() -> list[tuple[str, float, float]]:
    """(what, lab s/step, reference s/step) for each backbone, optimiser and size."""
    content, stylish = sample_image("chelsea"), style_images.style_image("mosaic", 384)
    torch.manual_seed(0)
    models = {"mobilenet_v2": zoo.load("mobilenet_v2", device="cpu"),
              "vgg19": torchvision.models.vgg19(weights=None).eval()}
    rows = []
    for name, model in models.items():
        spec = style_nets.backbone(name)
        for size, steps in _STEPS.items():
            c, s, _ = style.prepare_pair(content, stylish, size)
            for optimizer in style.OPTIMIZERS:
                lab = style.transfer(content, stylish, backbone=name, model=model, device="cpu", size=size,
                                     steps=steps + 2, optimizer=optimizer, preview_every=10)
                ref = _reference(model, spec, c, s, optimizer=optimizer)
                next(lab)  # step 0: targets and the initial costs
                next(lab), next(ref)  # one warm-up step each
                lab_s, ref_s = [], []
                for _ in range(steps):
                    lab_s.append(_timed(lambda lab=lab: next(lab)))
                    ref_s.append(_timed(lambda ref=ref: next(ref)))
                lab.close()
                tag = " (random weights)" if name == "vgg19" else ""
                # The fastest step of each: on a shared machine other jobs only ever add time.
                rows.append((f"{name}{tag} {size} px {optimizer}", min(lab_s), min(ref_s)))
    return rows


_PREVIEW = """
import json, sys, time
sys.path.insert(0, {root!r})
import torch
torch.set_num_threads(1)
from cvcore import zoo
from cvcore.style import gatys as style, images as style_images
from cvcore.images import sample_image


def peak_mb():  # VmHWM: this process's own peak (ru_maxrss would include the parent's, inherited across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


t0 = time.perf_counter()
model = zoo.load("mobilenet_v2", device="cpu")
load_s = time.perf_counter() - t0
preset = style.PRESETS["fast"][1]
start = time.perf_counter()
records = list(style.transfer(sample_image("chelsea"), style_images.style_image("mosaic", 384), model=model,
                              device="cpu", settings=preset))
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "load_s": load_s, "steps": records[-1].step,
                  "drop": records[0].style_cost / records[-1].style_cost,
                  "rss_mb": peak_mb()}}))
"""


def fast_preview() -> dict:
    env = dict(os.environ, CVCORE_OFFLINE="1", CVCORE_DEVICE="cpu")
    out = subprocess.run([sys.executable, "-c", _PREVIEW.format(root=str(ROOT))], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows() -> list[str]:
    torch.set_num_threads(1)
    out = [f"{'fastest step (forward+backward+update)':40} {'lab s':>8} {'textbook s':>11} {'ratio':>7}"]
    worst = 0.0
    for what, lab_s, ref_s in step_rows():
        worst = max(worst, lab_s / ref_s)
        out.append(f"{what:40} {lab_s:8.3f} {ref_s:11.3f} {lab_s / ref_s:6.2f}x")
    out.append(f"worst ratio {worst:.2f}x (target <= 1.05: {'met' if worst <= 1.05 else 'MISSED'})")
    preview = fast_preview()
    out.append(f"fast preview, 256 px, {preview['steps']} L-BFGS steps, multi-scale, MobileNetV2: {preview['seconds']:.1f} s "
               f"(target < 20 s: {'met' if preview['seconds'] < 20 else 'MISSED'}; style cost {preview['drop']:.0f}x "
               f"lower; weights loaded in {preview['load_s']:.1f} s beforehand); peak RSS {preview['rss_mb']:.0f} MB")
    out.append("GPU (512 px, 300 L-BFGS steps): not measured, no GPU on this machine")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print("\n".join(rows()))
