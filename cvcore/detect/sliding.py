"""Sliding-window detection with a real classifier, window by window and convolutionally (OverFeat).

Window by window: crop every window of the photo, resize it to the classifier's input and run the
network once per window. Convolutionally (Sermanet et al., OverFeat, 2014): scale the photo so a
window becomes the classifier's input size, run the convolutional part once over the whole photo,
and apply the classifier's head at every position of the last feature map (for MobileNetV2, global
average pooling becomes a 7x7 average pool with stride 1 and the linear layer a 1x1 convolution).
One pass then scores every window whose stride is the network's total stride (32 pixels at that scale).
The two agree except near window borders, where the network's zero padding sees different pixels.

Window by window still runs the network on several windows per call: a batch gives each window the
same numbers as running it alone, only sooner. On the CPU small batches are fastest (measured on
MobileNetV2 with one thread, 72 windows of 224 px: about 1.2 s in batches of 1 to 4, 1.9 s in batches
of 8, 4.5 s in one batch of 72), because a few windows' activations stay in the processor's caches.
"""

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from cvcore.errors import InvalidParameter
from cvcore.images import to_tensor
from cvcore.inside import features
from cvcore.teach import words
from cvcore.zoo import ModelEntry

__all__ = ["WindowScores", "WindowProbabilities", "window_boxes", "window_probabilities", "windows_one_by_one",
           "windows_convolutional", "NETWORK_STRIDE"]

NETWORK_STRIDE = 32  # MobileNetV2, ResNet, VGG: five stride-2 stages
_CPU_BATCH = 4  # windows per forward call on the CPU (see the module's docstring)
_GPU_BATCH = 64  # elsewhere; MobileNetV2's largest activation for 64 windows of 224 px is 0.3 GB


@dataclass(frozen=True)
class WindowScores:
    """Windows (Tensor[N, 4] in photo pixels), the class probability in each (Tensor[N]), the score map
    (Tensor[rows, cols]) they make, how many forward passes it took, and the seconds."""

    boxes: torch.Tensor
    scores: torch.Tensor
    grid: torch.Tensor
    passes: int
    seconds: float


def window_boxes(width: int, height: int, window: int, stride: float) -> tuple[torch.Tensor, int, int]:
    """Every window x window square at steps of ``stride`` that fits in the photo, row by row:
    (boxes Tensor[rows * cols, 4], rows, cols).

    >>> b, rows, cols = window_boxes(100, 60, 40, 20); rows, cols, b[1].tolist()
    (2, 4, [20.0, 0.0, 60.0, 40.0])
    """
    if not 8 <= window <= min(width, height):
        raise InvalidParameter(f"window must be in [8, {min(width, height)}] pixels for {words.article(width)} {width}x{height} photo, got {window}")
    if not stride > 0:
        raise InvalidParameter(f"stride must be > 0, got {stride}")
    cols = int(math.floor((width - window) / stride + 1e-6)) + 1
    rows = int(math.floor((height - window) / stride + 1e-6)) + 1
    y, x = torch.meshgrid(torch.arange(rows) * stride, torch.arange(cols) * stride, indexing="ij")
    b = torch.stack([x, y, x + window, y + window], dim=-1).reshape(-1, 4).float()
    return b, rows, cols


@dataclass(frozen=True)
class WindowProbabilities:
    """Windows (Tensor[N, 4] in photo pixels, row by row), every class's probability in each (Tensor[N, K]),
    the grid they make (``rows`` x ``cols``), and the seconds the network took. ``passes``: one per window."""

    boxes: torch.Tensor
    probabilities: torch.Tensor
    rows: int
    cols: int
    seconds: float

    @property
    def passes(self) -> int:
        return len(self.boxes)

    def for_class(self, target: int) -> WindowScores:
        """The scores of one class: what ``windows_one_by_one`` returns."""
        classes = self.probabilities.shape[1]
        if not 0 <= target < classes:
            raise InvalidParameter(f"target must be a class index in [0, {classes - 1}], got {target}")
        scores = self.probabilities[:, target].contiguous()
        return WindowScores(self.boxes, scores, scores.view(self.rows, self.cols), self.passes, self.seconds)


def _check_target(entry: ModelEntry, target: int) -> None:
    if not 0 <= target < len(entry.categories):
        raise InvalidParameter(f"target must be a class index in [0, {len(entry.categories) - 1}], got {target}")


def _check(image: Image.Image, entry: ModelEntry, target: int) -> torch.Tensor:
    _check_target(entry, target)
    return to_tensor(image.convert("RGB"))  # [3, H, W] in [0, 1]


def _batch_size(device: torch.device) -> int:
    return _CPU_BATCH if device.type == "cpu" else _GPU_BATCH


