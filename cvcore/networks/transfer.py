"""Transfer learning on MobileNetV2: the course's three cases, on a copy of the pretrained network.

- "small" data set: freeze the whole backbone and train a new softmax head. The backbone's output
  never changes, so it is computed once per image and the head trains on those cached features.
- "medium": freeze the first half of the backbone's blocks and fine-tune the rest with the head.
- "large": fine-tune everything, with a smaller learning rate.
Frozen blocks also keep their batch-norm statistics (they stay in eval mode while the rest trains).
"""

import copy
import io
import json
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from cvcore import zoo
from cvcore.data import digits as datasets
from cvcore.device import resolve_device
from cvcore.errors import InvalidParameter
from cvcore.inside.features import preprocess
from cvcore.networks.training import train_classifier

__all__ = ["CASES", "Case", "TransferNet", "Plan", "make_network", "random_network", "image_set", "texture_set",
           "SCRATCH_SIZE", "downsized", "feature_batch", "head_features", "train_head", "export", "load_exported", "split_sizes",
           "StepCost", "TRAIN_BATCH", "time_forward", "time_training", "measure_cost", "step_cost",
           "expected_seconds"]


@dataclass(frozen=True)
class Case:
    name: str
    label: str
    frozen_fraction: float  # of the backbone's blocks, from the input side
    lr: float


CASES = {c.name: c for c in (
    Case("small", "Small data set: freeze the backbone, train a new head", 1.0, 1e-2),
    Case("medium", "Medium: freeze the first half, fine-tune the rest", 0.5, 1e-3),
    Case("large", "Large: fine-tune everything with a small learning rate", 0.0, 1e-4),
)}


class TransferNet(nn.Module):
    """A backbone (MobileNetV2's ``features``), global average pooling and a new linear head.

    The head is made on the backbone's device, so a copy of a network on a GPU trains there.
    """

    def __init__(self, features: nn.Sequential, classes: int, frozen: int):
        super().__init__()
        self.features = features
        at = next((p.device for p in features.parameters()), torch.device("cpu"))
        # initialised on the CPU (the same numbers on every device), then moved to the backbone's device
        head = nn.Linear(features[-1].out_channels if hasattr(features[-1], "out_channels") else 1280, classes)
        self.head = head.to(at)
        self.frozen = frozen
        for block in list(self.features)[:frozen]:
            block.requires_grad_(False)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)  # [N, 1280]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))

    def train(self, mode: bool = True) -> "TransferNet":
        super().train(mode)
        for block in list(self.features)[:self.frozen]:
            block.eval()  # frozen blocks keep their ImageNet batch-norm statistics
        return self


@dataclass(frozen=True)
class Plan:
    """Which blocks are frozen and how many parameters train, for one case."""

    case: Case
    frozen_blocks: tuple[str, ...]
    trainable_blocks: tuple[str, ...]
    trainable: int
    total: int


def _plan(net: TransferNet, case: Case) -> Plan:
    names = [f"features.{i}" for i in range(len(net.features))]
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return Plan(case, tuple(names[:net.frozen]), tuple(names[net.frozen:]) + ("head",), trainable,
                sum(p.numel() for p in net.parameters()))


def make_network(pretrained: nn.Module, classes: int, case: str, *, seed: int = 0) -> tuple[TransferNet, Plan]:
    """A copy of ``pretrained`` (a MobileNetV2, never changed) with a new head for ``classes`` classes, frozen per ``case``."""
    if case not in CASES:
        raise InvalidParameter(f"case must be one of {list(CASES)}, got {case!r}")
    if not 2 <= classes <= 20:
        raise InvalidParameter(f"classes must be between 2 and 20, got {classes}")
    features = copy.deepcopy(pretrained.features)
    frozen = round(len(features) * CASES[case].frozen_fraction)
    torch.manual_seed(seed)
    net = TransferNet(features, classes, frozen)
    return net, _plan(net, CASES[case])


