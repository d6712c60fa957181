"""Drawings made in the page, turned into the inputs the networks were trained on.

A digit drawn on a canvas (light ink on black) becomes a digit in the format of ``cvcore.data.digits``, which comes
from scikit-learn's copy of the UCI handwritten digits: each was a 32x32 binary bitmap, normalised so that the digit
fills the frame from top to bottom, then reduced to 8x8 by counting the ink in 4x4 blocks (0..16); ``digits()``
divides by 16 and enlarges the 8x8 to 28x28 bilinearly. ``digit_from_ink`` repeats those steps on the drawing:

1. the ink's bounding box (pixels above ``INK`` of the brightest) is cropped;
2. it is scaled, keeping its aspect ratio, so that its height is 32 (every training digit touches the top and the
   bottom of its frame); a drawing wider than tall is scaled so that its width is 32 instead;
3. it is placed in the middle of a 32x32 frame by its bounding box, as the UCI digits are (most span columns 4 to 28
   of their frame). MNIST centres by mass instead; rendering the bundled digits back as drawings and preparing them
   both ways, centring by box gives back the exact training tensor for 74% of them (by mass: 34%) and the shipped
   network's answer on the original for 97.5% (by mass: 97.0%), so the box it is;
4. the 4x4 blocks are averaged (8x8, in [0, 1]) and enlarged to 28x28 like the training digits.

A drawing does not have to fill the canvas or sit in its middle: where it is, and how big, is normalised away.
What cannot be normalised is flagged: nothing drawn, a dot too small to read, ink cut off by the canvas's edge, or
a scribble (ink over most of the canvas, or a solid mass of it). Whether a drawing is a dot or a scribble is told by
its strokes' thickness (``stroke_width``: twice the number of 3x3 erosions that wear the ink away) against its size:
one click of the page's pen (22 pixels) makes a dot as long as it is thick, which enlarged to the digits' frame is a
blob any network reads as something; a digit drawn with that pen is at least four strokes long, and a scribble's
strokes cross until its ink is thick.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cvcore.errors import InvalidParameter

__all__ = ["DrawnDigit", "INK", "ink_from_rgba", "stroke_width", "digit_from_ink", "picture_from_rgba"]

INK = 0.1  # a pixel counts as ink above this fraction of the brightest one
_FRAME = 32  # the UCI bitmaps' side
_BLOCK = 4  # 32 / 8
_SMALL = 0.05  # a drawing whose longer side is under this fraction of the canvas is "too small"
_DOT = 3  # ... and so is one less than this many strokes' widths long (a dot)
_SCRIBBLE = 0.45  # ink over more than this fraction of the canvas is a scribble
# ... and so is ink whose strokes are thicker than this fraction of its longer side (drawn digits: at most 0.23),
# if it is not a dot: longer than this fraction of the canvas
_SOLID, _SOLID_SIZE = 0.27, 0.2
# The two rules above read round pen strokes, which leave gaps and round corners in their box (a dot fills 79% of
# it, a scribble at most about 70%): ink filling more of its box than this is a solid shape painted on purpose.
_PAINTED = 0.9


@dataclass(frozen=True)
class DrawnDigit:
    """A drawing in the training digits' format, and what is wrong with it if anything.

    ``x`` is Tensor[1, 1, 28, 28] in [0, 1] (None when nothing is drawn); ``box`` the ink's bounding box in the
    canvas (x1, y1, x2, y2), exclusive ends; ``coverage`` the fraction of the canvas's pixels that are ink."""

    x: torch.Tensor | None
    box: tuple[int, int, int, int] | None
    coverage: float
    touches_edge: bool
    too_small: bool
    scribble: bool

    @property
    def empty(self) -> bool:
        return self.x is None

    def warnings(self) -> list[str]:
        """Plain sentences for the learner about what may make the answer unreliable."""
        said = []
        if self.scribble:
            said.append(f"The ink covers {self.coverage:.0%} of the canvas, in strokes thick with crossings: that is "
                        "a scribble, not a digit, so the network's answer means little.")
        if self.too_small:
            said.append("The drawing is very small (a dot, or a digit hardly longer than the pen is wide): it is "
                        "enlarged to the digits' size, strokes and all, so the network's answer means little. "
                        "Draw bigger.")
        if self.touches_edge:
            said.append("The drawing touches the canvas's edge, so part of it may be cut off.")
        return said


