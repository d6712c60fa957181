"""MobileFaceNet (Chen et al., 2018): a 112x112 aligned face -> a 128-d embedding, L2-normalised.

The layout follows the paper's Table 1 and the key names of the pretrained state dict
(``cvcore.zoo.FILES["mobilefacenet"]``): a 3x3 stride-2 convolution, a depthwise-separable 3x3, fifteen
inverted-residual bottlenecks, a 1x1 convolution to 512 channels, a 7x7 global depthwise convolution in place
of average pooling (every position of the 7x7 map gets its own weight), a 1x1 convolution to 128 and BatchNorm.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from cvcore import zoo
from cvcore.errors import InvalidParameter, WeightsUnavailable

__all__ = ["MobileFaceNet", "EMBEDDING_SIZE", "MEAN", "STD", "load_mobilefacenet", "embed_crops", "crops_tensor"]

EMBEDDING_SIZE = 128
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# (expansion t, output channels c, repeats n, first stride s) of the bottlenecks, as in the paper.
_BOTTLENECKS = ((2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1))


class _ConvBnAct(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1, groups: int = 1):
        super().__init__(nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU6(inplace=True))


class _DepthwiseSeparable(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.pointwise = nn.Conv2d(channels, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(self.bn2(self.pointwise(F.relu(self.bn1(self.depthwise(x))))))


class _Bottleneck(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, expansion: int):
        super().__init__()
        hidden = c_in * expansion
        self.residual = stride == 1 and c_in == c_out
        self.conv = nn.Sequential(_ConvBnAct(c_in, hidden, 1), _ConvBnAct(hidden, hidden, 3, stride, groups=hidden),
                                  nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class _GlobalDepthwise(nn.Module):
    def __init__(self, channels: int, size: int = 7):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, size, groups=channels, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return self.bn(self.depthwise(x))


class MobileFaceNet(nn.Module):
    """[N, 3, 112, 112] normalised faces -> [N, 128] embeddings (not yet L2-normalised)."""

    def __init__(self, embedding_size: int = EMBEDDING_SIZE):
        super().__init__()
        self.conv1 = _ConvBnAct(3, 64, 3, 2)  # 112 -> 56
        self.dw_conv = _DepthwiseSeparable(64)
        layers, c_in = [], 64
        for t, c, n, s in _BOTTLENECKS:
            for i in range(n):
                layers.append(_Bottleneck(c_in, c, s if i == 0 else 1, t))
                c_in = c
        self.features = nn.Sequential(*layers)  # 56 -> 7
        self.conv2 = _ConvBnAct(c_in, 512, 1)
        self.gdconv = _GlobalDepthwise(512)  # 7 -> 1
        self.conv3 = nn.Conv2d(512, embedding_size, 1)
        self.bn = nn.BatchNorm2d(embedding_size)

    def forward(self, x):
        x = self.features(self.dw_conv(self.conv1(x)))
        return self.bn(self.conv3(self.gdconv(self.conv2(x)))).flatten(1)


def load_mobilefacenet(path: str | Path | None = None, *, device=None, offline: bool | None = None) -> MobileFaceNet:
    """MobileFaceNet with its pretrained weights, in eval mode.

    ``path`` reads that file (verified by sha256); otherwise ``cvcore.zoo``'s resolution order finds it
    (``CVCORE_WEIGHTS_DIR``, the torch hub cache, a download from the pinned URL unless offline).

    Raises:
        WeightsUnavailable: not found, wrong checksum, or unreadable; the message says how to get it.
    """
    spec = zoo.FILES["mobilefacenet"]
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise WeightsUnavailable(f"expected the MobileFaceNet weights at {path}, got no such file")
        if zoo.sha256_of(path) != spec.sha256:
            raise WeightsUnavailable(f"expected {path} to have sha256 {spec.sha256[:16]}..., got {zoo.sha256_of(path)[:16]}...")
        source = "the file given"
    else:
        location = zoo.resolve_weights(spec, offline=offline)
        path, source = location.path, location.source
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = MobileFaceNet()
        model.load_state_dict(state)
    except Exception as exc:  # a verified file that still fails to load is reported, not raised raw
        raise zoo.unreadable(path, source, exc) from exc
    model = model.eval()
    return model.to(device) if device is not None else model


def crops_tensor(crops) -> torch.Tensor:
    """Aligned crops (PIL images or uint8 arrays [112, 112, 3]) -> normalised Tensor[N, 3, 112, 112]."""
    arrays = [np.asarray(c.convert("RGB") if isinstance(c, Image.Image) else c, dtype=np.float32) for c in crops]
    for a in arrays:
        if a.shape != (112, 112, 3):
            raise InvalidParameter(f"expected aligned crops of shape (112, 112, 3), got {a.shape}")
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 255.0  # [N, 3, 112, 112]
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def embed_crops(model: nn.Module, crops, *, flip: bool = True, batch_size: int = 64) -> torch.Tensor:
    """L2-normalised embeddings of aligned crops: Tensor[N, 128] on the CPU.

    With ``flip`` the mirrored crop is embedded too and the two added before normalising (a common
    test-time trick: the face's left and right halves count equally).
    """
    crops = list(crops)
    if not crops:
        raise InvalidParameter("expected at least one face crop, got none")
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for i in range(0, len(crops), batch_size):
            x = crops_tensor(crops[i:i + batch_size]).to(device)
            e = model(x)
            if flip:
                e = e + model(x.flip(3))
            out.append(F.normalize(e, dim=1).cpu())
    return torch.cat(out)
