"""The style-transfer gallery: the bundled examples with the offline MobileNetV2 at 160 px. Each run must lower the
style cost at least tenfold from the content-initialised start, while its content cost stays below 70% of that of
the style image itself (the layout of C survives). Content | style | result strips go to test-artifacts/."""

import numpy as np
import pytest
import torch
from PIL import Image

from cvcore.images import sample_image
from cvcore.style import gatys as style
from cvcore.style import images as style_images

_SIZE, _STEPS = 160, 100
EXAMPLES = [  # (content photo, generated style, settings)
    ("chelsea", "mosaic", {}),
    ("astronaut", "swirls", {"smoothing": True, "tv_weight": 2.0}),
    ("coffee", "brush", {}),
    ("astronaut", "brush", {}),
]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One thread, as the app runs (``cvcore.device.configure_threads``): on a busy machine it is also the fastest."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("content_name,style_name,extra", EXAMPLES, ids=[f"{c}-{s}" for c, s, _ in EXAMPLES])
def test_gallery_example_is_style_transfer(content_name, style_name, extra, mobilenet, artifacts_dir):
    content, stylish = sample_image(content_name), style_images.style_image(style_name, 256)
    common = dict(backbone="mobilenet_v2", model=mobilenet, device="cpu", size=_SIZE, **extra)
    records = list(style.transfer(content, stylish, steps=_STEPS, init="content", preview_every=_STEPS, **common))
    start, end = records[0], records[-1]
    # The reference for "content kept": J_content of the style image itself (an image with none of C's layout).
    style_as_g = next(style.transfer(content, stylish, steps=0, init="style", **common))
    drop = start.style_cost / end.style_cost
    line = (f"{content_name} + {style_name}{' (smoothing)' if extra.get('smoothing') else ''}: J_style "
            f"{start.style_cost:.3g} -> {end.style_cost:.3g} ({drop:.0f}x lower); J_content 0 -> {end.content_cost:.3g} "
            f"(style image: {style_as_g.content_cost:.3g}, ratio {end.content_cost / style_as_g.content_cost:.2f})")
    with open(artifacts_dir / "style_gallery.txt", "a") as log:
        log.write(line + "\n")
    c, s, _ = style.prepare_pair(content, stylish, _SIZE)
    strip = np.concatenate([style.to_image(c), style.to_image(s), end.image], axis=1)
    tag = "_smoothing" if extra.get("smoothing") else ""
    Image.fromarray(strip).save(artifacts_dir / f"style_gallery_{content_name}_{style_name}{tag}.png")
    assert end.done and not end.diverged
    assert drop >= 10, line
    assert end.content_cost < 0.7 * style_as_g.content_cost, line
    # The result takes the style's colours: its mean colour moves towards the style image's.
    moved = np.abs(end.image.reshape(-1, 3).mean(0) - style.to_image(s).reshape(-1, 3).mean(0)).sum()
    before = np.abs(style.to_image(c).reshape(-1, 3).mean(0) - style.to_image(s).reshape(-1, 3).mean(0)).sum()
    assert moved < before, line