def ink_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """The ink of a canvas image (uint8 [H, W, 4], RGBA, light strokes on a dark or transparent background) as
    float [H, W] in [0, 1]: the brightness composited over black.

    >>> ink_from_rgba(np.array([[[255, 255, 255, 255], [255, 255, 255, 0], [0, 0, 0, 255]]], np.uint8)).tolist()
    [[1.0, 0.0, 0.0]]
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4):
        raise InvalidParameter(f"expected an RGB or RGBA image [H, W, 3 or 4], got shape {rgba.shape}")
    rgb = rgba[..., :3].astype(np.float32) / 255
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    alpha = rgba[..., 3].astype(np.float32) / 255 if rgba.shape[2] == 4 else 1.0
    return np.clip(gray * alpha, 0.0, 1.0)


def _bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def stroke_width(mask: np.ndarray | torch.Tensor) -> int:
    """The thickness of a drawing's strokes in pixels: twice the number of 3x3 erosions after which nothing of
    ``mask`` (bool [H, W], True where there is ink) is left; 0 for an empty mask.

    >>> bar = np.zeros((40, 40), bool); bar[5:35, 10:16] = True   # a bar 6 pixels wide
    >>> stroke_width(bar)
    6
    """
    left = np.asarray(mask, dtype=bool)
    steps = 0
    while left.any():
        padded = np.pad(left, 1)  # outside the mask counts as no ink
        height, width = left.shape
        left = np.logical_and.reduce([padded[dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3)])
        steps += 1
    return 2 * steps


def digit_from_ink(ink: np.ndarray | torch.Tensor) -> DrawnDigit:
    """A drawing's ink (float [H, W] in [0, 1], light on dark) as a digit like ``cvcore.data.digits`` (see the module).

    >>> ink = np.zeros((64, 64), np.float32); ink[8:40, 20:44] = 1   # a 32 x 24 block of ink
    >>> d = digit_from_ink(ink)
    >>> d.box, d.x.shape
    ((20, 8, 44, 40), torch.Size([1, 1, 28, 28]))
    """
    ink = torch.as_tensor(np.asarray(ink, dtype=np.float32))
    if ink.dim() != 2 or min(ink.shape) < 8:
        raise InvalidParameter(f"expected a drawing [H, W] of at least 8x8 pixels, got shape {tuple(ink.shape)}")
    ink = ink.clamp(0, 1)
    height, width = ink.shape
    peak = float(ink.max())
    if peak <= 0.05:  # nothing, or only faint noise
        return DrawnDigit(None, None, 0.0, False, False, False)
    mask = (ink > INK * peak).numpy()
    x1, y1, x2, y2 = _bounding_box(mask)
    crop = ink[y1:y2, x1:x2]
    h, w = crop.shape
    scale = _FRAME / max(h, w)
    new_h, new_w = max(1, min(_FRAME, round(h * scale))), max(1, min(_FRAME, round(w * scale)))
    # area averaging when shrinking (the UCI counts of ink), bilinear when a tiny drawing is enlarged
    mode = "area" if new_h <= h and new_w <= w else "bilinear"
    small = F.interpolate(crop[None, None], size=(new_h, new_w), mode=mode,
                          **({} if mode == "area" else {"align_corners": False}))[0, 0].clamp(0, 1)
    top, left = (_FRAME - new_h) // 2, (_FRAME - new_w + 1) // 2  # a spare column goes left, as in the UCI digits
    frame = torch.zeros(_FRAME, _FRAME)
    frame[top:top + new_h, left:left + new_w] = small
    eight = F.avg_pool2d(frame[None, None], _BLOCK)  # [1, 1, 8, 8]
    x = F.interpolate(eight, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)  # as digits(28)
    coverage = float(mask.mean())
    touches = x1 == 0 or y1 == 0 or x2 == width or y2 == height
    side, longer, thick = max(height, width), max(x2 - x1, y2 - y1), stroke_width(mask[y1:y2, x1:x2])
    pen = float(mask[y1:y2, x1:x2].mean()) <= _PAINTED
    scribble = coverage > _SCRIBBLE or (pen and thick > _SOLID * longer and longer > _SOLID_SIZE * side)
    too_small = not scribble and (longer < _SMALL * side or (pen and longer < _DOT * thick))
    return DrawnDigit(x, (x1, y1, x2, y2), coverage, touches and not scribble, too_small, scribble)


def picture_from_rgba(rgba: np.ndarray, background: torch.Tensor) -> torch.Tensor:
    """A canvas image (uint8 [H, W, 4], transparent where nothing is drawn) over ``background`` (Tensor[3, S, S] in
    [0, 1], e.g. a shapes-world scene without objects), at the background's size: Tensor[3, S, S] in [0, 1], the
    format of the shapes world's scenes. The drawing is reduced by area averaging of its premultiplied colours, so a
    half-covered pixel is half the drawing's colour and half the background's.

    >>> rgba = np.zeros((4, 4, 4), np.uint8); rgba[:2, :, :] = (255, 0, 0, 255)   # top half red, rest transparent
    >>> picture_from_rgba(rgba, torch.tensor([0.0, 0.0, 1.0]).view(3, 1, 1).expand(3, 2, 2))[:, :, 0].tolist()
    [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise InvalidParameter(f"expected an RGBA image [H, W, 4], got shape {rgba.shape}")
    if background.dim() != 3 or background.shape[0] != 3:
        raise InvalidParameter(f"expected a background Tensor[3, S, S], got shape {tuple(background.shape)}")
    size = tuple(background.shape[1:])
    if rgba.shape[0] < size[0] or rgba.shape[1] < size[1]:
        raise InvalidParameter(f"expected a drawing at least {size[0]}x{size[1]}, got {rgba.shape[0]}x{rgba.shape[1]}")
    pixels = torch.from_numpy(rgba.astype(np.float32) / 255).permute(2, 0, 1)  # [4, H, W]
    alpha = pixels[3:]
    premultiplied = torch.cat([pixels[:3] * alpha, alpha])[None]  # [1, 4, H, W]
    small = F.interpolate(premultiplied, size=size, mode="area")[0]  # [4, S, S]
    return (small[:3] + background.float() * (1 - small[3:])).clamp(0, 1)
