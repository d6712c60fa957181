"""Drawings turned into network inputs (cvcore.data.drawn): hand-checked digits, the bundled digits drawn back through
the canvas path, and coloured shapes composited over a background, against PIL and the digits' own formula."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from cvcore.data import drawn
from cvcore.errors import InvalidParameter


def _digits_format(eight: list[list[float]]) -> torch.Tensor:
    """An 8x8 digit (values in [0, 1]) enlarged as ``cvcore.data.digits`` does: Tensor[1, 1, 28, 28]."""
    return F.interpolate(torch.tensor(eight, dtype=torch.float32)[None, None], size=(28, 28), mode="bilinear",
                         align_corners=False).clamp(0, 1)


def test_a_full_height_block_fills_the_middle_six_columns_like_the_training_digits():
    ink = np.zeros((64, 64), np.float32)
    ink[8:40, 20:44] = 1  # 32 tall, 24 wide: scale 1, placed at columns 4..28 of the 32x32 frame
    digit = drawn.digit_from_ink(ink)
    assert digit.box == (20, 8, 44, 40)
    torch.testing.assert_close(digit.x, _digits_format([[0, 1, 1, 1, 1, 1, 1, 0]] * 8), rtol=0, atol=1e-6)
    assert not (digit.touches_edge or digit.too_small or digit.scribble) and digit.warnings() == []


def test_a_wide_drawing_is_scaled_by_its_width_and_centred_in_height():
    ink = np.zeros((100, 100), np.float32)
    ink[40:50, 30:70] = 1  # 10 x 40: width -> 32, height -> 8, rows 12..20 of the frame = 8x8 rows 3 and 4
    expected = [[0] * 8] * 3 + [[1] * 8] * 2 + [[0] * 8] * 3
    torch.testing.assert_close(drawn.digit_from_ink(ink).x, _digits_format(expected), rtol=0, atol=1e-6)


def test_where_and_how_big_the_digit_is_drawn_does_not_matter():
    shape = np.zeros((32, 24), np.float32)
    shape[:, :6] = 1
    shape[-6:, :] = 1
    shape[:6, 12:] = 0.5  # an L with a grey flag
    small = np.zeros((200, 300), np.float32)
    small[50:82, 150:174] = shape
    big = np.zeros((400, 300), np.float32)
    big[10:74, 40:88] = shape.repeat(2, 0).repeat(2, 1)  # twice as big, elsewhere
    torch.testing.assert_close(drawn.digit_from_ink(small).x, drawn.digit_from_ink(big).x, rtol=0, atol=1e-6)


def test_an_empty_canvas_has_no_digit_and_faint_noise_counts_as_empty():
    assert drawn.digit_from_ink(np.zeros((280, 280), np.float32)).empty
    noise = np.random.default_rng(0).uniform(0, 0.04, size=(280, 280)).astype(np.float32)
    digit = drawn.digit_from_ink(noise)
    assert digit.empty and digit.x is None and digit.warnings() == []


def test_a_scribble_over_the_whole_canvas_is_flagged():
    ink = np.ones((280, 280), np.float32)
    ink[::7, :] = 0
    digit = drawn.digit_from_ink(ink)
    assert digit.scribble and digit.coverage > 0.8
    assert not digit.touches_edge  # one message, about the scribble
    assert "scribble" in " ".join(digit.warnings())
    assert digit.x.shape == (1, 1, 28, 28)


def test_a_digit_at_the_edge_is_flagged_and_read_as_if_it_were_in_the_middle():
    stroke = np.zeros((120, 30), np.float32)
    stroke[:, 10:20] = 1
    stroke[:10, :] = 1
    at_edge = np.zeros((280, 280), np.float32)
    at_edge[0:120, 250:280] = stroke
    centred = np.zeros((280, 280), np.float32)
    centred[80:200, 125:155] = stroke
    edge, middle = drawn.digit_from_ink(at_edge), drawn.digit_from_ink(centred)
    assert edge.touches_edge and not middle.touches_edge
    assert "edge" in " ".join(edge.warnings())
    torch.testing.assert_close(edge.x, middle.x, rtol=0, atol=1e-6)


def test_a_dot_is_too_small():
    ink = np.zeros((280, 280), np.float32)
    ink[140:145, 140:145] = 1
    digit = drawn.digit_from_ink(ink)
    assert digit.too_small and "small" in " ".join(digit.warnings())


def test_bad_shapes_are_refused_with_a_message():
    with pytest.raises(InvalidParameter, match="expected a drawing"):
        drawn.digit_from_ink(np.zeros((280,), np.float32))
    with pytest.raises(InvalidParameter, match="RGB or RGBA"):
        drawn.ink_from_rgba(np.zeros((4, 4), np.uint8))


def test_canvas_pixels_become_ink_over_black():
    rgba = np.array([[[255, 255, 255, 255], [255, 255, 255, 128], [0, 0, 0, 255], [255, 255, 255, 0]]], np.uint8)
    np.testing.assert_allclose(drawn.ink_from_rgba(rgba), [[1.0, 128 / 255, 0.0, 0.0]], atol=1e-6)


def _drawn_back(eight: np.ndarray, cell: int = 20) -> np.ndarray:
    """An 8x8 digit painted as a canvas would return it: white ink, opacity = the cell's value, cells of ``cell``
    pixels, off-centre on a larger transparent canvas."""
    canvas = np.zeros((8 * cell + 60, 8 * cell + 200, 4), np.uint8)
    alpha = (np.kron(eight, np.ones((cell, cell))) * 255).round().astype(np.uint8)
    canvas[30:30 + 8 * cell, 150:150 + 8 * cell, :3] = 255
    canvas[30:30 + 8 * cell, 150:150 + 8 * cell, 3] = alpha
    return canvas


def test_the_bundled_digits_drawn_back_are_read_as_the_network_reads_the_originals():
    from sklearn.datasets import load_digits

    from cvcore import zoo

    model = zoo.load_network("digits_cnn")
    raw = load_digits().images[:200] / 16.0  # [N, 8, 8], the digits before enlarging
    reference = F.interpolate(torch.tensor(raw, dtype=torch.float32)[:, None], size=(28, 28), mode="bilinear",
                              align_corners=False).clamp(0, 1)  # what the network was trained on
    prepared = torch.cat([drawn.digit_from_ink(drawn.ink_from_rgba(_drawn_back(d))).x for d in raw])
    with torch.no_grad():
        ours, theirs = model(prepared).argmax(1), model(reference).argmax(1)
    # A digit that spans its frame's height, with its ink columns in the middle of the frame (4 cells wide from
    # column 2, or 6 from column 1: where the drawing path centres a box of that width) comes back exactly.
    centred = []
    for i, d in enumerate(raw):
        inked = d > drawn.INK * d.max()  # the cells the bounding box is taken over
        rows, cols = np.flatnonzero(inked.any(1)), np.flatnonzero(inked.any(0))
        box = np.zeros_like(inked)
        box[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] = True
        width = cols[-1] - cols[0] + 1
        if (rows[0], rows[-1]) == (0, 7) and (width, cols[0]) in ((4, 2), (6, 1)) and not d[~box].any():
            centred.append(i)
    assert len(centred) > 100  # 141 of the 200
    torch.testing.assert_close(prepared[centred], reference[centred], rtol=0, atol=2e-3)  # uint8 opacity
    assert torch.equal(ours[centred], theirs[centred])
    assert (ours == theirs).float().mean() >= 0.95  # the others move by a column at most


def test_shapes_are_composited_over_the_background_like_pil_then_reduced_by_area():
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, size=(256, 256, 4)).astype(np.uint8)
    rgba[:, :, 3] = np.where(rng.uniform(size=(256, 256)) < 0.5, 0, 255)  # canvas pixels: drawn or not
    rgba[100:140, 60:200, 3] = 255
    background = torch.rand(3, 128, 128, generator=torch.Generator().manual_seed(0))
    under = Image.fromarray((background.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).resize((256, 256),
                                                                                                         Image.NEAREST)
    composed = Image.alpha_composite(under.convert("RGBA"), Image.fromarray(rgba, "RGBA")).convert("RGB")
    reference = torch.from_numpy(np.asarray(composed.resize((128, 128), Image.BOX), np.float32) / 255).permute(2, 0, 1)
    torch.testing.assert_close(drawn.picture_from_rgba(rgba, background), reference, rtol=0, atol=2.5 / 255)


def test_a_drawn_rectangle_on_a_training_texture_is_segmented_as_a_rectangle():
    from cvcore import zoo
    from cvcore.data import shapes

    model = zoo.load_network("tiny_fcn")
    rgba = np.zeros((256, 256, 4), np.uint8)
    rgba[50:120, 40:140] = (204, 51, 17, 255)  # 35 x 50 pixels of the 128x128 scene
    x = drawn.picture_from_rgba(rgba, shapes.scene(1, max_objects=0).image)
    with torch.no_grad():
        classes = model(x[None]).argmax(1)[0]
    inside = classes[27:58, 22:68]
    assert (inside == 2).float().mean() > 0.9  # rectangle
    outside = torch.ones_like(classes, dtype=torch.bool)
    outside[22:63, 17:73] = False
    assert (classes[outside] == 0).float().mean() > 0.97  # background


def test_a_dot_at_the_canvas_pen_width_is_too_small_wherever_it_is():
    from cvcore.data import strokes

    for x, y in ((140, 140), (40, 230)):
        digit = drawn.digit_from_ink(drawn.ink_from_rgba(strokes.render_dot(x, y)))  # one click: 22 pixels across
        assert digit.box[2] - digit.box[0] in range(21, 25)
        assert digit.too_small and not digit.scribble and "small" in " ".join(digit.warnings())
    bigger = drawn.digit_from_ink(drawn.ink_from_rgba(strokes.render_dot(pen=40)))  # a wider pen's dot, too
    assert bigger.too_small


def test_scribbles_at_the_canvas_pen_width_are_flagged_though_they_cover_under_half_the_canvas():
    from cvcore.data import strokes

    for seed in range(6):
        digit = drawn.digit_from_ink(drawn.ink_from_rgba(strokes.render_scribble(np.random.default_rng(seed))))
        assert digit.coverage < 0.45 and digit.scribble, seed  # under the canvas-coverage rule's 45%
        assert not digit.too_small and "scribble" in " ".join(digit.warnings())


def test_a_clean_1_is_read_as_1_with_or_without_its_flag_and_base():
    from cvcore import zoo
    from cvcore.data import strokes

    model = zoo.load_network("digits_cnn")
    for style in strokes.STYLES[1]:
        digit = drawn.digit_from_ink(drawn.ink_from_rgba(strokes.render(1, style)))
        with torch.no_grad():
            p = model(digit.x).softmax(1)[0]
        assert digit.warnings() == [] and int(p.argmax()) == 1, style
        assert float(p[1]) > 0.6, style  # not flagged as a guess by the page (ui.canvas.UNSURE)
