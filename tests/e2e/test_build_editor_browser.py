"""The Build-your-own-CNN layer editor in Chromium: edits made one after another all land."""

import re

import pytest

from harness.browser import edit_cell

pytestmark = pytest.mark.e2e


def _layers(pg) -> str:
    return pg.evaluate("() => new URLSearchParams(window.location.search).get('layers') || ''")


def _first_conv_filters(pg) -> str:
    return _layers(pg).split("_")[0]


def test_three_edits_in_a_row_of_one_cell_all_land(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/build_cnn")
    page.get_by_text("167,114 parameters").wait_for(timeout=60_000)
    for filters, total in ((20, "160,082"), (21, "160,668"), (22, "161,254")):
        edit_cell("build.editor_*", 0, 1, (str(filters), str(filters)))(page, 0, lambda: None)
        # the link carries the layers the page computed with, and the shape table follows
        page.wait_for_function(f"() => (new URLSearchParams(window.location.search).get('layers') || '')"
                               f".startsWith('conv-{filters}-3-1-0_')", timeout=30_000)
        page.get_by_text(f"{total} parameters").wait_for(timeout=30_000)
        page.get_by_text(f"{filters} x 26 x 26").first.wait_for(state="attached", timeout=30_000)  # a canvas grid cell
    page.screenshot(path=str(artifacts_dir / "e2e-build-three-edits.png"))
    assert _first_conv_filters(page) == "conv-22-3-1-0"

    # Back to the course's example, then one edit: the earlier edits do not come back.
    page.get_by_role("button", name="Back to the course's example").click()
    page.get_by_text("167,114 parameters").wait_for(timeout=30_000)
    edit_cell("build.editor_*", 3, 1, ("48", "48"))(page, 0, lambda: None)  # the second conv
    page.get_by_text("144,058 parameters").wait_for(timeout=30_000)
    assert _layers(page).startswith("conv-32-3-1-0_relu_maxpool-0-2-2-0_conv-48-3-1-0_")


def test_look_inside_opens_inside_on_the_network_just_trained(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/build_cnn?epochs=1&layers=conv-8-3-1-1_relu_maxpool-0-2-2-0_flatten_linear-10-3-1-0")
    page.get_by_text("15,770 parameters").wait_for()
    page.get_by_role("link", name="Inside a trained CNN").first.click()  # seen first on its default network
    page.get_by_text("What MobileNetV2 sees").first.wait_for()
    page.get_by_role("link", name="Build your own CNN").first.click()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Look inside your trained network").wait_for(timeout=120_000)
    page.get_by_role("button", name=re.compile("Look inside your trained network")).click()
    page.get_by_text("What your CNN sees: 28x28 grayscale").first.wait_for()
    page.get_by_text("Validation accuracy after training:").wait_for()
    page.get_by_text("Its label:").first.wait_for()
    assert "/inside_cnn" in page.url and "model=my_cnn" in page.url
    page.screenshot(path=str(artifacts_dir / "e2e-build-look-inside.png"), full_page=True)
