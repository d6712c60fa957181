"""End to end: the detection lab's box figures keep their titles inside the figure, and the YOLO target table shows
every column without scrolling sideways."""

import pytest

pytestmark = pytest.mark.e2e

_OVERFLOW = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
  const box = plot.getBoundingClientRect();
  return [...plot.querySelectorAll('.gtitle')].map(t => [t.textContent, t.getBoundingClientRect().right - box.right]);
}).flat()"""


@pytest.mark.parametrize("view, ready, charts", [("yolo", "How good is it", 2), ("nms", "Kept after NMS", 1)])
def test_titles_and_the_target_table_fit(app_server, page, artifacts_dir, view, ready, charts):
    page.goto(f"{app_server}/detection?view={view}")
    page.get_by_text(ready).first.wait_for()
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot .gtitle').length >= {charts}")
    titles = page.evaluate(_OVERFLOW)
    assert len(titles) >= charts and all(past <= 0 for _, past in titles), titles
    if view == "yolo":
        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for()
        box = table.bounding_box()
        assert box["height"] > 8 * 30  # one row per entry of y: p_c, b_x, b_y, b_h, b_w, c_1..c_3
        scroll = table.evaluate("t => { const s = t.querySelector('.dvn-scroller'); return s ? s.scrollWidth - "
                                "s.clientWidth : 0; }")
        assert scroll <= 1
    page.screenshot(path=str(artifacts_dir / f"e2e-detection-{view}-fits.png"), full_page=True)
