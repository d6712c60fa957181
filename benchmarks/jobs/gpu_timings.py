"""What a GPU buys the long jobs (the second half of ``make gpu-check``; the first is ``pytest tests/device --device cuda``).

    python benchmarks/jobs/gpu_timings.py                      # CUDA; exits 2 where there is no CUDA
    python benchmarks/jobs/gpu_timings.py --device cuda:1 --style-size 256 --style-steps 100

With ``torch.cuda.synchronize`` around each run and PyTorch's default precision (TF32 for CUDA convolutions, as the app
runs):

1. activation maximization (Inside lab) on the device against the same on the reference device (the CPU);
2. full fine-tuning in transfer learning against the same on the reference device;
3. neural style transfer at 512 px for 300 L-BFGS steps against a textbook Gatys loop (written below) on the same
   device, for MobileNetV2 and VGG-19 (its weights if they are here, else random ones).

Each is printed as a ratio (device time / reference time); the two are timed alternately (``benchmarks.timing``), so
that a drift of the machine hits both alike. Offline: weights as ``cvcore.zoo`` finds them (``$CVCORE_WEIGHTS_DIR``,
default ``../shared/weights``), never downloaded. Bounded (``--budget``): the shortest first, and no timing starts
after the budget is spent.
"""

import argparse
import collections
import copy
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.models.feature_extraction import create_feature_extractor

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.timing import paired_ms
from cvcore import images, zoo
from cvcore.device import resolve_device
from cvcore.errors import CvcoreError, WeightsUnavailable
from cvcore.inside import maximize
from cvcore.networks import training, transfer
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets

SHARED_WEIGHTS = ROOT.parent / "shared" / "weights"


@dataclass(frozen=True)
class Timing:
    """``seconds`` of the work on the device against ``reference_seconds`` of ``reference`` (the same work on the
    reference device, or another implementation on the device: ``across`` says which)."""

    what: str
    seconds: float | None
    reference: str
    reference_seconds: float | None
    note: str = ""
    across: bool = True


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def synced(fn: Callable[[], object], *devices: torch.device) -> Callable[[], None]:
    """``fn`` with every device in ``devices`` synchronized before and after, so that its wall time is its work."""
    def run() -> None:
        for dev in devices:
            sync(dev)
        fn()
        for dev in devices:
            sync(dev)
    return run


def paired_s(fn, reference, devices, repeat: int = 1) -> tuple[float, float]:
    """Seconds of ``fn`` and ``reference``, timed alternately after one untimed pair (the warm-up)."""
    ours, theirs = paired_ms(synced(fn, *devices), synced(reference, *devices), repeat, warmup=1)
    return ours / 1000, theirs / 1000


def gatys_textbook(model: torch.nn.Module, spec: style_nets.Backbone) -> Callable[..., torch.Tensor]:
    """Neural style transfer as the paper and the course write it, with nothing of cvcore's run around it.

    Returns ``run(content, stylish, steps)``: content and style Tensor[3, H, W] in [0, 1] on the model's device ->
    the generated image G, Tensor[1, 3, H, W]. A frozen copy of the network gives the activations of the content
    layer and the style layers (the traced graph ends at the deepest of them); J(G) = alpha J_content + beta J_style
    + tv J_tv with the lab's defaults (alpha 1, beta 1e4, tv 10, J_content / (4 n_H n_W n_C), each layer's style
    cost / (2 n_H n_W n_C)^2 with equal weights); L-BFGS (one evaluation per step, history 50) updates the pixels of
    G, clamped to [0, 1] after each step. The copy and the trace are made once, outside ``run``, as the lab caches
    its extractor; the targets are computed in every ``run``, as the lab does.
    """
    alpha, beta, tv = 1.0, 1e4, 10.0
    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    net = create_feature_extractor(frozen, {name: name for name in dict.fromkeys((spec.content_layer, *spec.style_layers))})

    def gram(a):  # [1, C, H, W] -> [1, C, C]
        flat = a.flatten(2)
        return flat @ flat.transpose(1, 2)

    def run(content: torch.Tensor, stylish: torch.Tensor, steps: int) -> torch.Tensor:
        mean = torch.tensor(spec.mean, device=content.device).view(1, 3, 1, 1)
        std = torch.tensor(spec.std, device=content.device).view(1, 3, 1, 1)
        with torch.no_grad():
            a_content = net((content[None] - mean) / std)[spec.content_layer]
            targets = {name: gram(a) for name, a in net((stylish[None] - mean) / std).items() if name in spec.style_layers}
        generated = content[None].clone().requires_grad_(True)
        optimizer = torch.optim.LBFGS([generated], lr=1.0, max_iter=1, history_size=50)

        def closure():
            optimizer.zero_grad()
            out = net((generated - mean) / std)
            a_g = out[spec.content_layer]
            j_content = (a_content - a_g).pow(2).sum() / (4 * a_g[0].numel())
            j_style = sum((targets[name] - gram(out[name])).pow(2).sum() / (2 * out[name][0].numel()) ** 2
                          for name in spec.style_layers) / len(spec.style_layers)
            j_tv = ((generated[..., 1:, :] - generated[..., :-1, :]).pow(2).mean()
                    + (generated[..., :, 1:] - generated[..., :, :-1]).pow(2).mean())
            loss = alpha * j_content + beta * j_style + tv * j_tv
            loss.backward()
            return loss

        for _ in range(steps):
            optimizer.step(closure)
            with torch.no_grad():
                generated.clamp_(0, 1)
        return generated.detach()

    return run