def random_network(classes: int, *, seed: int = 0, device=None) -> tuple[TransferNet, Plan]:
    """The same architecture from random initialisation, everything trainable: what pretraining is compared with.

    Initialised on the CPU (the same weights on every device), then moved to ``device`` (default: ``default_device()``).
    """
    import torchvision

    torch.manual_seed(seed)
    net = TransferNet(torchvision.models.mobilenet_v2(weights=None).features, classes, 0).to(resolve_device(device))
    return net, _plan(net, CASES["large"])


def _n_val(n: int, val_fraction: float) -> int:
    return max(1, round(n * val_fraction))


def split_sizes(counts: list[int], *, val_fraction: float = 0.25) -> tuple[int, int]:
    """(training, validation) image counts that ``image_set`` makes of classes with ``counts`` images each.

    >>> split_sizes([20, 20, 20, 20, 20])
    (75, 25)
    """
    n_val = sum(_n_val(n, val_fraction) for n in counts if n)
    return sum(counts) - n_val, n_val


@dataclass(frozen=True)
class StepCost:
    """Measured seconds per image of each part of the lab's jobs, where they run and at the batch sizes they use.

    prepare_s: ``image_set``'s preprocessing of one picture (resize, crop, normalise);
    features_s: a forward pass at 224 in ``head_features``' batches: the small case's features;
    validate_s: a forward pass at 224 of the validation images in one batch (``training.evaluate``), each epoch;
    train_s / medium_s: a training step at 224 (forward, backward, Adam; batches of ``TRAIN_BATCH``) with nothing /
    the first half of the backbone frozen;
    scratch_train_s / scratch_forward_s: a training step / a forward pass at ``SCRATCH_SIZE`` of the network from
    random weights (the forward passes recompute its batch-norm statistics and validate).
    """

    prepare_s: float
    features_s: float
    validate_s: float
    train_s: float
    medium_s: float
    scratch_train_s: float
    scratch_forward_s: float


TRAIN_BATCH = 16  # images per training step when the backbone trains


def _per_image(run, images: int, on: torch.device) -> float:
    """Seconds per image of ``run()`` on ``images`` pictures: the mean of two timed calls after an untimed one
    (kernels chosen, memory allocated); on CUDA the queue is drained around them."""
    import time

    run()
    if on.type == "cuda":
        torch.cuda.synchronize(on)
    start = time.perf_counter()
    run()
    run()
    if on.type == "cuda":
        torch.cuda.synchronize(on)
    return (time.perf_counter() - start) / (2 * images)


def time_forward(net: nn.Module, *, images: int, size: int, batch: int | None = None, train_mode: bool = False) -> float:
    """Seconds per image of forward passes of ``net`` over ``images`` random pictures of ``size`` x ``size``, in
    batches of ``batch`` (default: all at once), where the network is, without gradients (``train_mode``: batch-norm
    layers average the batch, as ``precise_bn`` runs them). The network is left as it was (a copy runs)."""
    net = copy.deepcopy(net)
    on = next(net.parameters()).device
    x = torch.randn(images, 3, size, size, device=on)  # [N, 3, size, size]
    batch = batch or images

    def forward() -> None:
        net.train(train_mode)
        with torch.no_grad():
            for i in range(0, images, batch):
                net(x[i:i + batch])

    return _per_image(forward, images, on)


def time_training(net: nn.Module, *, images: int, size: int) -> float:
    """Seconds per image of one training step of ``net`` (forward, cross-entropy, backward, Adam) on ``images`` random
    pictures of ``size`` x ``size``, where the network is. Frozen blocks stay frozen; the network's weights are left
    as they were (a copy trains)."""
    net = copy.deepcopy(net)
    on = next(net.parameters()).device
    x = torch.randn(images, 3, size, size, device=on)  # [N, 3, size, size]
    y = torch.zeros(images, dtype=torch.long, device=on)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-6)

    def step() -> None:
        net.train()
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return _per_image(step, images, on)


