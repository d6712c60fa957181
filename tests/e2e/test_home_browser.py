"""End to end: Home's lesson buttons show their whole label on a laptop screen."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width, height", [(1280, 720), (1366, 768)])
def test_start_lesson_labels_are_not_clipped(app_server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(app_server)
        links = page.locator('[data-testid="stPageLink"] a', has_text="Start lesson")
        links.first.wait_for()
        assert links.count() >= 10
        # the label's text element: its content must fit its box (no ellipsis, no cut-off)
        sizes = links.evaluate_all("""links => links.map(a => {
            // the innermost element that holds the label's text
            const label = [...a.querySelectorAll('*')].filter(e => e.textContent.trim().startsWith('Start lesson')).pop() || a;
            return [label.scrollWidth, label.clientWidth, a.scrollWidth, a.clientWidth, label.textContent.trim()];
        })""")
        for label_scroll, label_client, link_scroll, link_client, text in sizes:
            assert text == "Start lesson"
            assert label_scroll <= label_client and link_scroll <= link_client, (width, sizes[0])
    finally:
        context.close()
