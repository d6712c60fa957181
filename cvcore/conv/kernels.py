"""A catalog of classic hand-made kernels (the filters a CNN ends up learning on its own)."""

import math
from dataclasses import dataclass

import torch

from cvcore.errors import InvalidParameter

__all__ = ["KernelInfo", "kernel_catalog", "make_kernel"]


@dataclass(frozen=True)
class KernelInfo:
    """One catalog entry: ``sizes`` are the odd sizes it can be built at."""

    name: str
    label: str
    description: str
    sizes: tuple[int, ...] = (3,)


_FIXED = {
    "vertical_edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal_edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "sobel_x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "sobel_y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "scharr_x": [[3, 0, -3], [10, 0, -10], [3, 0, -3]],
    "scharr_y": [[3, 10, 3], [0, 0, 0], [-3, -10, -3]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "ridge_4": [[-1, -1, -1], [-1, 4, -1], [-1, -1, -1]],
    "ridge_8": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

_CATALOG = (
    KernelInfo("identity", "Identity", "Copies the input: a single 1 in the centre.", (1, 3, 5, 7)),
    KernelInfo("vertical_edge", "Vertical edge", "The course's detector: bright-to-dark from left to right gives a positive response."),
    KernelInfo("horizontal_edge", "Horizontal edge", "The vertical detector turned 90 degrees: bright above, dark below."),
    KernelInfo("sobel_x", "Sobel (vertical edges)", "Vertical edge detector with more weight on the centre row."),
    KernelInfo("sobel_y", "Sobel (horizontal edges)", "Horizontal edge detector with more weight on the centre column."),
    KernelInfo("scharr_x", "Scharr (vertical edges)", "Like Sobel with weights 3, 10, 3: better rotational symmetry."),
    KernelInfo("scharr_y", "Scharr (horizontal edges)", "Scharr turned 90 degrees."),
    KernelInfo("laplacian", "Laplacian", "Second derivative: responds to spots and thin lines, zero on flat areas and ramps."),
    KernelInfo("ridge_4", "Ridge / edge (4)", "The course's ridge detector: centre 4, eight -1 neighbours."),
    KernelInfo("ridge_8", "Ridge / edge (8)", "Centre 8, eight -1 neighbours: sums to zero, so flat regions give 0."),
    KernelInfo("sharpen", "Sharpen", "Identity plus a Laplacian: boosts local contrast."),
    KernelInfo("box_blur", "Box blur", "The average of the window (weights 1/f^2).", (1, 3, 5, 7)),
    KernelInfo("gaussian", "Gaussian blur", "A weighted average that falls off with distance (sigma = f/6).", (3, 5, 7)),
    KernelInfo("emboss", "Emboss", "A diagonal gradient plus the pixel itself: a relief look."),
)


def kernel_catalog() -> dict[str, KernelInfo]:
    """All catalog entries by name, in display order."""
    return {info.name: info for info in _CATALOG}


def make_kernel(name: str, size: int = 3) -> torch.Tensor:
    """Build a catalog kernel as Tensor[size, size] (float64).

    >>> make_kernel("vertical_edge").tolist()
    [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]
    >>> float(make_kernel("box_blur", 5).sum())
    1.0
    """
    catalog = kernel_catalog()
    if name not in catalog:
        raise InvalidParameter(f"kernel must be one of {list(catalog)}, got {name!r}")
    info = catalog[name]
    if size not in info.sizes:
        raise InvalidParameter(f"the {info.label} kernel comes in sizes {list(info.sizes)}, got {size}")
    if name in _FIXED:
        return torch.tensor(_FIXED[name], dtype=torch.float64)
    if name == "identity":
        k = torch.zeros(size, size, dtype=torch.float64)
        k[size // 2, size // 2] = 1.0
        return k
    if name == "box_blur":
        return torch.full((size, size), 1.0 / (size * size), dtype=torch.float64)
    sigma = size / 6.0
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r**2) / (2 * sigma**2))
    k = torch.outer(g, g)
    return k / k.sum() if math.isfinite(float(k.sum())) else k
