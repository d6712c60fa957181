"""cvcore.images.load_image on hostile and unusual files, built in the tests with Pillow."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from cvcore import images
from cvcore.errors import ImageError


def _png(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", **kw)
    return buf.getvalue()


def _jpeg(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", **kw)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with a tiny (wrong) data chunk: how bombs look."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"hello, this is a text file renamed to .png\n" * 20, "not an image"),
    (b'<?xml version="1.0"?><svg width="10" height="10"><rect width="10" height="10"/></svg>', "not an image"),
    (bytes(range(256)) * 40, "not an image"),
])
def test_refuses_non_images(data, fragment):
    with pytest.raises(ImageError, match=fragment):
        images.load_image(data)


def test_refuses_pdf():
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, "PDF")
    assert buf.getvalue().startswith(b"%PDF")
    with pytest.raises(ImageError, match="PDF and other documents are not supported"):
        images.load_image(buf.getvalue())


@pytest.mark.parametrize("encode", [_png, _jpeg])
def test_refuses_truncated_files(encode):
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8))
    data = encode(noise)
    with pytest.raises(ImageError, match="truncated or corrupt"):
        images.load_image(data[: len(data) // 2])


def test_refuses_corrupted_data():
    data = bytearray(_png(Image.new("RGB", (64, 64), "blue")))
    data[60:80] = b"\xff" * 20  # inside the compressed pixel data
    with pytest.raises(ImageError):
        images.load_image(bytes(data))


@pytest.mark.parametrize("side", [9_000, 40_000])
def test_refuses_decompression_bombs_before_decoding(side):
    bomb = _png_header_only(side, side)
    assert len(bomb) < 200
    with pytest.raises(ImageError, match="refused"):
        images.load_image(bomb)


def test_refuses_files_over_the_size_cap():
    with pytest.raises(ImageError, match="expected at most"):
        images.load_image(b"\x89PNG" + b"\x00" * 2000, max_bytes=1000)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    img = images.load_image(buf.getvalue())
    assert img.mode == "RGB" and img.getpixel((8, 8)) == (255, 0, 0)


def test_cmyk_jpeg_becomes_rgb():
    img = images.load_image(_jpeg(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), quality=95))  # pure red in CMYK
    r, g, b = img.getpixel((16, 16))
    assert img.mode == "RGB" and r > 200 and g < 60 and b < 60


def test_16_bit_png_is_scaled_to_8_bits():
    arr = np.array([[0, 32896, 65535]], dtype=np.uint16)
    img = images.load_image(_png(Image.fromarray(arr)))
    assert img.mode == "L" and [img.getpixel((i, 0)) for i in range(3)] == [0, 128, 255]


def test_palette_png_with_transparency_is_flattened_on_white():
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([255, 0, 0] + [0, 255, 0] * 255)
    pal.putpixel((0, 0), 1)
    img = images.load_image(_png(pal, transparency=0))
    assert img.mode == "RGB"
    assert img.getpixel((1, 1)) == (255, 255, 255)  # index 0 is transparent
    assert img.getpixel((0, 0)) == (0, 255, 0)


def test_exif_rotated_photo_is_upright():
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 10, 10))  # red in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    img = images.load_image(_jpeg(stored, exif=exif.tobytes(), quality=95))
    assert img.size == (20, 40)
    r, g, b = img.getpixel((17, 2))  # after a clockwise turn the corner is at the top right
    assert r > 200 and b < 60
    assert img.info["original_size"] == (20, 40)


def test_grayscale_and_bilevel_images_stay_single_channel():
    assert images.load_image(_png(Image.new("L", (5, 5), 77))).mode == "L"
    assert images.load_image(_png(Image.new("1", (5, 5), 1))).getpixel((0, 0)) == 255
    la = Image.new("LA", (3, 3), (0, 0))
    assert images.load_image(_png(la)).getpixel((0, 0)) == 255


def test_very_large_photo_is_downscaled_and_remembers_its_size():
    big = Image.fromarray(np.random.default_rng(1).integers(0, 255, (2000, 3000, 3), dtype=np.uint8))
    img = images.load_image(_jpeg(big), max_side=1024)
    assert max(img.size) == 1024 and img.size == (1024, 683)
    assert img.info["original_size"] == (3000, 2000)


def test_samples_and_crops():
    for name in images.sample_names():
        img = images.sample_image(name)
        assert img.mode in ("RGB", "L") and min(img.size) >= 256
    crop = images.gray_crop(images.sample_image("chelsea"), 16, zoom=2.0)
    assert crop.shape == (16, 16) and crop.min() >= 0 and crop.max() <= 255
    assert bool((crop == crop.round()).all())
    assert images.gray_crop(images.sample_image("chelsea"), 8, rgb=True).shape == (3, 8, 8)
    with pytest.raises(ValueError, match="sample must be one of"):
        images.sample_image("dog")


def test_png_bytes_round_trips_arrays_and_images_pixel_for_pixel():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20  # [3, 4]
    rgb = np.stack([gray, 255 - gray, np.full_like(gray, 7)], axis=2)  # [3, 4, 3]
    for picture in (gray, rgb, Image.fromarray(rgb)):
        for level in (1, 6):
            data = images.png_bytes(picture, compress_level=level)
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(picture))
