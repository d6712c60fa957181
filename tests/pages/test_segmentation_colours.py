"""The Segmentation page's class colours: the legend as drawn, and every painted pixel of a class nearest to that
class's legend colour, computed from the blending formula and the legend's own values."""

import re

import numpy as np
import pytest
import torch

from cvcore.data import shapes
from cvcore.detect import segmentation
from cvcore.viz import segmentation as colors
from labs.segmentation.settings import SegmentationSettings as S

_SWATCH = re.compile(r'background-color:#([0-9a-f]{6})"></span> (\w+) \(([\w ]+)\)')


def _legend(at) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The swatches of the page's legend: class name -> (R, G, B) as drawn, and class name -> colour name."""
    (legend,) = [m.value for m in at.markdown if "background-color:#" in m.value]
    found = _SWATCH.findall(legend)
    assert [name for _, name, _ in found] == list(segmentation.CLASS_NAMES[1:])
    return ({name: np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) for h, name, _ in found},
            {name: said for _, name, said in found})


@pytest.mark.parametrize("query", [{}, {"seed": "2000017", "alpha": "0.8"}, {"alpha": "0.3"}])
def test_each_class_is_painted_nearest_to_its_legend_colour(open_page, query):
    at = open_page("segmentation", view="segment", **query)
    legend, said = _legend(at)
    alpha = float(at.slider(key="seg.alpha").value)
    assert alpha == float(query.get("alpha", S.field("alpha").default))
    assert said == dict(zip(segmentation.CLASS_NAMES[1:], colors.COLOR_NAMES[1:], strict=True))
    assert all(img.url.endswith(".png") for image in at.get("image")[1:] for img in image.proto.imgs)  # not JPEG

    scene = shapes.scene(int(query.get("seed", S.field("seed").default)))
    with torch.inference_mode():
        classes = segmentation.load_fcn()(scene.image[None]).argmax(1)[0].numpy()  # [128, 128]
    picture = (scene.image.permute(1, 2, 0).numpy() * 255).round()  # [128, 128, 3], as the page shows it
    grey = picture @ np.array([0.299, 0.587, 0.114])  # [128, 128]
    names = list(segmentation.CLASS_NAMES[1:])
    swatches = np.stack([legend[n] for n in names])  # [3, 3]
    # A swatch is (1 - alpha) * grey + alpha * colour over the legend's grey: the colour is what the legend says it is.
    drawn_colors = (swatches - (1 - alpha) * colors.LEGEND_GREY) / alpha
    np.testing.assert_allclose(drawn_colors, colors.CLASS_COLORS[1:], rtol=0, atol=0.5 / alpha + 1e-6)
    painted = colors.overlay(picture.astype(np.uint8), classes, alpha).astype(float)  # what the page draws
    present = [k for k in (1, 2, 3) if (classes == k).any()]
    assert present
    for k in present:
        region = classes == k
        expected = (1 - alpha) * grey[region][:, None] + alpha * drawn_colors[k - 1]  # [n, 3], by the formula
        # the swatches are whole numbers (up to 0.5 off) and so is the painted pixel
        np.testing.assert_allclose(painted[region], expected, rtol=0, atol=1.0 + 1e-6)
        nearest = ((painted[region][:, None, :] - swatches[None]) ** 2).sum(-1).argmin(1)  # [n]
        assert (nearest == k - 1).all(), f"{names[k - 1]}: {int((nearest != k - 1).sum())} pixels nearer another colour"


def test_the_five_tasks_and_the_instances_draw_the_legend_at_their_opacity(open_page):
    for view, alpha in (("tasks", 0.8), ("instances", 0.7)):
        at = open_page("segmentation", view=view)
        legend, _ = _legend(at)
        for k, name in enumerate(segmentation.CLASS_NAMES[1:], start=1):
            np.testing.assert_array_equal(legend[name], colors.legend_colors(alpha)[k])
        assert f"at opacity {alpha:g}" in next(m.value for m in at.markdown if "background-color:#" in m.value)