def measure_cost(*, classes: int = 5, device=None) -> StepCost:
    """Time every part of the lab's jobs on ``device`` (default: ``default_device()``): the same architecture as the
    networks that train (random weights cost the same as ImageNet's), the same sizes and batches. About twenty
    seconds on one CPU thread, once per server."""
    import torchvision

    from cvcore.zoo import registry

    on = resolve_device(device)
    torch.manual_seed(0)
    features = torchvision.models.mobilenet_v2(weights=None).features.to(on)
    full = TransferNet(features, classes, 0)
    medium = TransferNet(copy.deepcopy(features), classes, round(len(features) * CASES["medium"].frozen_fraction))
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8))
    entry = registry()["mobilenet_v2"]
    return StepCost(
        prepare_s=_per_image(lambda: [preprocess(picture, entry) for _ in range(8)], 8, torch.device("cpu")),
        features_s=time_forward(full, images=16, size=224, batch=feature_batch(on)),
        validate_s=time_forward(full, images=25, size=224),  # the defaults' 25 validation images
        train_s=time_training(full, images=TRAIN_BATCH, size=224),
        medium_s=time_training(medium, images=TRAIN_BATCH, size=224),
        scratch_train_s=time_training(full, images=TRAIN_BATCH, size=SCRATCH_SIZE),
        scratch_forward_s=time_forward(full, images=TRAIN_BATCH, size=SCRATCH_SIZE, train_mode=True))


_cost_lock = threading.Lock()  # one timing at a time: two at once would slow each other and both be wrong


def step_cost() -> StepCost:
    """What each part of the lab's jobs costs on this machine: ``measure_cost()`` on the default device, measured once
    per process and then remembered. A server times it in the background as it starts, so its first learner does not wait."""
    with _cost_lock:
        return _measured_cost()


@cache
def _measured_cost() -> StepCost:
    return measure_cost()


def expected_seconds(cost: StepCost, case: str, n_train: int, n_val: int, epochs: int, *,
                     from_scratch: bool = False) -> float:
    """How long a training job takes, from the measured cost per image: what the job does, counted per case.

    Every pretrained case first prepares its pictures (``image_set``). The small case then runs the backbone once
    per image (the head's epochs on cached features cost next to nothing); medium and large take a training step per
    training image and a forward pass per validation image each epoch. The network from random weights trains on
    the prepared images downsized to ``SCRATCH_SIZE``; each epoch it also recomputes its batch-norm statistics, one
    more forward pass over the training images (``precise_bn``). ``case`` is ignored when ``from_scratch``.

    >>> cost = StepCost(0.001, 0.01, 0.02, 0.03, 0.02, 0.008, 0.002)
    >>> round(expected_seconds(cost, "small", 75, 25, 10), 2)
    1.1
    >>> round(expected_seconds(cost, "medium", 75, 25, 10), 2), round(expected_seconds(cost, "large", 75, 25, 10), 2)
    (20.1, 27.6)
    >>> round(expected_seconds(cost, "large", 75, 25, 10, from_scratch=True), 2)
    8.0
    """
    if case not in CASES:
        raise InvalidParameter(f"case must be one of {list(CASES)}, got {case!r}")
    if from_scratch:
        return epochs * (n_train * (cost.scratch_train_s + cost.scratch_forward_s) + n_val * cost.scratch_forward_s)
    prepare = (n_train + n_val) * cost.prepare_s
    if CASES[case].frozen_fraction == 1.0:
        return prepare + (n_train + n_val) * cost.features_s
    step = cost.medium_s if case == "medium" else cost.train_s
    return prepare + epochs * (n_train * step + n_val * cost.validate_s)