def _mobilenet(dev: torch.device) -> torch.nn.Module:
    return zoo.load("mobilenet_v2", device="cpu").to(dev).eval()


def _style_backbones(dev: torch.device) -> list[tuple[str, torch.nn.Module, str]]:
    """(name, model on the device, label): MobileNetV2 (offline weights) and VGG-19 (its weights if here, else random)."""
    out = [("mobilenet_v2", _mobilenet(dev), "MobileNetV2")]
    try:
        vgg, label = zoo.load("vgg19", device=dev, offline=True), "VGG-19"
    except WeightsUnavailable:
        import torchvision

        torch.manual_seed(0)
        vgg, label = torchvision.models.vgg19(weights=None).eval().to(dev), "VGG-19 (random weights)"
    out.append(("vgg19", vgg, label))
    return out


def time_style(dev: torch.device, size: int, steps: int, deadline: float, repeats: int = 2) -> list[Timing]:
    rows = []
    content, stylish = images.sample_image("chelsea"), style_images.style_image("mosaic", max(256, size))
    c, s, _ = style.prepare_pair(content, stylish, size)
    c, s = c.to(dev), s.to(dev)
    for name, model, label in _style_backbones(dev):
        what = f"style transfer, {label}, {size} px, {steps} L-BFGS steps (cvcore.style)"
        if time.perf_counter() > deadline:
            rows.append(Timing(f"{what}: not run, the time budget was spent", None, "", None))
            continue
        textbook = gatys_textbook(model, style_nets.backbone(name))
        done = []

        def lab(n=steps, name=name, model=model, done=done):
            records = style.transfer(content, stylish, backbone=name, model=model, device=dev, size=size, steps=n,
                                     optimizer="lbfgs", preview_every=max(n, 1))
            done.append(collections.deque(records, maxlen=1)[0].step)  # the last record: how far the run got

        lab(3)  # warm-up: cuDNN and cuBLAS handles, the lab's extractor
        textbook(c, s, 3)
        done.clear()
        lab_s, ref_s = paired_s(lab, lambda textbook=textbook: textbook(c, s, steps), [dev], repeat=repeats)
        short = min(done)
        note = (f"the lab's run ended after {short} of {steps} steps (diverged): the ratio compares unequal work"
                if short < steps else "")
        rows.append(Timing(what, lab_s, f"textbook Gatys loop on {dev}", ref_s, note, across=False))
    return rows


def time_fine_tuning(dev: torch.device, reference: torch.device, epochs: int) -> Timing:
    data = transfer.image_set(transfer.texture_set(20), zoo.registry()["mobilenet_v2"])  # on the CPU, as in the lab
    runs = []
    for on in (dev, reference):
        net, _ = transfer.make_network(_mobilenet(on), 5, "large")

        def train(net=net):  # train_classifier moves each batch to the network's device, as in the lab
            for _ in training.train_classifier(net, data, epochs=epochs, lr=transfer.CASES["large"].lr, batch_size=16,
                                               reports_per_epoch=1):
                pass

        runs.append(train)
    seconds = paired_s(runs[0], runs[1], [dev, reference])
    per_s = [epochs * len(data.train_y) / t for t in seconds]
    return Timing(f"full fine-tuning (case 'large'), MobileNetV2, {epochs} epochs of {len(data.train_y)} images + "
                  f"validation (cvcore.networks): {per_s[0]:,.0f} against {per_s[1]:,.0f} training images/s", seconds[0],
                  f"the same on {reference}", seconds[1])


