"""Decoding untrusted image bytes, the built-in sample photos, and image <-> tensor helpers.

``load_image`` is the only way uploads enter the engine: it refuses anything that is not a
raster image, truncated files and decompression bombs with an ``ImageError`` whose message a
page can show as is, and normalises every accepted image to RGB or L, upright.
"""

import io
from functools import cache

import numpy as np
import torch
from PIL import Image, ImageOps

from cvcore.errors import ImageError, InvalidParameter

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_PIXELS",
    "ACCEPTED_TYPES",
    "load_image",
    "fit_within",
    "sample_names",
    "sample_image",
    "gray_crop",
    "to_tensor",
    "to_uint8",
    "png_bytes",
]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A 50-megapixel photo still loads (and is then downscaled); more than that in a small
# file is how decompression bombs look, so it is refused before any pixel is decoded.
MAX_PIXELS = 50_000_000
ACCEPTED_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff", "pgm", "ppm")
_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "PPM")

_SAMPLES = {
    "chelsea": "Chelsea the cat",
    "coffee": "A cup of coffee",
    "astronaut": "Astronaut Eileen Collins",
    "camera": "The cameraman (grayscale)",
    "rocket": "A rocket on the launch pad",
    "coins": "Greek coins (grayscale)",
}


def load_image(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS,
               max_side: int | None = None) -> Image.Image:
    """Decode image bytes into an upright RGB or L image.

    Applies the EXIF orientation, takes the first frame of an animated image, flattens
    transparency onto white, and maps CMYK, palette, 16-bit and float images to 8 bits.
    With ``max_side`` the result is downscaled to fit (JPEGs are decoded at reduced scale,
    which keeps big photos fast); ``info["original_size"]`` keeps the upright original size.

    Raises:
        ImageError: empty, too large, not a supported raster image, truncated or corrupt.

    >>> buf = io.BytesIO(); Image.new("RGBA", (4, 3), (255, 0, 0, 0)).save(buf, "PNG")
    >>> img = load_image(buf.getvalue()); img.mode, img.size, img.getpixel((0, 0))
    ('RGB', (4, 3), (255, 255, 255))
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError(f"expected image bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ImageError("the file is empty (0 bytes); expected an image file")
    if len(data) > max_bytes:
        raise ImageError(f"the file is {len(data) / 1e6:.1f} MB; expected at most {max_bytes / 1e6:.0f} MB")
    try:
        img = Image.open(io.BytesIO(bytes(data)), formats=_FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageError(f"refused: the image is too large to decode safely ({exc})") from exc
    except Exception as exc:  # Pillow raises many types for foreign bytes
        raise ImageError(
            "this file is not an image that can be read; expected PNG, JPEG, GIF, BMP, WebP, TIFF or PGM"
            " (SVG, PDF and other documents are not supported)"
        ) from exc
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageError(f"the image has no pixels (size {width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            f"refused: {width}x{height} = {width * height / 1e6:.0f} megapixels; expected at most "
            f"{max_pixels / 1e6:.0f} megapixels (a decompression bomb, or a photo to shrink first)"
        )
    fmt = img.format or "image"
    try:
        img.seek(0)
        # An EXIF orientation of 5-8 turns the picture by 90 degrees: width and height swap.
        turned = img.getexif().get(0x0112) in (5, 6, 7, 8)
        if max_side is not None and fmt in ("JPEG", "MPO"):
            img.draft(img.mode, (max_side, max_side))
        img.load()
        result = _to_rgb_or_l(ImageOps.exif_transpose(img))
        if max_side is not None:
            result = fit_within(result, max_side)[0]
    except Image.DecompressionBombError as exc:
        raise ImageError(f"refused: the image is too large to decode safely ({exc})") from exc
    except Exception as exc:  # truncated data, bad chunks, broken streams: many exception types
        raise ImageError(f"the {fmt} file is truncated or corrupt and cannot be decoded ({exc})") from exc
    result.info["original_size"] = (height, width) if turned else (width, height)
    return result


def _to_rgb_or_l(img: Image.Image) -> Image.Image:
    mode = img.mode
    if mode in ("RGB", "L"):
        return img.copy()
    if mode == "1":
        return img.convert("L")
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_high_depth_to_uint8(np.asarray(img), mode), mode="L")
    if mode == "P":
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
        mode = img.mode
    if mode == "PA":
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(background, rgba).convert("RGB")
        return flat.convert("L") if mode in ("LA", "La") else flat
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def _high_depth_to_uint8(arr: np.ndarray, mode: str) -> np.ndarray:
    arr = arr.astype(np.float64)
    if mode == "F":
        lo, hi = float(arr.min()), float(arr.max())
        scaled = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
    elif arr.min() >= 0 and arr.max() <= 65535:  # 16-bit grey (PNG, TIFF, PGM)
        scaled = arr / 257.0
    else:
        lo, hi = float(arr.min()), float(arr.max())
        scaled = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def fit_within(image: Image.Image, max_side: int) -> tuple[Image.Image, bool]:
    """Downscale so the longer side is at most ``max_side``; returns (image, was_downscaled).

    >>> small, changed = fit_within(Image.new("L", (400, 100)), 200); small.size, changed
    ((200, 50), True)
    """
    if max_side < 1:
        raise InvalidParameter(f"max_side must be >= 1, got {max_side}")
    width, height = image.size
    if max(width, height) <= max_side:
        return image, False
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0), True


def sample_names() -> dict[str, str]:
    """The built-in sample photos (scikit-image's data set, shipped offline): name -> caption."""
    return dict(_SAMPLES)


@cache
def _sample_array(name: str) -> np.ndarray:
    from skimage import data  # imported lazily: scikit-image is slow to import

    arr = getattr(data, name)()
    arr.setflags(write=False)
    return arr


def sample_image(name: str) -> Image.Image:
    """A sample photo by name (see ``sample_names``) as an RGB or L image."""
    if name not in _SAMPLES:
        raise InvalidParameter(f"sample must be one of {sorted(_SAMPLES)}, got {name!r}")
    arr = _sample_array(name)
    return Image.fromarray(np.ascontiguousarray(arr), mode="L" if arr.ndim == 2 else "RGB")


def gray_crop(image: Image.Image, n: int, *, zoom: float = 1.0, center: tuple[float, float] = (0.5, 0.5),
              rgb: bool = False) -> torch.Tensor:
    """A square grayscale crop of ``image`` downsampled to ``n x n`` integer intensities 0..255.

    ``zoom`` >= 1 narrows the crop around ``center`` (fractions of width and height), so a
    learner can pick out e.g. the cat's eye as a 16x16 grid. With ``rgb`` the three colour
    channels are kept instead.

    Returns:
        Tensor[n, n] (float64, whole numbers), or Tensor[3, n, n] with ``rgb``

    >>> gray_crop(Image.new("L", (50, 30), 200), 4).tolist()[0]
    [200.0, 200.0, 200.0, 200.0]
    """
    if not 1 <= n <= 256:
        raise InvalidParameter(f"n must be between 1 and 256, got {n}")
    if zoom < 1:
        raise InvalidParameter(f"zoom must be >= 1, got {zoom}")
    width, height = image.size
    side = min(width, height) / zoom
    cx = min(max(center[0] * width, side / 2), width - side / 2)
    cy = min(max(center[1] * height, side / 2), height - side / 2)
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    small = image.convert("RGB" if rgb else "L").resize((n, n), Image.Resampling.BOX, box=box)
    arr = np.asarray(small, dtype=np.float64)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1) if rgb else arr))


