"""The Inside lab's whole-network view in Chromium: click a stage, click a cell of a map, read the step-through whose
value equals the network's own (and a forward hook's, computed here), then open the same path from a link."""

import re

import pytest

from harness.browser import click_until

pytestmark = pytest.mark.e2e

_VALUES = re.compile(r"Step-through: (-?[\d.]+) · the network's own value \(([\w.]+)\[(\d+), (\d+), (\d+)\]\): "
                     r"(-?[\d.]+)")


def _reference(module: str, channel: int, row: int, col: int) -> float:
    from cvcore import images, zoo
    from cvcore.inside import features

    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    x = features.preprocess(images.sample_image("chelsea"), entry)
    return float(features.hooked_activation(model, x, module)[0, channel, row, col])


def _shown(pg) -> tuple[float, str, int, int, int, float]:
    text = pg.get_by_text("Step-through:").first.inner_text()
    match = _VALUES.search(text)
    assert match, text
    ours, module, channel, row, col, own = match.groups()
    return float(ours), module, int(channel), int(row), int(col), float(own)


def test_a_stage_a_cell_and_a_link_down_to_one_value(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/inside_cnn?view=overview")
    page.get_by_text("Click a stage above").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-inside-network-overview.png"), full_page=True)

    page.get_by_role("button", name="features.2", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('layer') === 'features.2.conv.2'")
    page.get_by_text("Step-through:").first.wait_for()
    picker = page.locator(".js-plotly-plot").filter(has_text="click a cell").first
    picker.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # plotly listens for clicks once it has drawn the chart
    # One click point per cell of the 56x56 map, but plotly.js draws only one of them (thousands took seconds).
    assert picker.locator("path.point").count() == 1
    box = picker.bounding_box()
    spots = ((0.3, 0.45), (0.62, 0.7), (0.5, 0.3))  # inside the map, below the title
    click_until(page, [(box["x"] + box["width"] * fx, box["y"] + 50 + (box["height"] - 60) * fy) for fx, fy in spots],
                "cell=\\d+(%2C|,)\\d+")
    page.get_by_text("Largest contributions").wait_for()
    page.get_by_text("No cell chosen").wait_for(state="detached")  # the clicked cell, not the strongest one
    ours, module, channel, row, col, own = _shown(page)
    assert module == "features.2.conv.3" and abs(ours - own) <= 1e-5
    assert abs(own - _reference(module, channel, row, col)) <= 1e-5
    page.get_by_text("Match: the difference is").wait_for()
    page.screenshot(path=str(artifacts_dir / "e2e-inside-network-cell.png"), full_page=True)

    page.goto(f"{app_server}/inside_cnn?view=overview&layer=features.2.conv.1&channel=20&cell=0,37")
    page.get_by_text("Match: the difference is").wait_for()
    page.get_by_text("rows -1 to 1, columns 73 to 75").wait_for()  # stride 2, the top row in the padding
    ours, module, channel, row, col, own = _shown(page)
    assert (module, channel, row, col) == ("features.2.conv.1", 20, 0, 37) and abs(ours - own) <= 1e-5
    assert abs(own - _reference(module, 20, 0, 37)) <= 1e-5
    page.screenshot(path=str(artifacts_dir / "e2e-inside-network-link.png"), full_page=True)

    # A 1x1 projection reads 144 input channels: the stepper walks them, largest contribution first.
    page.goto(f"{app_server}/inside_cnn?view=overview&layer=features.3.conv.2&channel=7&cell=5,9")
    page.get_by_text("Step (of 144)").wait_for()
    page.get_by_text("After the residual addition").wait_for()
    first = page.get_by_text(re.compile(r"^channel \d+: ")).first.inner_text()
    page.get_by_role("button", name="▶").first.click()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('in_step') === '2'")
    page.wait_for_function("(first) => ![...document.querySelectorAll('code')].some(c => c.textContent === first)",
                           arg=first)
    second = page.get_by_text(re.compile(r"^channel \d+: ")).first.inner_text()
    assert second != first
    page.screenshot(path=str(artifacts_dir / "e2e-inside-network-stepper.png"), full_page=True)
