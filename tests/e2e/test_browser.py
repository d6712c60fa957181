"""End to end: the real app in Debian's Chromium, driven by Playwright (no browser download)."""

import io

import pytest
from PIL import Image

from harness.browser import click_until

pytestmark = pytest.mark.e2e


def _png(width: int, height: int) -> bytes:
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_convolution_lab_in_the_browser(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/convolution")  # a shared deep link, as a teacher would send it
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_text("3×1 + 1×1 + 2×1 + 0×0 + 5×0 + 7×0 + 1×(-1) + 8×(-1) + 2×(-1) = -5").first.wait_for()
    assert page.get_by_role("link", name="Home").count() >= 1  # the app's own navigation
    page.screenshot(path=str(artifacts_dir / "e2e-convolution-start.png"))

    stride = page.get_by_label("Stride s")
    stride.fill("2")
    stride.press("Enter")
    page.get_by_text("Step (of 4)").wait_for()
    page.wait_for_function("() => window.location.search.includes('stride=2')")  # the link follows the settings

    page.get_by_role("button", name="▶").first.click()
    page.get_by_text("1×1 + 8×1 + 2×1 + 2×0 + 9×0 + 5×0 + 7×(-1) + 3×(-1) + 1×(-1) = 0").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-convolution-step.png"))

    page.get_by_text("Apply the kernel to a real photo").click()
    page.get_by_text("Upload", exact=True).first.click()
    uploader = page.locator("input[type=file]").first
    uploader.set_input_files(files=[{"name": "gradient.png", "mimeType": "image/png", "buffer": _png(80, 60)}])
    page.get_by_text("Input 80x60").wait_for()
    page.get_by_text("Output 39x29").first.wait_for()  # stride 2, no padding: (80-3)//2+1 x (60-3)//2+1
    page.screenshot(path=str(artifacts_dir / "e2e-convolution-upload.png"))


def test_a_renamed_text_file_gives_a_message_and_the_lab_keeps_working(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/convolution")
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_text("Apply the kernel to a real photo").click()
    page.get_by_text("Upload", exact=True).first.click()
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"these are my notes, not a picture\n" * 50}])
    page.get_by_text("Could not use this image").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-convolution-bad-upload.png"))
    page.get_by_role("button", name="▶").first.click()
    page.get_by_text("= -4").first.wait_for()


def test_pooling_lab_in_the_browser(app_server, page, artifacts_dir):
    page.goto(app_server)
    page.get_by_role("link", name="2. Pooling").click()
    page.get_by_text("max(1, 3, 2, 9) = 9").first.wait_for()
    page.get_by_text("Pooling a real feature map").click()
    page.get_by_text("56 x 56 x 32").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-pooling.png"))


def test_a_copied_link_reopens_the_same_numbers_in_a_fresh_browser(app_server, browser, page):
    page.goto(f"{app_server}/convolution")
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_label("Stride s").fill("2")
    page.get_by_label("Stride s").press("Enter")
    page.get_by_text("Step (of 4)").wait_for()
    for step in (2, 3):  # one click at a time: each waits for the page to follow
        page.get_by_role("button", name="▶").first.click()
        page.wait_for_function(f"() => window.location.search.includes('step={step}')")
    expression = page.locator("code").filter(has_text="×").first.inner_text()
    link = page.url

    fresh = browser.new_context(viewport={"width": 1400, "height": 1800})
    other = fresh.new_page()
    other.goto(link)
    other.get_by_text("Step (of 4)").wait_for(timeout=60_000)
    assert other.locator("code").filter(has_text="×").first.inner_text() == expression
    fresh.close()


def test_play_advances_the_steps_by_itself_and_stops_at_the_end(app_server, page):
    page.goto(f"{app_server}/pooling")
    page.get_by_text("max(1, 3, 2, 9) = 9").first.wait_for()
    page.get_by_text("Play", exact=True).click()
    page.get_by_text("max(2, 1, 1, 1) = 2").first.wait_for(timeout=20_000)  # step 2, reached by the timer
    page.get_by_text("max(2, 3, 1, 2) = 3").first.wait_for(timeout=20_000)  # step 4, the last one
    page.wait_for_timeout(2500)
    assert page.get_by_text("max(2, 3, 1, 2) = 3").count() >= 1  # it stopped there
    assert "step=4" in page.url


@pytest.mark.parametrize("path, expected", [
    ("/volumes", "bias 0"),
    ("/separable", "120,422,400"),
    ("/transposed", "0×1 + 0×1 + 0×1"),
    ("/dimensions?part=3d", "6 x 6 x 6 x 32"),
    ("/architectures", "62,958"),
    ("/build_cnn", "167,114 parameters"),
])
def test_the_other_convolution_labs_render_in_the_browser(app_server, page, artifacts_dir, path, expected):
    page.goto(app_server + path.replace("/separable", "/separable?preset=course_inception"))
    page.get_by_text(expected).first.wait_for(state="attached")  # table cells are drawn on a canvas, text kept hidden
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(artifacts_dir / f"e2e-{path.strip('/').split('?')[0]}.png"))


