"""End to end: a chart's description in words is in the accessibility tree but not on screen."""

import pytest

pytestmark = pytest.mark.e2e


def test_chart_descriptions_are_for_screen_readers_only(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/detection?view=nms")
    hidden = page.locator('[class*="st-key-cnnlab-sr-"]')
    hidden.first.wait_for(state="attached")
    text = hidden.first.text_content()
    assert text.startswith("Step 1") or ":" in text
    for i in range(hidden.count()):
        wrapper = hidden.nth(i).evaluate_handle("e => e.parentElement").as_element()
        style = wrapper.evaluate("e => { const s = getComputedStyle(e); return [s.position, s.clipPath, s.display]; }")
        assert style[:2] == ["absolute", "inset(50%)"] and style[2] != "none"  # clipped, not display: none: read aloud
        box = wrapper.bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1)  # and it takes no room in the page
    assert text in page.locator("body").aria_snapshot()  # in the accessibility tree
    assert page.get_by_text("point(s)").count() == 0 and page.get_by_text(text).count() == 1
    page.screenshot(path=str(artifacts_dir / "e2e-chart-text-hidden.png"), full_page=True)