def to_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB or L image as Tensor[C, H, W] float32 in [0, 1].

    >>> to_tensor(Image.new("RGB", (5, 2), (255, 0, 0))).shape
    torch.Size([3, 2, 5])
    """
    arr = np.asarray(image, dtype=np.float32) / 255.0
    if arr.ndim == 2:
        arr = arr[None]
    else:
        arr = arr.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(arr))


def to_uint8(values: torch.Tensor, *, symmetric: bool = False) -> np.ndarray:
    """Map a Tensor[H, W] (or [C, H, W]) of any range to a displayable uint8 array.

    ``symmetric`` maps 0 to mid-grey, for signed responses such as edge detectors.
    """
    x = values.detach().to("cpu", torch.float64)
    if x.ndim == 3:
        x = x.permute(1, 2, 0)
        if x.shape[2] == 1:
            x = x[..., 0]
    if symmetric:
        bound = float(x.abs().max())
        x = (x / bound + 1) / 2 if bound > 0 else torch.full_like(x, 0.5)
    else:
        lo, hi = float(x.min()), float(x.max())
        x = (x - lo) / (hi - lo) if hi > lo else torch.zeros_like(x)
    return (x * 255).round().clamp(0, 255).to(torch.uint8).numpy()


def png_bytes(image: np.ndarray | Image.Image, *, compress_level: int = 6) -> bytes:
    """An image (uint8 [H, W] or [H, W, 3], or a PIL image) encoded as PNG: the bytes a page sends to the browser
    or offers as a download. ``compress_level`` trades size for time (1: fastest, 9: smallest; Pillow's default 6).

    >>> png_bytes(np.zeros((2, 3), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    >>> load_image(png_bytes(Image.new("RGB", (5, 2), (255, 0, 0)))).size
    (5, 2)
    """
    picture = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()