def image_set(groups: dict[str, list[Image.Image]], entry: zoo.ModelEntry, *, val_fraction: float = 0.25,
              seed: int = 0) -> datasets.Dataset:
    """Learner's classes (name -> images) as a preprocessed data set, split per class into training and validation.

    Raises:
        InvalidParameter: fewer than 2 classes, or a class with fewer than 2 images (one must go to validation).
    """
    named = {k: v for k, v in groups.items() if v}
    if len(named) < 2:
        raise InvalidParameter(f"at least 2 classes with images are needed, got {len(named)}")
    small = [k for k, v in named.items() if len(v) < 2]
    if small:
        raise InvalidParameter(f"every class needs at least 2 images (one is kept for validation), got 1 in {small}")
    generator = torch.Generator().manual_seed(seed)
    train_x, train_y, val_x, val_y = [], [], [], []
    for label, pictures in enumerate(named.values()):
        x = torch.cat([preprocess(p, entry) for p in pictures])
        order = torch.randperm(len(x), generator=generator)
        n_val = _n_val(len(x), val_fraction)
        val_x.append(x[order[:n_val]])
        train_x.append(x[order[n_val:]])
        val_y += [label] * n_val
        train_y += [label] * (len(x) - n_val)
    return datasets.Dataset(torch.cat(train_x), torch.tensor(train_y), torch.cat(val_x), torch.tensor(val_y),
                            tuple(named))


SCRATCH_SIZE = 112  # pixels a side for the network from random weights (the pretrained ones see 224)

_TEXTURES = ("brick", "grass", "gravel", "moon", "coins")


def _patch(rng: np.random.Generator, picture: np.ndarray) -> np.ndarray:
    """A random square crop of ``picture`` (float32[H, W] in [0, 1]), 128x128, turned by a random multiple of 90°."""
    h, w = picture.shape
    side = int(rng.integers(min(w, h) // 5, min(w, h) // 2))
    x, y = int(rng.integers(0, w - side)), int(rng.integers(0, h - side))
    crop = np.asarray(Image.fromarray(picture[y:y + side, x:x + side]).resize((128, 128), Image.BILINEAR))
    return np.rot90(crop, int(rng.integers(4)))


def texture_set(per_class: int = 20, *, seed: int = 0) -> dict[str, list[Image.Image]]:
    """The built-in offline set: patches of five scikit-image pictures (brick, grass, gravel, moon, coins), made hard
    enough that the cases differ and the curves move over the epochs.

    Each patch is a random crop of its class's picture (a fifth to a half of its side, turned) blended with a crop of
    another class's (its own weighs 0.5 to 1, so some patches are half the other class), its brightness and contrast
    made alike (0.4-0.6 mean, 0.12-0.22 spread: neither tells the class), tinted with a random colour (each channel
    x 0.7-1.3) and with pixel noise (sigma 0.05). Reproducible from ``seed``.

    >>> s = texture_set(3); list(s), len(s["brick"]), s["brick"][0].size
    (['brick', 'grass', 'gravel', 'moon', 'coins'], 3, (128, 128))
    """
    from skimage import data  # imported lazily: scikit-image is slow to import

    rng = np.random.default_rng(seed)
    pictures = [np.asarray(Image.fromarray(getattr(data, name)()).convert("L"), dtype=np.float32) / 255
                for name in _TEXTURES]
    out = {}
    for i, name in enumerate(_TEXTURES):
        patches = []
        for _ in range(per_class):
            other = (i + int(rng.integers(1, len(_TEXTURES)))) % len(_TEXTURES)
            own = rng.uniform(0.5, 1.0)
            gray = own * _patch(rng, pictures[i]) + (1 - own) * _patch(rng, pictures[other])  # [128, 128]
            gray = (gray - gray.mean()) / (gray.std() + 1e-6) * rng.uniform(0.12, 0.22) + rng.uniform(0.4, 0.6)
            rgb = gray[..., None] * rng.uniform(0.7, 1.3, 3) + rng.normal(0, 0.05, (128, 128, 3))  # [128, 128, 3]
            patches.append(Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)))
        out[name] = patches
    return out


