"""Inside in Chromium: uploading a photo keeps the view, the layer, the order and the overlay opacity that the page
showed before, in the controls as well as in the figures (they once came back as the first option and 0.00)."""

import io
import re

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((160, 120)).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def _controls(pg) -> tuple[bool, str, str, str]:
    """Whether "Feature maps" is the chosen view, the layer and order the select boxes show, the opacity slider's value."""
    chosen = pg.get_by_role("radio", name="Feature maps").is_checked()
    layer = pg.get_by_role("combobox", name="Layer", exact=True).input_value()
    order = pg.get_by_role("combobox", name="Order", exact=True).input_value()
    opacity = pg.locator("[data-testid=stSlider]").filter(has_text="Overlay opacity").first.inner_text()
    opacity = re.search(r"\d+\.\d+", opacity).group()  # the value written above the thumb
    return chosen, layer, order, opacity


def _check(pg) -> None:
    pg.get_by_text("features.10: channels sorted by max").first.wait_for()
    chosen, layer, order, opacity = _controls(pg)
    assert chosen and "features.10" in layer and "max activation" in order and float(opacity) == pytest.approx(0.7)


def test_an_upload_keeps_the_layer_and_the_overlay(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/inside_cnn?layer=features.10&sort=max&alpha=0.7")
    _check(page)
    page.get_by_text("Upload", exact=True).first.click()
    page.get_by_text("No image yet").wait_for()
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "gradient.png", "mimeType": "image/png", "buffer": _png()}])
    page.get_by_text("What MobileNetV2 sees").wait_for()
    _check(page)
    page.screenshot(path=str(artifacts_dir / "e2e-inside-upload-keeps-settings.png"), full_page=True)
    # The next rerun carries what the browser shows: the settings stay, and so does the link.
    page.get_by_text("Filters", exact=True).first.click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('view') === 'filters'")
    params = page.evaluate("() => Object.fromEntries(new URLSearchParams(window.location.search))")
    assert params["layer"] == "features.10" and params["sort"] == "max" and params["alpha"] == "0.7", params
