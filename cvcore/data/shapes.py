"""The shapes world: generated images of ellipses, rectangles and triangles on textured backgrounds, with
boxes, class labels and per-pixel masks, for training and testing detectors and segmenters offline.

Three classes stand in for the course's pedestrian, car and motorcycle; objects come tall, square or
wide, so anchor boxes of different shapes have something to do. Every scene is a pure function of its
seed, so data sets are reproducible and need no download.
"""

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

from cvcore.errors import InvalidParameter

__all__ = ["CLASSES", "Scene", "scene", "scenes"]

CLASSES = ("ellipse", "rectangle", "triangle")
_ASPECTS = (0.5, 0.65, 1.0, 1.5, 2.0)  # width / height


@dataclass(frozen=True)
class Scene:
    """One generated image with its objects.

    image: Tensor[3, S, S] in [0, 1]; boxes: Tensor[K, 4] (x1, y1, x2, y2) in pixels; labels: Tensor[K]
    (indices into ``CLASSES``); semantic: Tensor[S, S] (0 = background, 1 + class index); instances:
    Tensor[S, S] (0 = background, 1 + object index), what is visible after occlusion.
    """

    image: torch.Tensor
    boxes: torch.Tensor
    labels: torch.Tensor
    semantic: torch.Tensor
    instances: torch.Tensor

    def picture(self) -> Image.Image:
        return Image.fromarray((self.image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    """Soft coloured noise plus faint stripes or a gradient: texture that is not an object."""
    base = rng.uniform(60, 200, size=3)
    noise = rng.normal(0, 35, size=(size // 8 + 1, size // 8 + 1, 3))
    noise = np.asarray(Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).resize((size, size), Image.BICUBIC),
                       dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size]
    kind = rng.integers(3)
    if kind == 0:
        pattern = 20 * np.sin((xx * np.cos(a := rng.uniform(0, np.pi)) + yy * np.sin(a)) / rng.uniform(2, 6))
    elif kind == 1:
        pattern = 40 * (xx / size - 0.5) * rng.choice([-1, 1]) + 40 * (yy / size - 0.5) * rng.choice([-1, 1])
    else:
        pattern = rng.normal(0, 12, size=(size, size))
    pixels = np.clip(noise + pattern[..., None], 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(0.6))


def _polygon(kind: int, x: float, y: float, w: float, h: float, up: bool) -> list[tuple[float, float]]:
    if kind == 1:  # rectangle, upright
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    if up:  # isosceles triangle pointing up or down
        return [(x + w / 2, y), (x + w, y + h), (x, y + h)]
    return [(x, y), (x + w, y), (x + w / 2, y + h)]


def scene(seed: int, *, size: int = 128, max_objects: int = 4, min_side: int = 16, max_side: int = 56) -> Scene:
    """A reproducible scene of 1 to ``max_objects`` shapes of random colours and sizes, which may overlap.

    >>> s = scene(0); s.image.shape, s.boxes.shape[1], s.semantic.shape
    (torch.Size([3, 128, 128]), 4, torch.Size([128, 128]))
    """
    if not 32 <= size <= 1024:
        raise InvalidParameter(f"size must be in [32, 1024], got {size}")
    if not 0 <= max_objects <= 20:
        raise InvalidParameter(f"max_objects must be in [0, 20], got {max_objects}")
    if not 4 <= min_side <= max_side <= size:
        raise InvalidParameter(f"sides must satisfy 4 <= min_side <= max_side <= size, got {min_side} and {max_side}")
    rng = np.random.default_rng(seed)
    image = _background(rng, size)
    draw = ImageDraw.Draw(image)
    semantic = Image.new("L", (size, size), 0)
    instances = Image.new("L", (size, size), 0)
    draw_sem, draw_inst = ImageDraw.Draw(semantic), ImageDraw.Draw(instances)
    count = int(rng.integers(1, max_objects + 1)) if max_objects else 0
    boxes, labels = [], []
    for i in range(count):
        kind = int(rng.integers(3))
        side = float(rng.uniform(min_side, max_side))  # the longer side
        aspect = float(rng.choice(_ASPECTS))
        w, h = (side, side / aspect) if aspect >= 1 else (side * aspect, side)
        x, y = float(rng.uniform(0, size - w)), float(rng.uniform(0, size - h))
        color = tuple(int(c) for c in rng.integers(0, 256, size=3))
        outline = tuple(max(0, c - 60) for c in color)
        if kind == 0:
            shape = [x, y, x + w, y + h]
            draw.ellipse(shape, fill=color, outline=outline, width=2)
            draw_sem.ellipse(shape, fill=kind + 1)
            draw_inst.ellipse(shape, fill=i + 1)
        else:
            points = _polygon(kind, x, y, w, h, bool(rng.integers(2)))
            draw.polygon(points, fill=color, outline=outline, width=2)
            draw_sem.polygon(points, fill=kind + 1)
            draw_inst.polygon(points, fill=i + 1)
        boxes.append([x, y, x + w, y + h])
        labels.append(kind)
    pixels = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).permute(2, 0, 1).contiguous()
    return Scene(pixels, torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), torch.tensor(labels, dtype=torch.long),
                 torch.from_numpy(np.asarray(semantic, dtype=np.int64)), torch.from_numpy(np.asarray(instances, dtype=np.int64)))


def scenes(seeds, **kwargs) -> tuple[torch.Tensor, list[Scene]]:
    """Several scenes: (images Tensor[N, 3, S, S], the scenes)."""
    made = [scene(int(s), **kwargs) for s in seeds]
    if not made:
        raise InvalidParameter("seeds must hold at least one seed, got none")
    return torch.stack([m.image for m in made]), made
