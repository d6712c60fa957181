"""Presenter mode on a 1280x720 projector, in Chromium: the step-through's grids stay side by side on one screen, and
every chart's text is large enough for the back row."""

import pytest

from ui.presenter import MIN_CHART_TEXT

pytestmark = pytest.mark.e2e

# Where each chart is and how large its smallest text is drawn, in CSS pixels. A grid is an SVG picture (its font sizes
# in its own units, scaled by how wide it is drawn; a superscript is 70% of its text) or a plotly chart (SVG text).
_MEASURE = """els => els.map(e => {
  const r = e.getBoundingClientRect();
  const sizes = [];
  if (e.tagName === 'IMG') {
    const svg = new DOMParser().parseFromString(atob(e.src.split(',')[1]), 'image/svg+xml').documentElement;
    const scale = r.width / Number(svg.getAttribute('viewBox').split(' ')[2]);
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const size = parseFloat(t.getAttribute('font-size')) * scale;
      sizes.push(size);
      for (const s of t.querySelectorAll('tspan[font-size$="%"]')) sizes.push(size * parseFloat(s.getAttribute('font-size')) / 100);
    }
  } else {
    for (const t of e.querySelectorAll('svg text')) if (t.textContent.trim()) sizes.push(parseFloat(getComputedStyle(t).fontSize));
  }
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: Math.min(...sizes)};
})"""


# Whether a text is cut off: the nearest box that ends overflowing text with an ellipsis is narrower than the text.
_CUT_OFF = """e => {
  for (let n = e; n; n = n.parentElement)
    if (getComputedStyle(n).textOverflow === 'ellipsis') return n.scrollWidth > n.clientWidth;
  return null;  // no such box: the check itself needs looking at
}"""


@pytest.fixture
def projector(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def _grids(pg, key: str):
    return pg.locator(f'.st-key-stepthrough_{key} [data-testid="stImage"] img, '
                      f'.st-key-stepthrough_{key} [data-testid="stPlotlyChart"]')


def test_the_convolution_step_through_fits_one_projector_screen(app_server, projector, artifacts_dir):
    pg = projector
    pg.goto(f"{app_server}/convolution?presenter=1")
    pg.get_by_text("Step (of 16)").wait_for()
    # The toggle's own label in large type is whole, not cut to "Presenter m..." by its column.
    assert pg.get_by_text("Presenter mode", exact=True).evaluate(_CUT_OFF) is False
    grids = _grids(pg, "conv")
    pg.wait_for_function("() => document.querySelectorAll('.st-key-stepthrough_conv img, "
                         ".st-key-stepthrough_conv [data-testid=\"stPlotlyChart\"]').length === 3")
    grids.first.scroll_into_view_if_needed()
    boxes = grids.evaluate_all(_MEASURE)
    inp, kernel, out = boxes
    assert inp["right"] <= kernel["left"] and kernel["right"] <= out["left"]  # side by side, in that order
    for box in boxes:  # all three on the screen at once: the window and the output cell it makes
        assert box["left"] >= 0 and box["top"] >= 0 and box["right"] <= 1280 and box["bottom"] <= 720, box
        assert box["text"] >= MIN_CHART_TEXT, box
    assert inp["bottom"] - inp["top"] > 400  # larger than on a laptop (344 px): grown for the room
    pg.screenshot(path=str(artifacts_dir / "e2e-presenter-convolution-1280x720.png"))


def test_the_pooling_step_through_stays_side_by_side(app_server, projector, artifacts_dir):
    pg = projector
    pg.goto(f"{app_server}/pooling?presenter=1")
    pg.get_by_text("Step (of 4)").wait_for()
    pg.wait_for_function("() => document.querySelectorAll('.st-key-stepthrough_pool img, "
                         ".st-key-stepthrough_pool [data-testid=\"stPlotlyChart\"]').length === 2")
    grids = _grids(pg, "pool")
    grids.first.scroll_into_view_if_needed()
    inp, out = grids.evaluate_all(_MEASURE)
    assert inp["right"] <= out["left"] and out["right"] <= 1280 and max(inp["bottom"], out["bottom"]) <= 720
    assert min(inp["text"], out["text"]) >= MIN_CHART_TEXT
    pg.screenshot(path=str(artifacts_dir / "e2e-presenter-pooling-1280x720.png"))


def test_chart_text_grows_in_presenter_mode(app_server, projector, artifacts_dir):
    pg = projector
    pg.goto(f"{app_server}/architectures?presenter=1")
    chart = pg.locator('[data-testid="stPlotlyChart"]').first
    chart.locator("svg text").first.wait_for()
    chart.scroll_into_view_if_needed()
    pg.wait_for_timeout(500)  # plotly draws its axes after the chart appears
    (measured,) = chart.evaluate_all(_MEASURE)
    assert measured["text"] >= MIN_CHART_TEXT  # titles, axes and layer names alike
    pg.screenshot(path=str(artifacts_dir / "e2e-presenter-architectures-1280x720.png"))


# Each frame drawn in a grid picture (the window on an input channel, the current cell on an output map), mapped from
# the picture's own units to CSS pixels of the page.
_FRAMES = """els => els.map(e => {
  const r = e.getBoundingClientRect();
  const svg = new DOMParser().parseFromString(atob(e.src.split(',')[1]), 'image/svg+xml').documentElement;
  const scale = r.width / Number(svg.getAttribute('viewBox').split(' ')[2]);
  const title = svg.querySelector('text').textContent;
  return {title, frames: [...svg.querySelectorAll('path')].map(p => {
    const n = p.getAttribute('d').match(/-?[\\d.]+/g).map(Number);
    const xs = n.filter((_, i) => i % 2 === 0), ys = n.filter((_, i) => i % 2 === 1);
    return {left: r.left + Math.min(...xs) * scale, right: r.left + Math.max(...xs) * scale,
            top: r.top + Math.min(...ys) * scale, bottom: r.top + Math.max(...ys) * scale};
  })};
})"""


def test_the_volumes_step_through_fits_one_projector_screen(app_server, projector, artifacts_dir):
    """Three input channels, one filter's three slices and two output maps: the window on every channel and the output
    cell it makes are on the screen together, and the whole step-through is no taller than the screen."""
    pg = projector
    pg.goto(f"{app_server}/volumes?presenter=1&step=7")
    pg.get_by_text("Step (of 18)").wait_for()
    pg.wait_for_function("() => document.querySelectorAll('.st-key-stepthrough_vol img').length === 8")
    box = pg.locator(".st-key-stepthrough_vol")
    box.evaluate("e => e.scrollIntoView({block: 'end'})")  # its top just below the header bar
    pg.wait_for_timeout(300)
    top, bottom = box.evaluate("e => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]")
    assert bottom - top <= 720 - 60, (top, bottom)  # room for the page's header bar
    pictures = _grids(pg, "vol").evaluate_all(_FRAMES)
    windows = [f for p in pictures if p["title"].startswith("Input") for f in p["frames"]]
    cells = [f for p in pictures if p["title"].startswith("Output") for f in p["frames"]]
    assert len(windows) == 3 and len(cells) == 1, pictures  # a window on R, G and B; the cell of filter 1 or 2
    for frame in windows + cells:
        assert frame["left"] >= 0 and frame["top"] >= 0 and frame["right"] <= 1280 and frame["bottom"] <= 720, frame
    assert max(w["top"] for w in windows) < cells[0]["bottom"] and cells[0]["top"] < max(w["bottom"] for w in windows)
    pg.screenshot(path=str(artifacts_dir / "e2e-presenter-volumes-1280x720.png"))
