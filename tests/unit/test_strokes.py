"""Digits drawn as pen strokes (cvcore.data.strokes) and the bundled digits redrawn for training (cvcore.data.augment):
what the canvas gives, the same every time, and the measured hand kept apart from the training one."""

import numpy as np
import pytest
import torch

from cvcore.data import augment, drawn, strokes
from cvcore.errors import InvalidParameter


def test_every_style_of_every_digit_is_drawn_in_the_canvas_format_with_the_canvas_pen():
    for styles in (strokes.STYLES, strokes.TRAINING_STYLES):
        assert sorted(styles) == list(range(10))
        for digit, ways in styles.items():
            for style in ways:
                rgba = strokes.render(digit, style, styles=styles)
                assert rgba.shape == (280, 280, 4) and rgba.dtype == np.uint8
                assert (rgba[..., :3] == 255).all()  # white ink; where it is, the opacity says
                ink = drawn.ink_from_rgba(rgba)
                # one pen's width, 22, thicker where strokes meet at a sharp angle
                assert drawn.stroke_width(ink > 0.5) in range(20, 40), (digit, style)
    assert drawn.stroke_width(drawn.ink_from_rgba(strokes.render(1, "plain bar")) > 0.5) in (22, 24)


def test_the_learners_ways_of_writing_1_4_and_7_are_all_measured():
    assert {"plain bar", "with a flag", "with a flag and a base"} <= set(strokes.STYLES[1])
    assert {"open", "closed"} <= set(strokes.STYLES[4])
    assert {"plain", "with a cross bar"} <= set(strokes.STYLES[7])


def test_the_training_hand_has_none_of_the_measured_hands_strokes():
    measured = [np.array(s) for ways in strokes.STYLES.values() for style in ways.values() for s in style]
    for ways in strokes.TRAINING_STYLES.values():
        for style in ways.values():
            for s in style:
                assert not any(m.shape == np.array(s).shape and np.allclose(m, s) for m in measured)


def test_a_drawn_set_is_the_same_for_the_same_seed_and_another_for_another():
    a, b, c = (strokes.drawn_set(1, seed=s) for s in (3, 3, 4))
    assert torch.equal(a.x, b.x) and a.styles == b.styles and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    assert a.x.shape == (20, 1, 28, 28) and a.y.tolist() == [int(name[0]) for name in a.styles]


def test_drawings_stay_inside_the_canvas_and_clean_ones_raise_no_flag():
    rng = np.random.default_rng(0)
    for digit, ways in strokes.STYLES.items():
        for style in ways:
            for _ in range(5):
                rgba = strokes.render(digit, style, rng, pen=22 * rng.uniform(0.75, 1.25))
                found = drawn.digit_from_ink(drawn.ink_from_rgba(rgba))
                assert found.warnings() == [], (digit, style, found.warnings())


def test_bad_styles_and_pens_are_refused_with_a_message():
    with pytest.raises(InvalidParameter, match="expected a style of digit 1"):
        strokes.render(1, "with a hat")
    with pytest.raises(InvalidParameter, match="expected a pen width > 0"):
        strokes.render(1, "plain bar", pen=0)
    with pytest.raises(InvalidParameter, match="per_style must be >= 1"):
        strokes.drawn_set(0, seed=0)


def test_redrawn_digits_are_reproducible_prepared_like_drawings_and_keep_their_place():
    from sklearn.datasets import load_digits

    eight = torch.tensor(load_digits().images[:40], dtype=torch.float32) / 16  # [40, 8, 8]
    x, again = augment.redrawn(eight, seed=5), augment.redrawn(eight, seed=5)
    assert x.shape == (40, 1, 28, 28) and torch.equal(x, again)
    assert not torch.equal(x, augment.redrawn(eight, seed=6))
    assert float(x.min()) >= 0 and float(x.max()) <= 1
    # prepared by the canvas path: the ink spans the frame's height, rows 1..26 of the 28 at least partly
    assert bool((x[:, 0, 1].amax(1) > 0).all()) and bool((x[:, 0, 26].amax(1) > 0).all())
    with pytest.raises(InvalidParameter, match=r"expected digits Tensor\[N, 8, 8\]"):
        augment.redrawn(torch.zeros(2, 28, 28), seed=0)
