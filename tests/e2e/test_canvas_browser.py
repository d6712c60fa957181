"""The drawing canvas (streamlit-drawable-canvas, a Streamlit v2 component) in Chromium: strokes drawn with the mouse
reach the server with the pinned Streamlit, inside the labs' fragments; the digits network's prediction, Grad-CAM and
feature maps follow each stroke; Segmentation segments a drawn shape."""

import math

import pytest

pytestmark = pytest.mark.e2e


def _stroke(pg, canvas: str, points: list[tuple[float, float]]) -> None:
    """Press at the first point, move through the others, release (points in canvas pixels)."""
    target = pg.locator(canvas).last
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    pg.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    pg.mouse.down()
    for x, y in points[1:]:
        pg.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    pg.mouse.up()


def _reading(pg) -> str:
    return pg.get_by_text("The network reads a").inner_text()


def test_build_a_drawn_digit_is_read_and_each_stroke_updates_the_network(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/build_cnn")
    page.get_by_text("Draw a digit on the black square").wait_for()  # the empty canvas: a message, no prediction
    assert page.get_by_text("The network reads a").count() == 0
    canvas = ".st-key-build-canvas canvas"
    # A zero: one closed loop, drawn large in the middle.
    loop = [(140 + 65 * math.sin(t * math.pi / 12), 140 - 100 * math.cos(t * math.pi / 12)) for t in range(25)]
    _stroke(page, canvas, loop)
    page.get_by_text("The network reads a").wait_for()
    assert _reading(page).startswith("The network reads a 0")
    page.get_by_text("Feature maps of every layer", exact=True).wait_for()
    page.get_by_text("Grad-CAM of \"0\"").first.wait_for()
    assert page.get_by_text("0 (Conv2d, 32 x 26 x 26): 32 maps of 26x26").count() == 1
    page.get_by_text("The network reads a").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "e2e-canvas-build-zero.png"))

    # A stroke through the middle of the zero changes what the network sees, and the answer is redrawn.
    first = page.locator(".stMain img").first.get_attribute("src")
    _stroke(page, canvas, [(140, 40), (140, 240)])
    page.wait_for_function("(src) => document.querySelector('.stMain img')?.getAttribute('src') !== src", arg=first)
    page.get_by_text("The network reads a").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-canvas-build-second-stroke.png"))

    # The canvas's own bin empties it: a message again, and no answer.
    page.locator(".st-key-build-canvas").get_by_role("button", name="Reset canvas & history").click()
    page.get_by_text("The canvas is empty: draw a digit").wait_for()
    assert page.get_by_text("The network reads a").count() == 0


def test_inside_draw_with_the_shipped_network_and_a_scribble_is_flagged(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/inside_cnn?model=digits_cnn")
    page.get_by_text("validation accuracy 95.8%").wait_for()
    page.get_by_text("Draw", exact=True).click()
    page.get_by_text("Draw a digit on the black square").wait_for()
    canvas = ".st-key-inside-digit_canvas canvas"
    zigzag = [(5 + 27 * (i % 11), 5 + 9 * i) for i in range(31)] + [(275 - 9 * i, 5 + 27 * (i % 11)) for i in range(31)]
    _stroke(page, canvas, zigzag)
    page.get_by_text("Every layer and the Grad-CAM, as you draw").wait_for()
    page.get_by_text("What your CNN sees: 28x28 grayscale").wait_for()  # the lab's own prediction and views
    page.get_by_text("Top-5: ").first.wait_for()
    page.get_by_text("that is a scribble, not a digit").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-canvas-inside-scribble.png"))


def test_segmentation_segments_a_drawn_rectangle(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/segmentation?view=segment")
    page.get_by_text("draw it here").click()
    page.get_by_text("Draw shapes on the canvas").wait_for()
    canvas = ".st-key-seg-canvas canvas"
    _stroke(page, canvas, [(50, 60), (120, 110), (170, 150)])  # the rectangle tool: a drag from corner to corner
    page.get_by_text("Predicted class of every pixel").wait_for()
    page.get_by_text("Overlay opacity").wait_for()
    page.get_by_text("Predicted class of every pixel").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "e2e-canvas-segmentation.png"))
