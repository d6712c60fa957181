"""Image input used by every lab: a sample photo, an upload, or the camera."""

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st
from PIL import Image

from cvcore import images
from cvcore.errors import ImageError
from ui.settings import PERSIST

__all__ = ["IMAGE_SOURCES", "MAX_SIDE", "Wording", "image_input", "selected_sample"]

MAX_SIDE = 1024
IMAGE_SOURCES = ("Sample", "Upload", "Camera")


@dataclass(frozen=True)
class Wording:
    """What the picker says: the uploader's label and help, the hint while there is no image, the error's start."""

    upload: str = "Upload an image"
    upload_help: str = (f"PNG, JPEG, GIF, BMP, WebP, TIFF or PGM, up to {images.MAX_UPLOAD_BYTES // 2**20} MB. "
                        "The file stays in memory for this session only.")
    missing: str = "No image yet: upload one or take a picture, or switch to a sample."
    failed: str = "Could not use this image"


def image_input(key: str, *, default_sample: str = "chelsea", label: str = "Image",
                samples: Mapping[str, tuple[str, Image.Image]] | None = None, sample_key: str | None = None,
                wording: Wording = Wording(), extra_sources: tuple[str, ...] = ()) -> Image.Image | None:
    """Let the learner pick an image; returns an RGB/L image at most ``MAX_SIDE`` px, or None.

    The choice lives in ``st.session_state[f"{key}_source"]`` and ``[f"{key}_sample"]`` (or ``[sample_key]``; a
    page that lists them among its settings gets them into its links). ``samples`` (name -> (label, image)) replaces
    the app's sample photos; ``wording`` what the picker says. ``extra_sources`` are more choices for the radio
    that the caller handles itself (e.g. a live camera): while one is chosen this returns None and draws nothing more.
    The source and the sample keep their values while not drawn, like a lab's settings (``ui.settings.PERSIST``).
    Uploads are decoded in memory (never written to disk) by ``cvcore.images.load_image``;
    a bad file gives an ``st.error`` and ``None``, and the page carries on.
    """
    source_key, sample_key = f"{key}_source", sample_key or f"{key}_sample"
    st.session_state.setdefault(source_key, "Sample")
    st.session_state.setdefault(sample_key, default_sample)
    source = st.radio(label, IMAGE_SOURCES + tuple(extra_sources), key=source_key, horizontal=True,
                      persist_state=PERSIST)
    if source in extra_sources:
        return None
    if source == "Sample":
        labels = images.sample_names() if samples is None else {name: text for name, (text, _) in samples.items()}
        name = st.selectbox("Sample photo", list(labels), key=sample_key, format_func=lambda n: labels[n],
                            persist_state=PERSIST)
        picture = images.sample_image(name) if samples is None else samples[name][1]
        return images.fit_within(picture, MAX_SIDE)[0]
    if source == "Upload":
        upload = st.file_uploader(wording.upload, type=list(images.ACCEPTED_TYPES), key=f"{key}_upload",
                                  help=wording.upload_help)
        data = upload.getvalue() if upload is not None else None
    else:
        shot = st.camera_input("Take a picture", key=f"{key}_camera")
        data = shot.getvalue() if shot is not None else None
    if data is None:
        st.info(wording.missing)
        return None
    try:
        image = images.load_image(data, max_side=MAX_SIDE)
    except ImageError as exc:
        st.error(f"{wording.failed}: {exc}")
        return None
    original = image.info.get("original_size", image.size)
    if tuple(original) != image.size:
        st.info(f"This photo is {original[0]}x{original[1]} pixels; it was scaled down to {image.size[0]}x{image.size[1]}.")
    return image


def selected_sample(key: str) -> str | None:
    """The sample photo's name if ``image_input(key)`` currently shows a sample, else None."""
    if st.session_state.get(f"{key}_source", "Sample") != "Sample":
        return None
    return st.session_state.get(f"{key}_sample")