def time_maximize(dev: torch.device, reference: torch.device, size: int, steps: int) -> Timing:
    runs = []
    for on in (dev, reference):
        model = _mobilenet(on)

        def run(model=model, on=on):
            for _ in maximize.maximize_channel(model, "features.6", 5, size=size, steps=steps, device=on):
                pass

        runs.append(run)
    seconds = paired_s(runs[0], runs[1], [dev, reference])
    return Timing(f"activation maximization, features.6 channel 5, {size} px, {steps} steps (cvcore.inside)",
                  seconds[0], f"the same on {reference}", seconds[1])


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def print_timing(t: Timing, device: torch.device) -> None:
    ratio = t.seconds / t.reference_seconds if t.seconds and t.reference_seconds else None
    if ratio is None:
        shown = "-"
    elif t.across:
        shown = f"{ratio:.3f}x ({device} time / reference time: {1 / ratio:.1f} times as fast)"
    else:
        shown = f"{ratio:.3f}x (cvcore time / textbook time)"
    print(f"{t.what}\n    {device}: {_fmt_s(t.seconds)} s; {t.reference or 'reference'}: "
          f"{_fmt_s(t.reference_seconds)} s; ratio {shown}")
    if t.note:
        print(f"    {t.note}")
    sys.stdout.flush()


def describe(dev: torch.device) -> str:
    if dev.type == "cuda":
        return f"{torch.cuda.get_device_name(dev)} ({dev}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()})"
    return str(dev)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="the device to time (default cuda)")
    parser.add_argument("--reference", default="cpu", help="the device it is compared with (default cpu)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads (default: all cores)")
    parser.add_argument("--style-size", type=int, default=512)
    parser.add_argument("--style-steps", type=int, default=300)
    parser.add_argument("--budget", type=float, default=420, help="seconds after which no new timing starts")
    return parser.parse_args(argv)


def _available(name: str) -> tuple[torch.device | None, str]:
    try:
        return resolve_device(name), ""
    except CvcoreError as exc:
        built = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
        return None, f"{exc} (torch {torch.__version__}, built for {built})"


def main(argv=None) -> int:
    args = parse_args(argv)
    device, why = _available(args.device)
    reference, why_ref = _available(args.reference)
    if device is None or reference is None:
        print(f"gpu timings: {why or why_ref}.\nNothing was measured. Run it on a machine with an NVIDIA GPU, or time "
              "another device with --device.")
        return 2
    os.environ.setdefault("CVCORE_OFFLINE", "1")  # never download: it must run without internet
    if SHARED_WEIGHTS.is_dir():
        os.environ.setdefault("CVCORE_WEIGHTS_DIR", str(SHARED_WEIGHTS))
    torch.set_num_threads(max(1, args.threads))
    started = time.perf_counter()
    deadline = started + args.budget
    print(f"gpu timings: {describe(device)} against {describe(reference)}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")
    print(f"PyTorch's default precision ({'TF32' if device.type == 'cuda' else 'float32'} convolutions on "
          f"{device.type}), synchronized before and after; ratio = {device.type} time / reference time:")
    jobs = [("activation maximization", lambda: [time_maximize(device, reference, 128, 128)]),
            ("full fine-tuning", lambda: [time_fine_tuning(device, reference, 3)]),
            ("style transfer", lambda: time_style(device, args.style_size, args.style_steps, deadline))]
    failed = False
    for what, job in jobs:
        if time.perf_counter() > deadline:
            new = [Timing(f"{what}: not run, the {args.budget:.0f} s budget was spent", None, "", None)]
            failed = True
        else:
            try:
                new = job()
            except Exception as exc:  # a timing that cannot run is reported, not hidden, and fails the run
                text = str(exc).strip().splitlines()
                new = [Timing(f"{what}: could not run", None, "", None,
                              f"{type(exc).__name__}: {text[0][:160] if text else ''}")]
                failed = True
        for t in new:
            print_timing(t, device)
            failed = failed or t.seconds is None
    peak = (f"; peak {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB allocated on {device}"
            if device.type == "cuda" else "")
    print(f"\ndone in {time.perf_counter() - started:.0f} s{peak}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
