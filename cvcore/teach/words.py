"""Numbers in sentences: the article a number takes ("an 8x8 input", "a 32x32x3 input"), a count with its noun in
the right number ("1 channel", "3 channels"), and a term added or taken away ("+ 0.5", "- 0.5"), never "+ -0.5" or
a negative zero."""

import math

__all__ = ["article", "count", "plain", "signed"]

_AN_LETTERS = set("aeiofhlmnrsx")  # a letter alone is read by its name: "an f x f window", "an n-wide input"


def article(word: object, *, start: bool = False) -> str:
    """"a" or "an" for ``word`` as it is read aloud: a number by its first spoken word (eight, eleven, eighteen,
    eighty-...), a single letter by its name, another word by its first letter. ``start``: capitalised.

    >>> [article(w) for w in (8, "8x8", "32x32x3", 11, 18, 110, 1100, 11000, 80, 800, 1)]
    ['an', 'an', 'a', 'an', 'an', 'a', 'a', 'an', 'an', 'an', 'a']
    >>> article("input", start=True), article("f"), article("kernel")
    ('An', 'an', 'a')
    """
    text = str(word).strip()
    digits = ""
    for ch in text.replace(",", ""):
        if not ch.isdigit():
            break
        digits += ch
    if digits:
        an = digits[0] == "8" or (digits[:2] in ("11", "18") and len(digits) % 3 == 2)
    elif len(text) == 1 or not text[1:2].isalpha():
        an = text[:1].lower() in _AN_LETTERS
    else:
        an = text[:1].lower() in "aeio"
    word_ = "an" if an else "a"
    return word_.capitalize() if start else word_


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and its noun: "1 channel", "4 channels", "2 boxes" (``many`` for irregular plurals).

    >>> count(1, "channel"), count(3, "channel"), count(0, "box", "boxes")
    ('1 channel', '3 channels', '0 boxes')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def plain(value: float, digits: int = 6) -> str:
    """``value`` with ``digits`` decimals, and 0 for what rounds to zero (never "-0.000000").

    >>> plain(-0.0000001), plain(-0.25, 2)
    ('0.000000', '-0.25')
    """
    text = f"{float(value):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def signed(value: float, digits: int = 6) -> str:
    """``value`` as a term added to what comes before it: "+ 0.500000" or "- 0.500000" (a rounded zero is added).

    >>> signed(0.5, 2), signed(-0.5, 2), signed(-0.0000001)
    ('+ 0.50', '- 0.50', '+ 0.000000')
    """
    text = plain(value, digits)
    if math.isfinite(float(value)) and text.startswith("-"):
        return "- " + text[1:]
    return "+ " + text
