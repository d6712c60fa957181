"""Style images the app draws itself, so the style-transfer lab works offline: each is generated
deterministically from its name and a seed (no files are shipped).

- ``mosaic``: stained glass, Voronoi cells of saturated colours with dark lead lines;
- ``brush``: short thick brush strokes in a warm palette, criss-crossing;
- ``swirls``: concentric, twisting bands of blue and yellow (a starry-night feel);
- ``stripes``: bold diagonal zig-zag stripes in black, red and cream.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from cvcore.errors import InvalidParameter

__all__ = ["STYLE_IMAGES", "style_image"]

STYLE_IMAGES = {
    "mosaic": "Stained-glass mosaic",
    "brush": "Brush strokes",
    "swirls": "Blue and yellow swirls",
    "stripes": "Zig-zag stripes",
}


def style_image(name: str, size: int = 256, *, seed: int = 0) -> Image.Image:
    """A generated ``size`` x ``size`` RGB style image.

    >>> style_image("mosaic", 64).size
    (64, 64)
    >>> import numpy as np; bool((np.asarray(style_image("swirls", 32)) == np.asarray(style_image("swirls", 32))).all())
    True
    """
    if name not in STYLE_IMAGES:
        raise InvalidParameter(f"style image must be one of {sorted(STYLE_IMAGES)}, got {name!r}")
    if not 16 <= size <= 2048:
        raise InvalidParameter(f"size must be between 16 and 2048, got {size}")
    rng = np.random.default_rng(seed)
    return {"mosaic": _mosaic, "brush": _brush, "swirls": _swirls, "stripes": _stripes}[name](size, rng)


def _mosaic(size: int, rng: np.random.Generator) -> Image.Image:
    palette = np.array([[200, 30, 40], [20, 60, 170], [240, 190, 20], [30, 140, 60], [120, 40, 150], [250, 120, 20],
                        [40, 170, 200]], dtype=np.float32)
    n = 48
    seeds = rng.uniform(0, size, size=(n, 2))
    colors = palette[rng.integers(0, len(palette), n)] * rng.uniform(0.75, 1.1, size=(n, 1))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = (xx[..., None] - seeds[:, 0]) ** 2 + (yy[..., None] - seeds[:, 1]) ** 2  # [H, W, n]
    order = np.sort(d, axis=2)
    nearest = d.argmin(2)
    picture = colors[nearest]
    edge = np.sqrt(order[..., 1]) - np.sqrt(order[..., 0]) < max(2.0, size / 90)  # lead lines between cells
    picture[edge] = (25, 20, 20)
    shade = 0.85 + 0.15 * np.sin(xx / size * 9 + yy / size * 5)[..., None]  # light through old glass
    return Image.fromarray(np.clip(picture * shade, 0, 255).astype(np.uint8))


def _brush(size: int, rng: np.random.Generator) -> Image.Image:
    palette = [(230, 120, 30), (200, 40, 40), (250, 210, 80), (90, 50, 30), (30, 90, 140), (240, 240, 220)]
    image = Image.new("RGB", (size, size), (120, 70, 40))
    draw = ImageDraw.Draw(image)
    width = max(2, size // 28)
    for _ in range(420):
        x, y = rng.uniform(-0.1, 1.1, 2) * size
        angle = rng.normal(0.6 if rng.random() < 0.5 else -0.9, 0.25)
        length = rng.uniform(0.06, 0.16) * size
        dx, dy = np.cos(angle) * length, np.sin(angle) * length
        color = palette[rng.integers(0, len(palette))]
        draw.line([(x, y), (x + dx, y + dy)], fill=color, width=int(width * rng.uniform(0.7, 1.4)))
    return image.filter(ImageFilter.SMOOTH)


def _swirls(size: int, rng: np.random.Generator) -> Image.Image:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    field = np.zeros((size, size), dtype=np.float32)
    for _ in range(5):
        cx, cy = rng.uniform(0.1, 0.9, 2)
        r = np.hypot(xx - cx, yy - cy)
        theta = np.arctan2(yy - cy, xx - cx)
        field += np.sin(r * 40 + theta * 2 + 6 * np.exp(-r * 6)) * np.exp(-r * 2.5)
    t = (np.tanh(field * 1.5) + 1) / 2  # [H, W] in [0, 1]
    dark, mid, light = np.array([15, 35, 110.0]), np.array([60, 110, 190.0]), np.array([245, 215, 70.0])
    picture = np.where(t[..., None] < 0.5, dark + (mid - dark) * (t[..., None] * 2),
                       mid + (light - mid) * ((t[..., None] - 0.5) * 2))
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def _stripes(size: int, rng: np.random.Generator) -> Image.Image:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    period = 0.09 + 0.02 * rng.random()
    zig = np.abs(((xx * 6) % 2) - 1) * 0.12  # a zig-zag offset along x
    band = np.floor((yy + zig + xx * 0.3) / period).astype(int) % 3
    colors = np.array([[20, 20, 20], [200, 30, 35], [245, 235, 210]], dtype=np.uint8)
    return Image.fromarray(colors[band])