def downsized(data: datasets.Dataset, size: int = SCRATCH_SIZE) -> datasets.Dataset:
    """The same images at ``size`` x ``size`` (area-averaged), for the network from random weights: its every layer
    trains, and at a quarter of the pixels (112 of 224) its epochs take about a quarter of the time.

    >>> d = datasets.Dataset(torch.ones(2, 3, 224, 224), torch.tensor([0, 1]), torch.ones(1, 3, 224, 224),
    ...                      torch.tensor([1]), ("a", "b"))
    >>> downsized(d).train_x.shape, downsized(d).val_y.tolist()
    (torch.Size([2, 3, 112, 112]), [1])
    """
    if not 32 <= size <= 224:
        raise InvalidParameter(f"size must be between 32 and 224, got {size}")

    def shrink(x: torch.Tensor) -> torch.Tensor:  # [N, 3, 224, 224] -> [N, 3, size, size]
        return F.interpolate(x, size=(size, size), mode="area")

    return datasets.Dataset(shrink(data.train_x), data.train_y, shrink(data.val_x), data.val_y, data.classes)


def feature_batch(device) -> int:
    """Images per forward pass when the frozen backbone computes features: 4 on a CPU, where a larger batch costs
    more per image (measured on two cores: about 0.03 s an image in fours, 0.09 s in 32s, MobileNetV2 at 224), and
    32 on an accelerator, where a larger batch costs less."""
    return 4 if torch.device(device).type == "cpu" else 32


def head_features(net: TransferNet, x: torch.Tensor, *, batch: int | None = None) -> torch.Tensor:
    """The frozen backbone's pooled output for every image, computed once: Tensor[N, 1280] on the network's device
    (``x`` may be elsewhere: it goes there ``batch`` images at a time, by default ``feature_batch`` of the device)."""
    on = next(net.parameters()).device
    batch = batch or feature_batch(on)
    net.eval()
    with torch.inference_mode():
        return torch.cat([net.embed(x[i:i + batch].to(on)) for i in range(0, len(x), batch)])


def train_head(net: TransferNet, data: datasets.Dataset, *, epochs: int = 30, lr: float = 1e-2, seed: int = 0):
    """Train only the head on cached backbone features ("small" case); yields ``training.EpochRecord``s."""
    if net.frozen != len(net.features):
        raise InvalidParameter("train_head needs the whole backbone frozen (the 'small' case)")
    cached = datasets.Dataset(head_features(net, data.train_x), data.train_y, head_features(net, data.val_x),
                              data.val_y, data.classes)
    yield from train_classifier(net.head, cached, epochs=epochs, lr=lr, batch_size=32, seed=seed, reports_per_epoch=1)


def export(net: TransferNet, classes, entry: zoo.ModelEntry) -> tuple[bytes, str]:
    """(state_dict file, JSON of class names and preprocessing), to reload with ``load_exported``."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in net.state_dict().items()}, buffer)
    meta = {"architecture": "mobilenet_v2 features + linear head", "classes": list(classes), "resize": entry.resize,
            "crop": entry.crop, "mean": list(entry.mean), "std": list(entry.std), "cam_layer": "features.18"}
    return buffer.getvalue(), json.dumps(meta, indent=2)


def load_exported(weights: bytes, meta_json: str) -> tuple[zoo.ModelEntry, TransferNet]:
    """Rebuild an exported network and its registry-like entry (for the Inside-a-CNN lab).

    Raises:
        InvalidParameter: the files do not describe a network exported here.
    """
    import torchvision

    try:
        meta = json.loads(meta_json)
        classes = [str(c) for c in meta["classes"]]
        net = TransferNet(torchvision.models.mobilenet_v2(weights=None).features, len(classes), 0)
        net.load_state_dict(torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True))
    except Exception as exc:  # any malformed file is reported the same way
        raise InvalidParameter(f"these files are not a network exported by the Transfer-learning lab: {exc}") from exc
    entry = zoo.custom_entry("exported", "Your transfer-learned MobileNetV2", classes, size=int(meta["crop"]), channels=3,
                             cam_layer=str(meta.get("cam_layer", "features.18")), mean=meta["mean"], std=meta["std"])
    return entry, net.eval()