def test_learning_a_filter_in_the_browser(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/learn_filter")
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Largest difference from the target").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-learn-filter.png"))


def _image_bytes(mode: str, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    color = {"L": 90, "RGBA": (200, 30, 30, 0), "RGB": (30, 120, 200)}[mode]
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, fmt)
    return buf.getvalue()


def test_inside_a_cnn_click_a_map_to_see_it_large(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/inside_cnn")
    page.get_by_text("Top-5: Egyptian cat").wait_for()
    page.get_by_text("Channel 0 of features.6").first.wait_for()
    mosaic = page.locator(".js-plotly-plot").nth(1)  # the first chart is the top-5 bar chart
    mosaic.scroll_into_view_if_needed()
    box = mosaic.bounding_box()
    tiles = ((60, 90), (100, 95), (140, 100))  # in the first row, right of centre
    click_until(page, [(box["x"] + box["width"] / 2 + dx, box["y"] + dy) for dx, dy in tiles], "channel=[1-9]")
    page.get_by_text("over the image: bright where it fires").wait_for()
    page.get_by_text("Channel 0 of features.6").first.wait_for(state="detached")  # the rerun has replaced it
    page.screenshot(path=str(artifacts_dir / "e2e-inside-maps.png"), full_page=True)


@pytest.mark.parametrize("name, data, expected", [
    ("tiny.png", _image_bytes("RGB", (8, 8)), "is only 8x8 pixels"),
    ("gray.png", _image_bytes("L", (300, 200)), "What MobileNetV2 sees"),
    ("clear.png", _image_bytes("RGBA", (120, 90)), "What MobileNetV2 sees"),
    ("broken.jpg", _image_bytes("RGB", (300, 200), "JPEG")[:400], "Could not use this image"),
])
def test_inside_a_cnn_takes_odd_uploads_without_breaking(app_server, page, name, data, expected):
    page.goto(f"{app_server}/inside_cnn?pic_source=Upload")
    page.get_by_text("No image yet").wait_for()
    page.locator("input[type=file]").first.set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])
    page.get_by_text(expected).first.wait_for()
    assert page.get_by_text("Traceback").count() == 0


def test_inside_a_cnn_heatmaps_from_a_link(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/inside_cnn?view=heatmaps&pic_sample=coffee&methods=grad_cam,layer_cam")
    page.get_by_text("Grad-CAM: peak at").wait_for()
    page.get_by_text("LayerCAM: peak at").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-inside-heatmaps.png"), full_page=True)


def test_inside_a_cnn_searches_added_photos_for_strong_patches(app_server, page):
    page.goto(f"{app_server}/inside_cnn?view=units&channel=5")
    page.get_by_text("The nine places in the 6 photos").wait_for()
    page.locator("input[type=file]").first.set_input_files(files=[
        {"name": "gradient.png", "mimeType": "image/png", "buffer": _png(300, 200)},
        {"name": "broken.png", "mimeType": "image/png", "buffer": b"not a picture" * 20},
    ])
    page.get_by_text("broken.png is left out").wait_for()
    page.get_by_text("The nine places in the 7 photos").wait_for()


def test_detection_nms_steps_in_the_browser(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/detection?view=nms&score=0.3&iou=0.4")
    page.get_by_text("Step 1: output the highest-scoring remaining box").first.wait_for()
    page.get_by_role("button", name="▶").first.click()
    page.get_by_text("Step 2: output the highest-scoring remaining box").first.wait_for()
    page.get_by_text("torchvision's batched_nms keeps the same boxes").wait_for()
    page.wait_for_function("() => window.location.search.includes('nms_step=2')")
    page.screenshot(path=str(artifacts_dir / "e2e-detection-nms.png"), full_page=True)
    page.goto(f"{app_server}/detection?view=iou")
    page.get_by_text("torchvision.ops.box_iou").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-detection-iou.png"), full_page=True)


def test_segmentation_in_the_browser(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/segmentation?view=segment")
    page.get_by_text("Predicted class of every pixel").wait_for()
    page.get_by_text("The U shape").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-segmentation.png"), full_page=True)


def test_an_exported_transfer_network_reopens_in_the_inside_lab(app_server, page, mobilenet, entry):
    from cvcore.networks import transfer

    net, _ = transfer.make_network(mobilenet, 3, "small")
    weights, meta = transfer.export(net.eval(), ["apples", "bananas", "cherries"], entry)
    page.goto(f"{app_server}/inside_cnn?model=exported")
    page.get_by_text("Upload both files").wait_for()
    page.locator("input[type=file]").nth(0).set_input_files(
        files=[{"name": "my_transfer.pt", "mimeType": "application/octet-stream", "buffer": weights}])
    page.locator("input[type=file]").nth(1).set_input_files(
        files=[{"name": "my_transfer.json", "mimeType": "application/json", "buffer": meta.encode()}])
    page.get_by_text("Top-5: ").wait_for()
    assert page.get_by_text("cherries").count() >= 1
