"""Exceptions raised by the engine for bad input.

Every exception is a ``ValueError`` so callers that only know the standard library
still catch it; pages show ``str(exc)`` with ``st.error``. Messages say what was
expected and what was received.
"""

__all__ = ["CvcoreError", "InvalidParameter", "ImageError", "WeightsUnavailable"]


class CvcoreError(ValueError):
    """Base class of every error the engine raises for input it cannot use."""


class InvalidParameter(CvcoreError):
    """A setting is out of range or inconsistent with the others (e.g. stride 0)."""


class ImageError(CvcoreError):
    """Bytes that are not a usable image: not an image at all, truncated, or too large."""


class WeightsUnavailable(CvcoreError):
    """Pretrained weights could not be found, verified or downloaded.

    The message says where the engine looked and how to provide the file.
    """
