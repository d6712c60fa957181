"""Numbers read as a course writes them: "an 8x8 input", "1 channel", "- 0.5" (not "+ -0.5"), a digit class named
once, and practice questions with settings a real layer would use."""

import re

from cvcore.inside.features import Prediction
from cvcore.lessons import conv_variants, convolutions
from cvcore.teach.words import article, count, plain, signed
from cvcore.viz.maps import top5_figure


def test_the_article_follows_how_a_number_is_read():
    assert [f"{article(n)} {n}x{n}" for n in (8, 11, 18, 32, 80, 100)] == [
        "an 8x8", "an 11x11", "an 18x18", "a 32x32", "an 80x80", "a 100x100"]
    assert article(224, start=True) == "A" and article(8, start=True) == "An"


def test_counts_and_signs():
    assert (count(1, "channel"), count(2, "channel"), count(1, "box", "boxes")) == ("1 channel", "2 channels", "1 box")
    assert (signed(-0.25, 2), signed(0.25, 2), signed(-1e-9)) == ("- 0.25", "+ 0.25", "+ 0.000000")
    assert plain(-1e-9) == "0.000000"


def test_a_class_named_by_its_index_is_written_once():
    fig = top5_figure([Prediction(7, "7", 0.9), Prediction(1, "1", 0.1), Prediction(281, "tabby", 0.0)])
    assert list(fig.data[0].y) == ["tabby (281)", "1", "7"]


def _numbers(prompt: str, *names: str) -> list[int]:
    return [int(re.search(rf"\b{name} = (\d+)", prompt).group(1)) for name in names]


def test_pooling_practice_uses_real_windows():
    for variant in range(1, 300):
        prompt = convolutions.pool_questions({"src": "random"}, variant)[0].prompt
        f, s = _numbers(prompt, "f", "s")
        assert 2 <= f <= 4 and 1 <= s <= f, prompt


def test_volume_practice_neither_skips_cells_nor_over_pads():
    for variant in range(1, 300):
        prompt = convolutions.volume_questions({}, variant)[0].prompt
        f, stride, p = map(int, re.search(r"filters of (\d+)x.*stride (\d+), padding (\d+)", prompt).groups())
        assert stride <= f and p <= f // 2, prompt


def test_question_prompts_never_write_a_before_eight_or_brackets_for_plurals():
    for variant in range(0, 60):
        for make in (convolutions.pool_questions, convolutions.volume_questions, convolutions.conv_questions,
                     conv_variants.transposed_questions, conv_variants.dims_questions):
            for q in make({}, variant):
                assert not re.search(r"\b[aA] (8|11\b|18\b)", q.prompt) and "(s)" not in q.prompt, q.prompt
