"""The class-map overlay: the picture in grey with each class's colour blended in, against the formula, and every
painted pixel nearest to its own class's legend colour."""

import numpy as np
import pytest

from cvcore.errors import InvalidParameter
from cvcore.viz import segmentation as colors


def test_the_overlay_is_the_blending_formula_over_the_picture_in_grey():
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    classes = rng.integers(0, 4, size=(20, 30))
    for alpha in (0.0, 0.3, 0.55, 1.0):
        grey = 0.299 * picture[..., 0] + 0.587 * picture[..., 1] + 0.114 * picture[..., 2]  # [H, W]
        expected = np.repeat(grey[..., None], 3, axis=2)
        painted = classes > 0
        expected[painted] = (1 - alpha) * expected[painted] + alpha * colors.CLASS_COLORS[classes[painted]]
        out = colors.overlay(picture, classes, alpha)
        assert out.dtype == np.uint8 and out.shape == picture.shape
        np.testing.assert_allclose(out, expected, rtol=0, atol=0.5 + 1e-3)  # rounded to whole numbers
    np.testing.assert_array_equal(colors.overlay(picture, classes, 1.0)[classes > 0], colors.CLASS_COLORS[classes[classes > 0]])


def test_the_legend_shows_each_colour_over_mid_grey_at_the_overlays_opacity():
    for alpha in (0.2, 0.55, 0.8, 1.0):
        expected = np.round((1 - alpha) * colors.LEGEND_GREY + alpha * colors.CLASS_COLORS.astype(float))
        np.testing.assert_allclose(colors.legend_colors(alpha)[1:], expected[1:], rtol=0, atol=0.5 + 1e-3)


def test_every_painted_pixel_is_nearest_to_its_own_legend_colour_over_every_grey():
    greys = np.linspace(0, 255, 1021)  # every brightness a pixel of the picture can have, in quarter steps
    picture = np.repeat(greys[None, :, None], 3, axis=2).round().astype(np.uint8)  # [1, 1021, 3], grey already
    for alpha in np.arange(0.2, 1.0001, 0.05):
        legend = colors.legend_colors(alpha)[1:].astype(float)  # [3, 3]
        for k in (1, 2, 3):
            painted = colors.overlay(picture, np.full(picture.shape[:2], k), alpha)[0].astype(float)  # [1021, 3]
            distances = ((painted[:, None, :] - legend[None]) ** 2).sum(-1)  # [1021, 3]
            assert (distances.argmin(1) == k - 1).all(), (alpha, k)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255) to CIELAB (D65), where a distance of about 2 is the smallest difference people see."""
    c = np.asarray(rgb, dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)  # linear light
    xyz = c @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    f = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(f > (6 / 29) ** 3, np.cbrt(f), f / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def test_the_classes_colours_are_far_apart():
    legend = _lab(colors.legend_colors(0.55)[1:])  # the page's default opacity
    gaps = [float(np.linalg.norm(legend[i] - legend[j])) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 45  # the former ellipse blue and triangle green were 38 apart, and looked alike over shapes
    assert len(set(colors.COLOR_NAMES)) == len(colors.COLOR_NAMES) == len(colors.CLASS_COLORS)


def test_bad_overlays_say_what_was_expected():
    picture = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.raises(InvalidParameter, match="alpha must be in \\[0, 1\\], got 1.5"):
        colors.overlay(picture, np.zeros((4, 4), dtype=int), 1.5)
    with pytest.raises(InvalidParameter, match="classes must be in \\[0, 3\\], got 0 to 4"):
        colors.overlay(picture, np.array([[0, 1, 2, 4]] * 4), 0.5)
    with pytest.raises(InvalidParameter, match="classes must be \\[H, W\\]"):
        colors.overlay(picture, np.zeros((3, 4), dtype=int), 0.5)
