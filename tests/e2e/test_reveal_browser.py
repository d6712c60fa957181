"""Predict, then reveal in Chromium: while a question about the screen is open, its answer is nowhere in what the
page shows (the lesson's note, the step count); after Check it is."""

import pytest

pytestmark = pytest.mark.e2e


def _text(pg) -> str:
    return pg.evaluate("() => document.body.innerText")


def _open_questions(pg) -> None:
    pg.get_by_text("Predict, then reveal").first.click()
    pg.get_by_text("About the settings on screen").wait_for()
    pg.get_by_text("Hidden while you predict").first.wait_for()


def _check(pg, number: int, answer: int) -> None:
    box = pg.get_by_label("Your answer").nth(number - 1)
    box.fill(str(answer))
    box.press("Enter")
    pg.get_by_role("button", name="Check").nth(number - 1).click()
    pg.get_by_text(f"Right: {answer}").wait_for()


def test_convolution_hides_the_output_side_until_it_is_checked(app_server, page):
    page.goto(f"{app_server}/convolution?lesson=1")  # the course's 6x6 example: a 4x4 output
    page.get_by_text("Step (of 16)").wait_for()
    page.get_by_text("that is the output's side, 4.").wait_for()
    _open_questions(page)
    page.get_by_text("that is the output's side, ?.").wait_for()
    shown = _text(page)
    assert "output's side, 4" not in shown and "(of 16)" not in shown and "Output 4x4" not in shown
    _check(page, 1, 4)
    page.get_by_text("that is the output's side, 4.").wait_for()
    page.get_by_text("Step (of 16)").wait_for()
    assert "Hidden while you predict" not in _text(page)


def test_pooling_keeps_the_step_count_until_both_size_questions_are_checked(app_server, page):
    page.goto(f"{app_server}/pooling?lesson=1")  # 4x4, f = 2, s = 2: a 2x2 output, 4 numbers
    page.get_by_text("Step (of 4)").wait_for()
    _open_questions(page)
    page.get_by_text("an output ? cells wide").wait_for()
    assert "(of 4)" not in _text(page) and "output 2 cells wide" not in _text(page)
    _check(page, 1, 2)
    page.get_by_text("an output 2 cells wide").wait_for()
    assert "(of 4)" not in _text(page)  # the number of steps is question 2's answer
    _check(page, 2, 4)
    page.get_by_text("Step (of 4)").wait_for()
