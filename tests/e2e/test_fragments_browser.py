"""A lab's controls rerun only their part of the page (``ui.page.part``, an ``st.fragment``): in Chromium, what such a
rerun must still keep right: the output, the link, the lesson and the questions follow the control that moved."""

import pytest

pytestmark = pytest.mark.e2e


def _set_stride(pg, value: int) -> None:
    stride = pg.get_by_label("Stride s")
    stride.fill(str(value))
    stride.press("Enter")


def test_a_control_in_the_part_updates_its_output_the_link_and_the_open_questions(app_server, page, artifacts_dir):
    page.goto(f"{app_server}/convolution")
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_text("Predict, then reveal").click()
    page.get_by_text("s = 1, dilation d = 1. How many cells wide is the output?").wait_for()

    _set_stride(page, 2)
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('stride') === '2'")
    # The questions, drawn at the top of the page, are about the stride now on screen.
    page.get_by_text("s = 2, dilation d = 1. How many cells wide is the output?").wait_for()
    assert page.get_by_text("s = 1, dilation d = 1. How many cells wide").count() == 0

    # An answer is checked against the settings on screen: 2 cells wide at stride 2; the output shows then.
    page.get_by_label("Your answer").first.fill("2")
    page.get_by_label("Your answer").first.press("Enter")
    page.get_by_role("button", name="Check").first.click()
    page.get_by_text("Right: 2.").wait_for()
    page.get_by_text("Step (of 4)").wait_for()  # the output of the part
    page.screenshot(path=str(artifacts_dir / "e2e-fragment-questions.png"))

    # The title, the teaching text and the navigation stayed where they were.
    assert page.locator("h1").filter(has_text="Convolution").count() == 1
    assert page.get_by_role("link", name="Home").count() >= 1


def test_a_link_copied_after_a_part_only_change_reopens_that_state(app_server, browser, page):
    page.goto(f"{app_server}/convolution")
    page.get_by_text("Step (of 16)").wait_for()
    _set_stride(page, 2)
    page.get_by_text("Step (of 4)").wait_for()
    page.get_by_role("button", name="▶").first.click()  # the stepper: a part inside the part
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('step') === '2'")
    shown = page.locator("code").filter(has_text="×").first.inner_text()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1800})
    other = fresh.new_page()
    other.goto(page.url)
    other.get_by_text("Step (of 4)").wait_for(timeout=60_000)
    assert other.locator("code").filter(has_text="×").first.inner_text() == shown
    fresh.close()


def test_a_lesson_step_leaves_the_link_when_a_control_of_the_part_moves_away(app_server, page):
    page.goto(f"{app_server}/convolution?lesson=3")  # "Padding keeps the size": same padding, step 1
    page.get_by_text("Lesson: 5 steps (step 3)").wait_for()
    page.get_by_text("Step (of 36)").wait_for()

    _set_stride(page, 2)  # 'same' padding refuses stride 2: the part stops early, with the panels still drawn
    page.get_by_text("'same' padding keeps the size only at stride 1").wait_for()
    page.get_by_text("Lesson: 5 steps (step 3)").wait_for()
    page.get_by_text("Predict, then reveal").wait_for()
    _set_stride(page, 1)
    page.get_by_text("Step (of 36)").wait_for()

    page.get_by_text("valid (p = 0)").click()  # a setting the step names moves away from it
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_text("Lesson: 5 steps (step 3)").wait_for(state="detached")
    page.get_by_text("Lesson: 5 steps").wait_for()
    page.wait_for_function("() => !new URLSearchParams(window.location.search).has('lesson')")

    page.get_by_text("Lesson: 5 steps").click()  # open the lesson and go back to the step ...
    page.get_by_role("button", name="3. Padding keeps the size").click()
    page.get_by_text("Lesson: 5 steps (step 3)").wait_for()
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('lesson') === '3'")
    page.get_by_text("Step (of 36)").wait_for()

    page.get_by_role("button", name="▶").first.click()  # ... then the stepper moves away from its step 1
    page.get_by_text("Lesson: 5 steps (step 3)").wait_for(state="detached")
    page.wait_for_function("() => !new URLSearchParams(window.location.search).has('lesson')")
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('step') === '2'")
