"""Semantic segmentation with a small fully convolutional network, and instances from its class map.

The encoder halves the map four times with stride-2 convolutions (128 -> 8 pixels, 3 -> 128
channels); the decoder grows it back with four stride-2 transposed convolutions, adding the encoder's
map of the same size at each step (a U-Net-style skip), and a 1x1 convolution gives one score per
class and pixel. Classes: 0 = background, then the shapes world's classes.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cvcore import zoo
from cvcore.errors import InvalidParameter

__all__ = ["TinyFCN", "LayerShape", "u_shape", "confusion", "iou_per_class", "Instance", "instances", "load_fcn",
           "evaluate", "ASSET", "CLASS_NAMES"]

ASSET = zoo.ASSETS / zoo.networks()["tiny_fcn"].asset
CLASS_NAMES = ("background", "ellipse", "rectangle", "triangle")
_WIDTHS = (16, 32, 64, 128)


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class TinyFCN(nn.Module):
    """Encoder of stride-2 convolutions, decoder of stride-2 transposed convolutions with skips, per-pixel classes."""

    def __init__(self, classes: int = len(CLASS_NAMES)):
        super().__init__()
        cins = (3,) + _WIDTHS[:-1]
        self.down = nn.ModuleList(nn.Sequential(_block(cin, cout, 2), _block(cout, cout, 1)) for cin, cout in zip(cins, _WIDTHS, strict=True))
        outs = _WIDTHS[-2::-1] + (16,)  # 64, 32, 16, 16
        self.up = nn.ModuleList(nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1, bias=False),
                                              nn.BatchNorm2d(cout), nn.ReLU())
                                for cin, cout in zip(_WIDTHS[::-1], outs, strict=False))
        self.classify = nn.Conv2d(16, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Tensor[N, 3, H, W] (H, W multiples of 16) -> class scores Tensor[N, classes, H, W]."""
        skips = []
        for down in self.down:
            x = down(x)
            skips.append(x)
        skips = skips[-2::-1]  # the encoder maps of 16, 32 and 64 pixels, to add on the way up
        for i, up in enumerate(self.up):
            x = up(x)
            if i < len(skips):
                x = x + skips[i]
        return self.classify(x)


@dataclass(frozen=True)
class LayerShape:
    name: str
    kind: str  # "input", "encoder", "decoder", "output"
    shape: tuple[int, int, int]  # (C, H, W)


def u_shape(model: TinyFCN, size: int = 128) -> list[LayerShape]:
    """The map size after every stage, for a size x size input: down the encoder, up the decoder.

    >>> [s.shape[1] for s in u_shape(TinyFCN(), 128)]
    [128, 64, 32, 16, 8, 16, 32, 64, 128, 128]
    """
    if size % 16 or size < 16:
        raise InvalidParameter(f"size must be a multiple of 16, got {size}")
    rows = [LayerShape("input", "input", (3, size, size))]
    x = torch.zeros(1, 3, size, size, device=next(model.parameters()).device)
    with torch.inference_mode():
        skips = []
        for i, down in enumerate(model.down):
            x = down(x)
            skips.append(x)
            rows.append(LayerShape(f"down.{i} (conv, stride 2)", "encoder", tuple(x.shape[1:])))
        skips = skips[-2::-1]
        for i, up in enumerate(model.up):
            x = up(x) + (skips[i] if i < len(skips) else 0)
            rows.append(LayerShape(f"up.{i} (transposed conv, stride 2)", "decoder", tuple(x.shape[1:])))
        x = model.classify(x)
    rows.append(LayerShape("classify (1x1 conv)", "output", tuple(x.shape[1:])))
    return rows


def confusion(pred: torch.Tensor, target: torch.Tensor, classes: int) -> torch.Tensor:
    """Pixel counts Tensor[classes, classes] (row: true class, column: predicted).

    >>> confusion(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), 3).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    """
    if pred.shape != target.shape:
        raise InvalidParameter(f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}")
    index = target.flatten().long() * classes + pred.flatten().long()
    return torch.bincount(index, minlength=classes * classes).view(classes, classes)


def iou_per_class(matrix: torch.Tensor) -> torch.Tensor:
    """IoU of each class from a confusion matrix: TP / (TP + FP + FN); NaN for a class absent from both.

    >>> iou_per_class(torch.tensor([[1, 0, 0], [0, 1, 0], [0, 1, 1]])).tolist()
    [1.0, 0.5, 0.5]
    """
    m = matrix.double()
    tp = m.diag()
    union = m.sum(0) + m.sum(1) - tp
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


@dataclass(frozen=True)
class Instance:
    label: int  # class index (1 and up)
    box: tuple[int, int, int, int]  # (x1, y1, x2, y2), x2 and y2 exclusive
    pixels: int


def instances(semantic: torch.Tensor, *, min_pixels: int = 20) -> tuple[torch.Tensor, list[Instance]]:
    """Connected regions of each class (8-connectivity) as instances: (instance map Tensor[H, W], 0 = none; the instances).

    Touching objects of one class become one instance: what a semantic map cannot tell apart.

    >>> m = torch.zeros(6, 6, dtype=torch.long); m[0:2, 0:2] = 1; m[4:6, 4:6] = 1
    >>> ids, found = instances(m, min_pixels=1); len(found), int(ids.max())
    (2, 2)
    """
    from skimage.measure import label as connected  # imported lazily: scikit-image is slow to import

    if semantic.dim() != 2:
        raise InvalidParameter(f"semantic must be Tensor[H, W] of class indices, got shape {tuple(semantic.shape)}")
    classes = semantic.cpu().numpy()
    ids = np.zeros(classes.shape, dtype=np.int64)
    found = []
    for c in sorted(int(v) for v in np.unique(classes) if v > 0):
        regions = connected(classes == c, connectivity=2)
        for r in range(1, int(regions.max()) + 1):
            mask = regions == r
            if mask.sum() < min_pixels:
                continue
            rows, cols = np.nonzero(mask)
            found.append(Instance(c, (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1),
                                  int(mask.sum())))
            ids[mask] = len(found)
    return torch.from_numpy(ids), found


def load_fcn(path: str | Path | None = None) -> TinyFCN:
    """The network trained by ``scripts/train_fcn.py``, shipped in ``assets/``, in eval mode.

    Raises:
        WeightsUnavailable: the file is missing or unreadable (with how to make it).
    """
    return zoo.load_asset(path if path is not None else ASSET, lambda saved: TinyFCN(len(saved["classes"])),
                          what="the segmentation network's weights", script="scripts/train_fcn.py")


def evaluate(model: TinyFCN, seeds, *, batch: int = 50) -> torch.Tensor:
    """The pixel confusion matrix (Tensor[classes, classes]) of ``model`` on the shapes-world scenes of ``seeds``."""
    from cvcore.data import shapes

    classes = len(CLASS_NAMES)
    total = torch.zeros(classes, classes, dtype=torch.long)  # on the CPU, with the scenes' labels
    on = next(model.parameters()).device
    seeds = list(seeds)
    for start in range(0, len(seeds), batch):
        x, scenes = shapes.scenes(seeds[start:start + batch])
        with torch.inference_mode():
            pred = model(x.to(on)).argmax(1).cpu()
        total += confusion(pred, torch.stack([s.semantic for s in scenes]), classes)
    return total
