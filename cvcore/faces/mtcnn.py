"""The three small networks of MTCNN (Zhang et al., 2016) and where their weights come from.

P-Net scans the image pyramid fully convolutionally (a 12x12 window per output cell, stride 2), R-Net
re-scores 24x24 crops of its proposals, O-Net re-scores 48x48 crops and adds five landmarks. The weights
are the original authors' Caffe models as converted by the PyPI package ``facenet-pytorch`` (MIT), which
carries them as plain state dicts in ``facenet_pytorch/data/{pnet,rnet,onet}.pt``; only those files are
used here, never that package's code.

Inputs are RGB in [0, 255], normalised as ``(x - 127.5) / 128``. The converted dense layers expect their
input flattened in (W, H, C) order, hence the ``permute(0, 3, 2, 1)`` before flattening.
"""

from dataclasses import dataclass

import torch
from torch import nn

from cvcore import zoo

__all__ = ["PNet", "RNet", "ONet", "Mtcnn", "MTCNN_WEIGHTS", "load_mtcnn"]

# The three files, registered with every other weights file in ``cvcore.weights.FILES``.
MTCNN_WEIGHTS = {name: zoo.FILES[f"mtcnn_{name}"] for name in ("pnet", "rnet", "onet")}


def _flatten_caffe(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 2, 1).reshape(len(x), -1)  # [N, C, H, W] -> [N, W*H*C]


class PNet(nn.Module):
    """Proposal network: [N, 3, H, W] -> (box offsets [N, 4, h, w], face probability [N, h, w])."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, 1)
        self.conv4_2 = nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), self.conv4_1(x).softmax(1)[:, 1]


class RNet(nn.Module):
    """Refinement network: [N, 3, 24, 24] -> (box offsets [N, 4], face probability [N])."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu4(self.dense4(_flatten_caffe(self.prelu3(self.conv3(x)))))
        return self.dense5_2(x), self.dense5_1(x).softmax(1)[:, 1]


class ONet(nn.Module):
    """Output network: [N, 3, 48, 48] -> (box offsets [N, 4], landmarks [N, 10] as 5 x then 5 y, probability [N])."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu5(self.dense5(_flatten_caffe(self.prelu4(self.conv4(x)))))
        return self.dense6_2(x), self.dense6_3(x), self.dense6_1(x).softmax(1)[:, 1]


@dataclass(frozen=True)
class Mtcnn:
    """The three networks, loaded and in eval mode (never mutated: safe to share between sessions)."""

    pnet: PNet
    rnet: RNet
    onet: ONet


def load_mtcnn(*, offline: bool | None = None) -> Mtcnn:
    """P-Net, R-Net and O-Net with their verified weights (``cvcore.zoo`` resolution order).

    Raises:
        WeightsUnavailable: a file cannot be found, verified or read; the message says how to get it.
    """
    nets = {}
    for name, cls in (("pnet", PNet), ("rnet", RNet), ("onet", ONet)):
        location = zoo.resolve_weights(MTCNN_WEIGHTS[name], offline=offline)
        try:
            state = torch.load(location.path, map_location="cpu", weights_only=True)
            net = cls()
            net.load_state_dict(state)
        except Exception as exc:  # a verified file that still fails to load is reported, not raised raw
            raise zoo.unreadable(location.path, location.source, exc) from exc
        nets[name] = net.eval()
    return Mtcnn(**nets)
