"""A corpus of hostile and awkward image files, generated in memory (never stored in the repository).

``corpus()`` returns ``HostileFile``s: malformed files that the app must refuse with a clear message
(``expect="refused"``), valid but unusual images it must accept (``"accepted"``), and a few whose
outcome depends on how forgiving the decoder is (``"either"``): what matters for those is that the
page keeps working. Run ``python tests/hostile_corpus.py DIR`` to write the files into DIR, for
trying them by hand in a browser.
"""

import io
import struct
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["HostileFile", "corpus"]


@dataclass(frozen=True)
class HostileFile:
    name: str
    data: bytes
    expect: str  # "refused", "accepted" or "either"
    why: str


def _encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _photo(size=(96, 64), mode="RGB") -> Image.Image:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    arr[: size[1] // 2] //= 2  # some structure, so an orientation is visible
    return Image.fromarray(arr, "RGB").convert(mode)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header announces ``width`` x ``height`` pixels but whose data is a few bytes: a bomb's shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _png_bomb(side: int) -> bytes:
    """A real zlib stream of ``side`` x ``side`` black pixels: a few hundred KB that inflate to side^2 bytes."""
    row = b"\x00" + b"\x00" * side
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small valid JPEG whose SOF header is patched to announce another size."""
    data = bytearray(_encode(_photo((16, 16)), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encode(_photo((8, 8)).convert("P"), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def _animated_gif() -> bytes:
    frames = [Image.new("P", (40, 30), i * 60) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buf.getvalue()


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    return _encode(_photo((80, 40)), "JPEG", exif=exif.tobytes())


def _palette_transparent() -> bytes:
    img = _photo((48, 48)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return _encode(img, "PNG", transparency=0)


def _png_bad_crc() -> bytes:
    data = bytearray(_encode(_photo((32, 32)), "PNG"))
    at = data.index(b"IDAT") + 20
    data[at:at + 8] = b"\xde\xad\xbe\xef" * 2
    return bytes(data)


def _tiff_bad_offset() -> bytes:
    data = bytearray(_encode(_photo((16, 16)), "TIFF"))
    data[4:8] = struct.pack("<I", 0x7FFFFFF0)  # first IFD far past the end
    return bytes(data)


def _bmp_bad_header() -> bytes:
    data = bytearray(_encode(_photo((16, 16)), "BMP"))
    data[18:26] = struct.pack("<ii", 1 << 30, -(1 << 30))
    return bytes(data)


_SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<script>alert(1)</script><circle cx="50" cy="50" r="40"/></svg>')
_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")


@lru_cache(maxsize=1)
def corpus() -> tuple[HostileFile, ...]:
    """Every file of the corpus (about 50), built deterministically in a second or two."""
    png = _encode(_photo(), "PNG")
    jpeg = _encode(_photo(), "JPEG", quality=85)
    gif = _encode(_photo().convert("P"), "GIF")
    webp = _encode(_photo(), "WEBP")
    tiff = _encode(_photo(), "TIFF")
    bmp = _encode(_photo(), "BMP")
    gray16 = Image.fromarray(np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 21)  # I;16
    refused = [
        ("empty.png", b"", "zero bytes"),
        ("one-byte.jpg", b"\xff", "a single byte"),
        ("nul-bytes.png", b"\x00" * 4096, "4 KB of zero bytes"),
        ("random.jpg", np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes(), "random bytes"),
        ("notes.txt.png", b"this is a text file renamed to .png\n" * 20, "text renamed .png"),
        ("page.html.jpg", b"<html><script>alert('x')</script></html>", "HTML with a script renamed .jpg"),
        ("drawing.svg", _SVG, "an SVG drawing (with a script)"),
        ("drawing.svg.png", _SVG, "an SVG renamed .png"),
        ("document.pdf", _PDF, "a PDF"),
        ("document.pdf.png", _PDF, "a PDF renamed .png"),
        ("archive.zip.png", b"PK\x03\x04" + b"\x00" * 200, "a ZIP header renamed .png"),
        ("gzip.gz.jpg", zlib.compress(b"x" * 1000), "a zlib stream renamed .jpg"),
        ("program.exe.bmp", b"MZ\x90\x00" + b"\x00" * 500, "a Windows program renamed .bmp"),
        ("elf.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 500, "a Linux program renamed .png"),
        ("script.py.png", b"import os\nos.system('rm -rf /')\n", "Python source renamed .png"),
        ("data.json.webp", b'{"image": "no"}', "JSON renamed .webp"),
        ("postscript.eps.tif", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "EPS renamed .tif"),
        ("icon.ico.png", _encode(_photo((32, 32)), "ICO"), "a Windows icon (not a supported format)"),
        ("heic.heic.jpg", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 300, "an HEIC header renamed .jpg"),
        ("png-signature-only.png", b"\x89PNG\r\n\x1a\n", "the PNG signature and nothing else"),
        ("png-signature-garbage.png", b"\x89PNG\r\n\x1a\n" + b"\xab" * 300, "the PNG signature then garbage"),
        ("png-truncated-half.png", png[: len(png) // 2], "a PNG cut in half"),
        ("png-truncated-header.png", png[:40], "a PNG cut after its header"),
        ("png-zero-size.png", _png_claiming(0, 0), "a PNG header claiming 0x0 pixels"),
        ("jpeg-truncated-half.jpg", jpeg[: len(jpeg) // 2], "a JPEG cut in half"),
        ("jpeg-soi-only.jpg", b"\xff\xd8", "only the JPEG start marker"),
        ("jpeg-soi-garbage.jpg", b"\xff\xd8\xff" + b"\x17" * 400, "the JPEG start marker then garbage"),
        ("gif-truncated.gif", gif[:30], "a GIF cut after its header"),
        ("webp-truncated.webp", webp[:40], "a WebP cut after its header"),
        ("tiff-truncated.tif", tiff[:60], "a TIFF cut after its header"),
        ("tiff-bad-offset.tif", _tiff_bad_offset(), "a TIFF whose directory points past the end"),
        ("bmp-truncated.bmp", bmp[:70], "a BMP cut after its header"),
        ("bmp-bad-header.bmp", _bmp_bad_header(), "a BMP claiming 2^30 x 2^30 pixels"),
        ("bomb-header-png.png", _png_claiming(100_000, 100_000), "a PNG claiming 10 gigapixels"),
        ("bomb-30000px.png", _png_claiming(30_000, 30_000), "a 30,000 x 30,000 px PNG header"),
        ("bomb-inflating.png", _png_bomb(10_000), "a real 100-megapixel PNG in a few hundred KB"),
        ("bomb-jpeg.jpg", _jpeg_claiming(60_000, 60_000), "a JPEG claiming 60,000 x 60,000 px"),
        ("bomb-gif.gif", _gif_claiming(65_535, 65_535), "a GIF claiming 65,535 x 65,535 px"),
        ("riff-garbage.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x01" * 200, "a WebP header then garbage"),
        ("gif-garbage.gif", b"GIF89a" + b"\x02" * 200, "the GIF signature then garbage"),
        ("pgm-bad-header.pgm", b"P5\n-4 99999999999\n255\n" + b"\x00" * 100, "a PGM with a nonsense size"),
        ("too-big.jpg", jpeg + b"\x00" * (21 * 2**20), "21 MB, over the upload cap"),
    ]
    accepted = [
        ("tiny-1x1.png", _encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"), "a single pixel"),
        ("wide-30000x24.png", _encode(Image.new("L", (30_000, 24), 128), "PNG"), "30,000 px wide, 24 px high"),
        ("tall-20x30000.png", _encode(Image.new("RGB", (20, 30_000), (0, 90, 0)), "PNG"), "30,000 px high"),
        ("cmyk.jpg", _encode(_photo(mode="CMYK"), "JPEG"), "a CMYK JPEG"),
        ("gray-16bit.png", _encode(gray16, "PNG"), "a 16-bit grey PNG"),
        ("gray-16bit.tif", _encode(gray16, "TIFF"), "a 16-bit grey TIFF"),
        ("float.tif", _encode(Image.fromarray(np.linspace(-3, 7, 32 * 32, dtype=np.float32).reshape(32, 32)),
                              "TIFF"), "a 32-bit float TIFF"),
        ("palette-transparent.png", _palette_transparent(), "a palette PNG with a transparent colour"),
        ("rgba.png", _encode(_photo(mode="RGBA"), "PNG"), "RGBA"),
        ("gray-alpha.png", _encode(_photo(mode="LA"), "PNG"), "grey with alpha"),
        ("bilevel.png", _encode(_photo(mode="1"), "PNG"), "black and white (1 bit)"),
        ("animated.gif", _animated_gif(), "an animated GIF (4 frames)"),
        ("exif-rotated.jpg", _exif_rotated(), "a JPEG with EXIF orientation 6"),
        ("progressive.jpg", _encode(_photo(), "JPEG", progressive=True), "a progressive JPEG"),
        ("photo.webp", webp, "WebP"),
        ("photo.bmp", bmp, "BMP"),
        ("gray.pgm", _encode(_photo(mode="L"), "PPM"), "PGM"),
        ("huge-valid.jpg", _encode(Image.new("RGB", (7000, 5000), (30, 60, 90)), "JPEG", quality=70),
         "a valid 35-megapixel JPEG"),
        ("png-with-trailing-junk.png", png + b"junk after IEND" * 10, "bytes after the end of a valid PNG"),
    ]
    either = [
        ("png-bad-crc.png", _png_bad_crc(), "a PNG whose pixel data was overwritten (checksum wrong)"),
    ]
    files = [HostileFile(n, d, "refused", w) for n, d, w in refused]
    files += [HostileFile(n, d, "accepted", w) for n, d, w in accepted]
    files += [HostileFile(n, d, "either", w) for n, d, w in either]
    return tuple(files)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    out.mkdir(parents=True, exist_ok=True)
    for f in corpus():
        (out / f.name).write_bytes(f.data)
    print(f"{len(corpus())} files in {out}")
