"""Colours for a class map: the picture turned grey, each class's colour blended over it, and a legend that shows
each colour as it appears.

Blending a class colour over the picture's own colours mixes hues: at half opacity a blue over a green shape
looks teal, the same as a green over a blue one. Over the picture in grey only brightness is mixed in, and the
three colours have (nearly) equal sums R + G + B, so brightening or darkening all three channels alike never
brings one class's colour nearer to another's: every painted pixel is nearest to its own class's legend colour
at any opacity of 0.2 and above (the tests check every grey level; lower, rounding to whole numbers can win).
"""

import numpy as np

from cvcore.errors import InvalidParameter

__all__ = ["CLASS_COLORS", "COLOR_NAMES", "LEGEND_GREY", "grey", "overlay", "legend_colors"]

# Background (never painted), then one colour per class: Paul Tol's colour-blind-safe sky blue, yellow and rose
# (his "vibrant" cyan, "bright" yellow and red), apart from each other with every common colour-vision deficiency.
CLASS_COLORS = np.array([[0, 0, 0], [51, 187, 238], [204, 187, 68], [238, 102, 119]], dtype=np.uint8)
COLOR_NAMES = ("none", "sky blue", "yellow", "rose")
LEGEND_GREY = 128  # the legend shows each colour over this mid grey, at the overlay's opacity


def grey(picture: np.ndarray) -> np.ndarray:
    """The brightness of ``picture`` (uint8 [H, W, 3]), ITU-R BT.601 weights: float [H, W] in [0, 255].

    >>> grey(np.array([[[255, 255, 255], [255, 0, 0]]], dtype=np.uint8)).round().astype(int).tolist()
    [[255, 76]]
    """
    if picture.ndim != 3 or picture.shape[2] != 3:
        raise InvalidParameter(f"picture must be an RGB array [H, W, 3], got shape {tuple(picture.shape)}")
    return picture.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def overlay(picture: np.ndarray, classes: np.ndarray, alpha: float, colors: np.ndarray = CLASS_COLORS) -> np.ndarray:
    """``picture`` (uint8 [H, W, 3]) in grey, with the colour of class ``classes[y, x]`` (int [H, W], 0 =
    background, left grey) blended in at opacity ``alpha``: (1 - alpha) * grey + alpha * colour. uint8 [H, W, 3].

    >>> one = overlay(np.full((1, 2, 3), 200, dtype=np.uint8), np.array([[0, 1]]), 0.2)
    >>> one.tolist()
    [[[200, 200, 200], [170, 197, 208]]]
    """
    if not 0 <= alpha <= 1:
        raise InvalidParameter(f"alpha must be in [0, 1], got {alpha}")
    classes = np.asarray(classes)
    if classes.shape != picture.shape[:2]:
        raise InvalidParameter(f"classes must be [H, W] like the picture's {picture.shape[:2]}, got {classes.shape}")
    if classes.size and not 0 <= classes.min() <= classes.max() < len(colors):
        raise InvalidParameter(f"classes must be in [0, {len(colors) - 1}], got {classes.min()} to {classes.max()}")
    base = np.repeat(grey(picture)[..., None], 3, axis=2)  # [H, W, 3]
    painted = (1 - alpha) * base + alpha * colors[classes].astype(np.float32)
    return np.where((classes > 0)[..., None], painted, base).round().astype(np.uint8)


def legend_colors(alpha: float, colors: np.ndarray = CLASS_COLORS) -> np.ndarray:
    """Each class's colour as the overlay paints it over a mid-grey pixel: uint8 [classes, 3] (row 0, the
    background, is the grey itself).

    >>> legend_colors(1.0)[1:].tolist() == CLASS_COLORS[1:].tolist()
    True
    """
    swatch = np.full((1, len(colors), 3), LEGEND_GREY, dtype=np.uint8)
    return overlay(swatch, np.arange(len(colors))[None], alpha, colors)[0]
