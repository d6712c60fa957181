"""Alignment: the similarity transform (rotation, uniform scale, shift) that carries five detected landmarks
onto a fixed 112x112 template, and the warped crop.

The transform is the least-squares solution of Umeyama (1991), "Least-squares estimation of transformation
parameters between two point patterns": with centred point sets, the SVD of their covariance gives the
rotation, the variances give the scale.
"""

import numpy as np
import torch
from PIL import Image

from cvcore.errors import InvalidParameter

__all__ = ["TEMPLATE", "ALIGNED_SIZE", "similarity_transform", "apply_transform", "align_face", "resize_face"]

ALIGNED_SIZE = 112
# Where the eyes, nose tip and mouth corners sit in a 112x112 aligned face (the template used to train
# ArcFace-style embedders such as MobileFaceNet), as (x, y) pixels.
TEMPLATE = torch.tensor([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                         [70.7299, 92.2041]], dtype=torch.float64)


def _points(points, name: str) -> torch.Tensor:
    p = torch.as_tensor(points, dtype=torch.float64)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) < 2:
        raise InvalidParameter(f"{name} must be a list of at least two (x, y) points, got shape {tuple(p.shape)}")
    if not torch.isfinite(p).all():
        raise InvalidParameter(f"{name} must be finite numbers, got {p.tolist()}")
    return p


def similarity_transform(src, dst) -> torch.Tensor:
    """The 2x3 matrix ``[s R | t]`` minimising sum ||s R src_i + t - dst_i||^2 (Umeyama's solution).

    src, dst (Tensor[N, 2]): matching (x, y) points, N >= 2. Returns Tensor[2, 3] (float64).

    >>> m = similarity_transform([[0, 0], [1, 0]], [[1, 1], [1, 3]])  # turned 90 degrees, doubled, shifted
    >>> [[round(v, 6) + 0.0 for v in row] for row in m.tolist()]
    [[0.0, -2.0, 1.0], [2.0, 0.0, 1.0]]
    """
    src, dst = _points(src, "src"), _points(dst, "dst")
    if src.shape != dst.shape:
        raise InvalidParameter(f"src and dst must have the same shape, got {tuple(src.shape)} and {tuple(dst.shape)}")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d  # [N, 2]
    var_s = (a ** 2).sum() / len(a)
    if var_s <= 1e-12:
        raise InvalidParameter("src points must not all coincide, got points at one place")
    cov = b.T @ a / len(a)  # [2, 2]
    u, sigma, vt = torch.linalg.svd(cov)
    d = torch.ones(2, dtype=torch.float64)
    if torch.det(u) * torch.det(vt) < 0:  # a reflection would fit better; a similarity may not reflect
        d[1] = -1.0
    rotation = u @ torch.diag(d) @ vt
    scale = (sigma * d).sum() / var_s
    shift = mu_d - scale * rotation @ mu_s
    return torch.cat([scale * rotation, shift[:, None]], 1)


def apply_transform(matrix, points) -> torch.Tensor:
    """Map (x, y) points by a 2x3 matrix: Tensor[N, 2] -> Tensor[N, 2]."""
    m, p = torch.as_tensor(matrix, dtype=torch.float64), _points(points, "points")
    return p @ m[:, :2].T + m[:, 2]


def align_face(image: Image.Image, landmarks, *, size: int = ALIGNED_SIZE) -> tuple[Image.Image, torch.Tensor]:
    """Warp ``image`` so its five landmarks land on ``TEMPLATE`` (scaled to ``size``): (RGB crop, matrix [2, 3]).

    landmarks: five (x, y) points in photo pixels, in the order of ``cvcore.faces.LANDMARK_NAMES``.
    """
    if size < 16:
        raise InvalidParameter(f"size must be >= 16 pixels, got {size}")
    points = _points(landmarks, "landmarks")
    if len(points) != 5:
        raise InvalidParameter(f"landmarks must be five (x, y) points, got {len(points)}")
    matrix = similarity_transform(points, TEMPLATE * (size / ALIGNED_SIZE))
    inverse = torch.linalg.inv(torch.cat([matrix, torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)]))[:2]
    # PIL's affine warp asks, for every output pixel, which input pixel to read: the inverse map.
    crop = image.convert("RGB").transform((size, size), Image.Transform.AFFINE, data=tuple(inverse.flatten().tolist()),
                                          resample=Image.Resampling.BILINEAR)
    return crop, matrix


def resize_face(image: Image.Image, *, size: int = ALIGNED_SIZE) -> Image.Image:
    """The fallback without landmarks: the whole photo, centre-cropped to a square and resized (no alignment).

    Meant for photos that are already face crops (such as the ORL set) when the detector finds nothing.
    """
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.convert("RGB").crop((left, top, left + side, top + side))
    return square.resize((size, size), Image.Resampling.BILINEAR)


def to_array(image: Image.Image) -> np.ndarray:
    """An aligned crop as uint8 [H, W, 3] (what a page stores and shows)."""
    return np.asarray(image.convert("RGB"), dtype=np.uint8)
