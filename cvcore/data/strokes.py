"""Digits drawn the way a learner draws them on the page's canvas: pen strokes, not scanned bitmaps.

The bundled digits (``cvcore.data.digits``) were written on paper in 1990s forms; a learner draws on a 280x280
canvas with a round pen 22 pixels wide (streamlit-drawable-canvas's free-draw mode), often a plain bar for a 1, an
open 4 or a 7 with a cross bar. ``render`` draws one digit as such strokes (polylines with round ends and joints,
anti-aliased like a browser's canvas) in the canvas's RGBA format; ``drawn_set`` draws many, each moved, scaled,
slanted, turned and wobbled at random, with a pen of a random width, and prepares them through the canvas path
(``drawn.ink_from_rgba`` then ``drawn.digit_from_ink``), so that a network can be measured on what the page gives it.

Each digit has several ways of writing it (``STYLES``): the set measures every one of them, not only the commonest.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from cvcore.data import drawn
from cvcore.errors import InvalidParameter

__all__ = ["SIDE", "PEN", "STYLES", "TRAINING_STYLES", "DrawnSet", "render", "render_dot", "render_scribble",
           "drawn_set"]

SIDE = 280  # the digit canvas's side in pixels (the page's canvas is drawn at this size)
PEN = 22  # its pen's width in pixels (the page's canvas uses this pen)
_SUPER = 2  # drawn at twice the size and reduced by area: the anti-aliased edge of a browser's stroke

Stroke = list[tuple[float, float]]  # points (x, y) in a unit box, y downwards: one pen-down to pen-up


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees; 0 = right, 90 = down, as on the screen)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, n)]


def _eight_one_stroke() -> Stroke:
    t = np.linspace(0, 2 * math.pi, 40)
    return [(0.5 - 0.45 * math.sin(2 * a), 0.5 - 0.5 * math.cos(a)) for a in t]


# digit -> style name -> strokes, in a unit box (x across the digit's width, y down its height)
STYLES: dict[int, dict[str, list[Stroke]]] = {
    0: {"oval": [_arc(0.5, 0.5, 0.45, 0.5, -90, 275)],
        "oval, drawn anticlockwise": [_arc(0.5, 0.5, 0.45, 0.5, -80, -440)]},
    1: {"plain bar": [[(0.5, 0.0), (0.5, 1.0)]],
        "with a flag": [[(0.15, 0.28), (0.55, 0.0), (0.55, 1.0)]],
        "with a flag and a base": [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)], [(0.15, 1.0), (0.95, 1.0)]]},
    2: {"curve and base": [_arc(0.5, 0.28, 0.42, 0.28, 195, 380) + [(0.05, 1.0), (0.95, 1.0)]],
        "with a loop": [_arc(0.5, 0.28, 0.42, 0.28, 195, 375) + [(0.2, 0.85), (0.1, 0.97), (0.25, 1.0), (0.3, 0.88),
                                                                 (0.45, 0.95), (0.95, 0.98)]]},
    3: {"two bumps": [_arc(0.45, 0.25, 0.42, 0.25, 200, 450, 20) + _arc(0.45, 0.75, 0.47, 0.25, 270, 510, 20)],
        "flat top": [[(0.1, 0.0), (0.9, 0.0), (0.4, 0.4)] + _arc(0.45, 0.7, 0.47, 0.3, 260, 515, 20)]},
    4: {"open": [[(0.2, 0.0), (0.05, 0.62), (0.95, 0.62)], [(0.7, 0.1), (0.7, 1.0)]],
        "closed": [[(0.7, 1.0), (0.7, 0.0), (0.03, 0.66), (0.97, 0.66)]]},
    5: {"one stroke": [[(0.85, 0.0), (0.2, 0.0), (0.18, 0.45)] + _arc(0.45, 0.7, 0.45, 0.3, 235, 485)],
        "bar last": [[(0.2, 0.0), (0.18, 0.45)] + _arc(0.45, 0.7, 0.45, 0.3, 235, 485), [(0.2, 0.0), (0.9, 0.0)]]},
    6: {"loop at the bottom": [[(0.8, 0.0), (0.45, 0.15), (0.2, 0.4), (0.08, 0.68)]
                               + _arc(0.5, 0.7, 0.42, 0.3, 180, -175)]},
    7: {"plain": [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)]],
        "with a cross bar": [[(0.05, 0.0), (0.95, 0.0), (0.35, 1.0)], [(0.3, 0.52), (0.85, 0.52)]]},
    8: {"two loops": [_arc(0.5, 0.25, 0.35, 0.25, -90, 270), _arc(0.5, 0.74, 0.45, 0.26, -90, 270)],
        "one stroke": [_eight_one_stroke()]},
    9: {"straight tail": [_arc(0.5, 0.3, 0.42, 0.3, 0, -360) + [(0.85, 1.0)]],
        "curved tail": [_arc(0.5, 0.3, 0.42, 0.3, 0, -360) + [(0.9, 0.7), (0.7, 0.97), (0.35, 0.95)]]},
}


def _smooth(points: Stroke, rounds: int = 3) -> Stroke:
    """A polyline rounded off by corner cutting (Chaikin's): each round replaces each segment by its quarter points,
    keeping the ends."""
    p = np.array(points, np.float64)
    for _ in range(rounds):
        q, r = 0.75 * p[:-1] + 0.25 * p[1:], 0.25 * p[:-1] + 0.75 * p[1:]
        p = np.concatenate([p[:1], np.stack([q, r], 1).reshape(-1, 2), p[-1:]])
    return [tuple(xy) for xy in p]


# A second hand, written separately from STYLES (other shapes, other proportions, corners rounded by ``_smooth``),
# for training: a network trained on these and measured on STYLES is measured on drawings it has not seen.
TRAINING_STYLES: dict[int, dict[str, list[Stroke]]] = {
    0: {"tilted oval": [_arc(0.5, 0.5, 0.42, 0.5, -60, 300)],
        "overlapping": [_arc(0.5, 0.5, 0.45, 0.5, -100, -500)]},
    1: {"small flag": [_smooth([(0.3, 0.15), (0.6, 0.0), (0.6, 1.0)], 1)],
        "leaning bar": [[(0.6, 0.0), (0.4, 1.0)]],
        "short base": [_smooth([(0.3, 0.18), (0.55, 0.0), (0.55, 1.0)], 1), [(0.3, 1.0), (0.8, 1.0)]],
        "long base": [_smooth([(0.25, 0.22), (0.5, 0.0), (0.5, 1.0)], 1), [(0.08, 0.98), (0.92, 1.0)]]},
    2: {"angular": [_smooth([(0.1, 0.15), (0.5, 0.0), (0.85, 0.2), (0.8, 0.4), (0.1, 1.0)], 2) + [(0.9, 1.0)]],
        "round": [_arc(0.5, 0.3, 0.4, 0.3, 180, 390) + _smooth([(0.86, 0.4), (0.4, 0.75), (0.1, 0.97), (0.9, 0.95)])]},
    3: {"pointed middle": [_smooth([(0.1, 0.1), (0.6, 0.0), (0.85, 0.2), (0.8, 0.35), (0.4, 0.48), (0.85, 0.6),
                                    (0.9, 0.85), (0.5, 1.0), (0.1, 0.9)], 2)],
        "flat top": [[(0.15, 0.02), (0.85, 0.0)] + _smooth([(0.85, 0.0), (0.45, 0.38), (0.8, 0.5), (0.9, 0.75),
                                                            (0.6, 1.0), (0.1, 0.9)], 2)]},
    4: {"open": [[(0.3, 0.0), (0.1, 0.7), (0.9, 0.7)], [(0.65, 0.35), (0.65, 1.0)]],
        "closed": [[(0.6, 1.0), (0.6, 0.0), (0.05, 0.7), (0.95, 0.7)]],
        "closed in two strokes": [[(0.65, 0.0), (0.0, 0.7), (1.0, 0.7)], [(0.65, 0.0), (0.65, 1.0)]],
        "open, tall stem": [[(0.28, 0.02), (0.12, 0.58), (0.92, 0.6)], [(0.66, 0.0), (0.7, 1.0)]]},
    5: {"round belly": [_smooth([(0.25, 0.0), (0.2, 0.4), (0.5, 0.35), (0.85, 0.5), (0.9, 0.75), (0.6, 1.0),
                                 (0.1, 0.92)]), [(0.25, 0.0), (0.85, 0.02)]]},
    6: {"round": [_smooth([(0.7, 0.0), (0.3, 0.3), (0.12, 0.6), (0.2, 0.9), (0.5, 1.0), (0.85, 0.85), (0.85, 0.6),
                           (0.5, 0.5), (0.15, 0.65)])],
        "long stem": [_smooth([(0.6, 0.0), (0.2, 0.5), (0.15, 0.8), (0.45, 1.0), (0.8, 0.85), (0.75, 0.6),
                               (0.4, 0.55), (0.18, 0.7)])]},
    7: {"plain": [[(0.1, 0.05), (0.9, 0.0), (0.5, 0.5), (0.4, 1.0)]],
        "crossed": [[(0.1, 0.05), (0.9, 0.0), (0.5, 0.5), (0.4, 1.0)], [(0.25, 0.45), (0.75, 0.45)]],
        "with a hook": [[(0.05, 0.15), (0.1, 0.0), (0.95, 0.0), (0.35, 1.0)]]},
    8: {"one stroke": [_smooth([(0.8, 0.1), (0.5, 0.0), (0.2, 0.12), (0.25, 0.35), (0.75, 0.6), (0.85, 0.85),
                                (0.5, 1.0), (0.15, 0.85), (0.25, 0.6), (0.75, 0.35), (0.8, 0.1)])],
        "stacked loops": [_arc(0.5, 0.22, 0.3, 0.22, 0, 360), _arc(0.5, 0.72, 0.42, 0.28, 180, 540)]},
    9: {"pointed loop": [_smooth([(0.85, 0.15), (0.5, 0.0), (0.15, 0.15), (0.2, 0.4), (0.55, 0.45), (0.85, 0.3),
                                  (0.85, 0.15)]) + [(0.8, 0.6), (0.7, 1.0)]],
        "round loop": [_arc(0.45, 0.25, 0.4, 0.25, 0, -360) + _smooth([(0.85, 0.25), (0.85, 0.6), (0.75, 1.0)])],
        "big loop": [_arc(0.5, 0.33, 0.45, 0.33, 10, -350) + [(0.93, 0.45), (0.9, 1.0)]]},
}


@dataclass(frozen=True)
class DrawnSet:
    """Drawn digits prepared like the canvas's: ``x`` Tensor[N, 1, 28, 28] in [0, 1], ``y`` Tensor[N] (the digits),
    ``styles`` the way each was written (e.g. "1 with a flag")."""

    x: torch.Tensor
    y: torch.Tensor
    styles: tuple[str, ...]


def _paint(strokes: list[list[tuple[float, float]]], pen: float, side: int) -> np.ndarray:
    """Strokes in canvas pixels as the canvas returns them: uint8 [side, side, 4], white ink, transparent elsewhere."""
    big = Image.new("L", (side * _SUPER, side * _SUPER), 0)
    draw = ImageDraw.Draw(big)
    width, radius = max(1, round(pen * _SUPER)), pen * _SUPER / 2
    for stroke in strokes:
        points = [(x * _SUPER, y * _SUPER) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen ends
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    alpha = np.asarray(big.resize((side, side), Image.BOX))
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = alpha
    return rgba


def render(digit: int, style: str, rng: np.random.Generator | None = None, *, side: int = SIDE,
           pen: float = PEN, styles: dict[int, dict[str, list[Stroke]]] = STYLES) -> np.ndarray:
    """One digit written in ``style`` (a key of ``styles[digit]``: ``STYLES`` or ``TRAINING_STYLES``) on a canvas:
    uint8 [side, side, 4] RGBA.

    Without ``rng`` it is upright, 70% of the canvas tall and in its middle; with one, its height (45% to 80% of the
    canvas), width, place, slant, turn and the pen's path wobble at random, and the digit stays inside the canvas.

    >>> rgba = render(1, "plain bar"); rgba.shape, int(rgba[140, 140, 3]), int(rgba[140, 60, 3])
    ((280, 280, 4), 255, 0)
    """
    if digit not in styles or style not in styles[digit]:
        known = ", ".join(styles.get(digit, {})) or "none"
        raise InvalidParameter(f"expected a style of digit {digit} ({known}), got {style!r}")
    if pen <= 0 or side < 8 * pen:
        raise InvalidParameter(f"expected a pen width > 0 and a canvas at least 8 pens wide, got {pen} and {side}")
    strokes = [np.array(s, np.float64) for s in styles[digit][style]]
    if rng is None:
        height, aspect, slant, turn, wobble = 0.7 * side, 0.65, 0.0, 0.0, 0.0
    else:
        height = rng.uniform(0.45, 0.8) * side
        aspect, slant, turn, wobble = rng.uniform(0.5, 0.85), rng.uniform(-0.15, 0.3), rng.uniform(-8, 8), 0.04
    cos, sin = math.cos(math.radians(turn)), math.sin(math.radians(turn))
    if wobble:  # a smooth bend of the whole digit, and each stroke a little off where the others put it
        freq, phase = rng.uniform(0.5, 1.5, 2), rng.uniform(0, 1, 2)
        bend = [lambda s: wobble * np.sin(2 * math.pi * (freq[0] * s[:, 1] + phase[0])),
                lambda s: wobble * np.sin(2 * math.pi * (freq[1] * s[:, 0] + phase[1]))]
        strokes = [s + np.stack([bend[0](s), bend[1](s)], 1) + rng.normal(0, wobble / 2, 2) for s in strokes]
    placed = []
    for s in strokes:
        x = (s[:, 0] - 0.5) * height * aspect + slant * (0.5 - s[:, 1]) * height  # slant > 0 leans the top right
        y = (s[:, 1] - 0.5) * height
        placed.append(np.stack([x * cos - y * sin, x * sin + y * cos], 1))
    every = np.concatenate(placed)
    low, high = every.min(0) - pen, every.max(0) + pen  # the ink's extent around the digit's centre
    room = np.maximum(side - (high - low), 0)
    corner = rng.uniform(0, room) if rng is not None else room / 2
    offset = corner - low
    return _paint([[(float(px), float(py)) for px, py in p + offset] for p in placed], pen, side)


def render_dot(x: float = SIDE / 2, y: float = SIDE / 2, *, side: int = SIDE, pen: float = PEN) -> np.ndarray:
    """A single click of the pen at (x, y): a round dot as wide as the pen, uint8 [side, side, 4]."""
    return _paint([[(x, y)]], pen, side)


def render_scribble(rng: np.random.Generator, *, extent: float = 0.7, strokes: int = 30, side: int = SIDE,
                    pen: float = PEN) -> np.ndarray:
    """Back and forth strokes at random over the middle ``extent`` of the canvas: a scribble, uint8 [side, side, 4]."""
    low, high = side * (1 - extent) / 2, side * (1 + extent) / 2
    points = [tuple(p) for p in rng.uniform(low, high, size=(strokes, 2))]
    return _paint([points], pen, side)


def drawn_set(per_style: int, *, seed: int, styles: dict[int, dict[str, list[Stroke]]] = STYLES, side: int = SIDE,
              pen: float = PEN, pen_jitter: float = 0.25) -> DrawnSet:
    """``per_style`` drawings of every style of every digit in ``styles`` (``render`` with a generator seeded by
    ``seed``), the pen's width varying by up to ``pen_jitter`` of ``pen`` either way, prepared through the canvas path.

    >>> s = drawn_set(1, seed=0); s.x.shape[1:], len(s.y) == sum(len(v) for v in STYLES.values()), s.styles[2]
    (torch.Size([1, 28, 28]), True, '1 plain bar')
    """
    if per_style < 1:
        raise InvalidParameter(f"per_style must be >= 1, got {per_style}")
    if not 0 <= pen_jitter < 1:
        raise InvalidParameter(f"pen_jitter must be in [0, 1), got {pen_jitter}")
    rng = np.random.default_rng(seed)
    xs, ys, names = [], [], []
    for digit, ways in styles.items():
        for style in ways:
            for _ in range(per_style):
                width = pen * rng.uniform(1 - pen_jitter, 1 + pen_jitter)
                rgba = render(digit, style, rng, side=side, pen=width, styles=styles)
                xs.append(drawn.digit_from_ink(drawn.ink_from_rgba(rgba)).x)
                ys.append(digit)
                names.append(f"{digit} {style}")
    return DrawnSet(torch.cat(xs), torch.tensor(ys), tuple(names))
