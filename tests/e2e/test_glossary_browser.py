"""End to end: a lab's glossary link points at the term's entry on the glossary page, which has that anchor."""

import pytest

pytestmark = pytest.mark.e2e


def test_a_lab_links_its_terms_to_their_glossary_entries(app_server, page):
    page.goto(f"{app_server}/pooling")
    link = page.locator('a[href="glossary#max-pooling"]').first
    link.wait_for()
    assert link.evaluate("a => a.href") == f"{app_server}/glossary#max-pooling"
    page.goto(f"{app_server}/glossary#max-pooling")
    entry = page.locator("#max-pooling")
    entry.wait_for()
    assert entry.inner_text().strip().startswith("Max pooling")
