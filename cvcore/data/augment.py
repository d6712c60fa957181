"""The bundled digits redrawn as a learner's drawings would arrive: thicker or thinner strokes, narrower or wider,
slanted, placed anywhere, then prepared through the canvas path (``drawn.digit_from_ink``), for training a network
that reads the page's canvas as well as the data set.

A drawing on the canvas has strokes of one pen's width, whatever its size, and is cropped, scaled to the frame's
height and centred (``cvcore.data.drawn``); the UCI digits were written on paper with thinner strokes and normalised
the same way. ``redrawn`` makes, from each 8x8 digit, the ink of a drawing (the digit enlarged, its strokes made
hard-edged and then grown or shrunk, sheared and squeezed) and prepares it as the canvas path does, so the network
sees the same kinds of inputs in training as in the page.
"""

import numpy as np
import torch
import torch.nn.functional as F

from cvcore.data import drawn
from cvcore.errors import InvalidParameter

__all__ = ["redrawn"]

_SIDE = 96  # the redrawn ink's side: the 8x8 digit at 8 pixels a cell, with room to slant and squeeze


def redrawn(eight: torch.Tensor, *, seed: int) -> torch.Tensor:
    """Each digit (Tensor[N, 8, 8] in [0, 1], as the UCI counts / 16) redrawn at random and prepared like a canvas
    drawing: Tensor[N, 1, 28, 28] in [0, 1].

    Per digit: its strokes grow by up to 1.4 cells or shrink by up to 0.4 (the UCI strokes are about one cell
    wide; a canvas pen of 22 pixels on a digit 150 to 220 pixels tall is 1 to 1.5); its width becomes 35% to 110% of
    its own (a bar of a 1, a narrow 0); it slants by up to 0.3 of its height either way.

    >>> eight = torch.zeros(1, 8, 8); eight[0, :, 3:5] = 1   # a bar two cells wide
    >>> x = redrawn(eight, seed=0); x.shape, bool(x[0, 0, :, 14].min() > 0.5)
    (torch.Size([1, 1, 28, 28]), True)
    """
    if eight.dim() != 3 or tuple(eight.shape[1:]) != (8, 8):
        raise InvalidParameter(f"expected digits Tensor[N, 8, 8], got shape {tuple(eight.shape)}")
    rng = np.random.default_rng(seed)
    n = len(eight)
    big = F.interpolate(eight[:, None].float(), size=(64, 64), mode="bilinear", align_corners=False)  # [N, 1, 64, 64]
    ink = (big > 0.35).float()  # the strokes as a pen lays them down: ink or not
    ink = F.pad(ink, [(_SIDE - 64) // 2] * 4)  # [N, 1, 96, 96]
    grow = rng.uniform(-0.4, 1.4, n) * 8  # pixels of growth at 8 per cell
    out = torch.empty(n, 1, _SIDE, _SIDE)
    for i in range(n):
        radius = int(round(abs(grow[i]) / 2))
        if radius == 0:
            out[i] = ink[i]
        elif grow[i] > 0:
            out[i] = F.max_pool2d(ink[i:i + 1], 2 * radius + 1, 1, radius)[0]
        else:
            out[i] = -F.max_pool2d(-ink[i:i + 1], 2 * radius + 1, 1, radius)[0]
    # squeeze across, slant: a point (u, v) of the output reads the input at (u / width + slant * v, v)
    width, slant = rng.uniform(0.35, 1.1, n), rng.uniform(-0.3, 0.3, n)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.tensor(1 / width, dtype=torch.float32)
    theta[:, 0, 1] = torch.tensor(slant, dtype=torch.float32)
    theta[:, 1, 1] = 1
    grid = F.affine_grid(theta, list(out.shape), align_corners=False)
    warped = F.grid_sample(out, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    prepared = []
    for i in range(n):
        picture = warped[i, 0]
        if float(picture.max()) <= 0.05:  # the stroke eroded away: keep the digit as it was
            picture = ink[i, 0]
        prepared.append(drawn.digit_from_ink(picture).x)
    return torch.cat(prepared)