def window_probabilities(model: torch.nn.Module, entry: ModelEntry, image: Image.Image, *, window: int, stride: float,
                         batch: int | None = None, max_windows: int = 2_000) -> WindowProbabilities:
    """Classify every window separately: crop it, resize it to the classifier's input, and keep the softmax over
    every class. ``batch`` windows go through the network per call (by default 4 on the CPU, 64 on a GPU); each
    window's numbers are the ones it gets alone.

    Only the crops of one batch are held at a time: [batch, 3, crop, crop].
    """
    if batch is not None and batch < 1:
        raise InvalidParameter(f"batch must be >= 1, got {batch}")
    pixels = to_tensor(image.convert("RGB"))  # [3, H, W] in [0, 1]
    boxes, rows, cols = window_boxes(image.width, image.height, window, stride)
    if len(boxes) > max_windows:
        raise InvalidParameter(f"this makes {len(boxes):,} windows; at most {max_windows:,} are run one by one "
                               "(use a larger stride or window)")
    device = next(model.parameters()).device
    mean = torch.tensor(entry.mean).view(3, 1, 1)
    std = torch.tensor(entry.std).view(3, 1, 1)
    start = time.perf_counter()
    probabilities = []
    with torch.inference_mode():
        for chunk in boxes.split(batch or _batch_size(device)):
            crops = torch.stack([
                F.interpolate(pixels[None, :, int(y1):int(y2), int(x1):int(x2)], size=(entry.crop, entry.crop),
                              mode="bilinear", align_corners=False, antialias=True)[0]
                for x1, y1, x2, y2 in chunk.tolist()])  # [b, 3, crop, crop]
            probabilities.append(model(((crops - mean) / std).to(device)).softmax(-1).float().cpu())  # [b, K]
    return WindowProbabilities(boxes, torch.cat(probabilities), rows, cols, time.perf_counter() - start)


def windows_one_by_one(model: torch.nn.Module, entry: ModelEntry, image: Image.Image, target: int, *, window: int,
                       stride: float, batch: int | None = None, max_windows: int = 2_000) -> WindowScores:
    """Classify every window separately (one forward pass each, ``batch`` windows per call; see
    ``window_probabilities``) and keep the probability of class ``target``."""
    _check_target(entry, target)
    return window_probabilities(model, entry, image, window=window, stride=stride, batch=batch,
                                max_windows=max_windows).for_class(target)


def windows_convolutional(model: torch.nn.Module, entry: ModelEntry, image: Image.Image, target: int, *,
                          window: int, layer: str = "features.18") -> WindowScores:
    """Score every window in one pass: windows of ``window`` pixels at a stride of ``window * 32 / crop`` pixels.

    ``layer`` is the last feature map, which feeds global average pooling and one linear layer.
    """
    pixels = _check(image, entry, target)
    if not 8 <= window <= min(image.size):
        raise InvalidParameter(f"window must be in [8, {min(image.size)}] pixels, got {window}")
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if len(linears) != 1:
        raise InvalidParameter("the convolutional version needs a network ending in global average pooling and "
                               f"one linear layer, got {len(linears)} linear layers")
    scale = entry.crop / window
    size = (max(entry.crop, round(image.height * scale)), max(entry.crop, round(image.width * scale)))
    device = next(model.parameters()).device
    mean = torch.tensor(entry.mean).view(1, 3, 1, 1)
    std = torch.tensor(entry.std).view(1, 3, 1, 1)
    start = time.perf_counter()
    x = F.interpolate(pixels[None], size=size, mode="bilinear", align_corners=False, antialias=True)
    maps = features.extract(model, ((x - mean) / std).to(device), [layer])[layer]  # [1, C, h, w]
    side = entry.crop // NETWORK_STRIDE  # 7: the map one window makes
    with torch.inference_mode():
        pooled = F.avg_pool2d(maps, side, stride=1)  # [1, C, rows, cols]: global pooling, window by window
        head = linears[0]
        logits = F.conv2d(pooled, head.weight[:, :, None, None], head.bias)  # the linear layer as a 1x1 convolution
        grid = logits.softmax(1)[0, target].float().cpu()  # [rows, cols]
    seconds = time.perf_counter() - start
    step = NETWORK_STRIDE / scale
    rows = min(grid.shape[0], int(math.floor((image.height - window) / step + 1e-6)) + 1)  # windows inside the photo
    cols = min(grid.shape[1], int(math.floor((image.width - window) / step + 1e-6)) + 1)
    grid = grid[:rows, :cols].contiguous()
    y, xx = torch.meshgrid(torch.arange(rows) * step, torch.arange(cols) * step, indexing="ij")
    boxes = torch.stack([xx, y, xx + window, y + window], dim=-1).reshape(-1, 4).float()
    return WindowScores(boxes, grid.flatten(), grid, 1, seconds)
