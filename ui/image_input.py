"""Image input used by every lab: a sample photo, an upload, or the camera."""

import streamlit as st
from PIL import Image

from cvcore import images
from cvcore.errors import ImageError

__all__ = ["IMAGE_SOURCES", "MAX_SIDE", "image_input", "selected_sample"]

MAX_SIDE = 1024
IMAGE_SOURCES = ("Sample", "Upload", "Camera")


def image_input(key: str, *, default_sample: str = "chelsea", label: str = "Image") -> "Image.Image | None":
    """Let the learner pick an image; returns an RGB/L image at most ``MAX_SIDE`` px, or None.

    The choice lives in ``st.session_state[f"{key}_source"]`` and ``[f"{key}_sample"]`` (a page
    that lists them among its settings gets them into its links).
    Uploads are decoded in memory (never written to disk) by ``cvcore.images.load_image``;
    a bad file gives an ``st.error`` and ``None``, and the page carries on.
    """
    samples = images.sample_names()
    source_key, sample_key = f"{key}_source", f"{key}_sample"
    st.session_state.setdefault(source_key, "Sample")
    st.session_state.setdefault(sample_key, default_sample)
    source = st.radio(label, IMAGE_SOURCES, key=source_key, horizontal=True)
    if source == "Sample":
        name = st.selectbox("Sample photo", list(samples), key=sample_key, format_func=lambda n: samples[n])
        return images.fit_within(images.sample_image(name), MAX_SIDE)[0]
    if source == "Upload":
        upload = st.file_uploader(
            "Upload an image", type=list(images.ACCEPTED_TYPES), key=f"{key}_upload",
            help=f"PNG, JPEG, GIF, BMP, WebP, TIFF or PGM, up to {images.MAX_UPLOAD_BYTES // 2**20} MB. "
                 "The file stays in memory for this session only.",
        )
        data = upload.getvalue() if upload is not None else None
    else:
        shot = st.camera_input("Take a picture", key=f"{key}_camera")
        data = shot.getvalue() if shot is not None else None
    if data is None:
        st.info("No image yet: upload one or take a picture, or switch to a sample.")
        return None
    try:
        image = images.load_image(data, max_side=MAX_SIDE)
    except ImageError as exc:
        st.error(f"Could not use this image: {exc}")
        return None
    original = image.info.get("original_size", image.size)
    if tuple(original) != image.size:
        st.info(f"This photo is {original[0]}x{original[1]} pixels; it was scaled down to {image.size[0]}x{image.size[1]}.")
    return image


def selected_sample(key: str) -> "str | None":
    """The sample photo's name if ``image_input(key)`` currently shows a sample, else None."""
    if st.session_state.get(f"{key}_source", "Sample") != "Sample":
        return None
    return st.session_state.get(f"{key}_sample")
