"""Printable cards of the shapes world (ellipse, rectangle, triangle), to hold up to a camera for the tiny YOLO.

One A4 page at 150 dpi: six cards, two of each shape, in the solid colours and darker outlines the generated
scenes use. Printed at 100 % a shape is about 7 cm across; held so it fills a third to a half of the camera's
centre square, it appears at the sizes the detector was trained on (16 to 56 px of its 128).
"""

import io

from PIL import Image, ImageDraw

from cvcore.data.shapes import CLASSES
from cvcore.images import png_bytes

__all__ = ["A4_150DPI", "cards_sheet", "cards_pdf", "cards_png"]

A4_150DPI = (1240, 1754)  # width, height in pixels
_CARDS = (("ellipse", (214, 40, 57)), ("rectangle", (38, 70, 173)), ("triangle", (252, 191, 73)),
          ("triangle", (42, 157, 143)), ("ellipse", (131, 56, 236)), ("rectangle", (244, 112, 40)))


def cards_sheet() -> Image.Image:
    """The page of six cards (RGB, ``A4_150DPI``), each card labelled with its class name.

    >>> cards_sheet().size
    (1240, 1754)
    """
    page = Image.new("RGB", A4_150DPI, "white")
    draw = ImageDraw.Draw(page)
    card_w, card_h, margin = 560, 520, 40
    for i, (kind, color) in enumerate(_CARDS):
        col, row = i % 2, i // 2
        x0, y0 = margin + col * (card_w + margin), margin + row * (card_h + margin)
        draw.rectangle((x0, y0, x0 + card_w, y0 + card_h), outline=(180, 180, 180), width=2)  # cutting line
        outline = tuple(max(0, c - 60) for c in color)
        x, y, w, h = x0 + 100, y0 + 70, card_w - 200, card_h - 170
        if kind == "ellipse":
            draw.ellipse((x, y, x + w, y + h), fill=color, outline=outline, width=8)
        elif kind == "rectangle":
            draw.rectangle((x, y + h * 0.15, x + w, y + h * 0.85), fill=color, outline=outline, width=8)
        else:
            draw.polygon([(x + w / 2, y), (x + w, y + h), (x, y + h)], fill=color, outline=outline, width=8)
        draw.text((x0 + 16, y0 + card_h - 40), f"{kind} (class {CLASSES.index(kind) + 1} of {len(CLASSES)})",
                  fill=(90, 90, 90), font_size=28)
    return page


def cards_png() -> bytes:
    """The page as PNG bytes."""
    return png_bytes(cards_sheet())


def cards_pdf() -> bytes:
    """The page as a one-page PDF (A4 at 150 dpi), for printing at 100 %."""
    buffer = io.BytesIO()
    cards_sheet().save(buffer, format="PDF", resolution=150)
    return buffer.getvalue()
