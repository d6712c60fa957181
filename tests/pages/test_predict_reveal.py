""""Predict, then reveal" hides what answers its open questions until they are checked, and a course example's note
is shown only while the settings are the example's own."""

import base64

from cvcore import lessons
from tests.pages.conftest import texts

_SVG = "data:image/svg+xml;base64,"


def _page_text(at) -> str:
    """What the page shows: its text elements and every chart (plotly figures, and grids drawn as SVG pictures)."""
    charts = [str(c.proto.spec) for c in at.get("plotly_chart")]
    charts += [base64.b64decode(img.url[len(_SVG):]).decode() for image in at.get("image") for img in image.proto.imgs
               if img.url.startswith(_SVG)]
    return texts(at) + "\n".join(charts)


def _open_questions(at, ns: str):
    at.session_state[f"_q.{ns}.open"] = True  # the learner opens "Predict, then reveal"
    return at.run()


def _check(at, ns: str, number: int, answer) -> None:
    given = next(w for w in at.number_input if w.key.startswith(f"_q.{ns}.{number}."))
    given.set_value(answer).run()
    at.button(key=given.key.replace(".given", ".check")).click().run()
    assert not at.exception, at.exception


def test_convolution_hides_its_output_size_until_checked(open_page):
    at = open_page("convolution", sections_open=False)
    assert "= 4" in _page_text(at) and "Output 4x4" in _page_text(at)  # shown while no question is open
    _open_questions(at, "conv")
    prompts = [m.value for m in at.markdown if m.value[:3] in ("**1", "**2", "**3")]
    assert "How many cells wide is the output?" in prompts[0]
    assert not any("4x4" in p for p in prompts)  # no question gives another's answer away
    page = _page_text(at)
    assert "= 4" not in page and "Output 4x4" not in page and "4 x 4 cells" not in page
    assert "Hidden while you predict: check question 1" in page
    assert "= \\;?" in "\n".join(x.value for x in at.latex)
    # 16 steps would say 4x4: no "(of 16)", and no slider, whose end would read 16
    assert [n.label for n in at.number_input if n.key == "conv.step"] == ["Step"]
    assert not [s for s in at.slider if s.key == "conv.step"]
    _check(at, "conv", 1, 5)  # a wrong answer reveals it too
    page = _page_text(at)
    assert "= 4" in page and "Output 4x4" in page and "Hidden while you predict" not in page
    assert at.slider(key="conv.step").label == "Step (of 16)"


def test_convolution_practice_questions_hide_nothing(open_page):
    at = _open_questions(open_page("convolution", sections_open=False), "conv")
    at.button(key="_q.conv.more").click().run()
    assert "= 4" in _page_text(at) and "Output 4x4" in _page_text(at)  # they are about other settings


def test_volumes_hides_the_output_shape_and_the_parameter_count_until_checked(open_page):
    at = open_page("volumes", sections_open=False)
    size, params = lessons.questions_for("vol", {"src": "random", "n": 5, "channels": 3, "bank": "brightness_edges"})
    assert (size.answer, params.answer) == (3, 56)  # (3·3·3 + 1)·2, by hand
    assert "**56**" in _page_text(at)
    _open_questions(at, "vol")
    page = _page_text(at)
    assert "**56**" not in page and "3 \\times 3 \\times 2" not in page and "Output: one map per filter" in page
    assert "Hidden while you predict: check question 1" in page
    _check(at, "vol", 2, 56)
    page = _page_text(at)
    assert "**56**" in page and "3 \\times 3 \\times 2" not in page  # question 1 still waits
    _check(at, "vol", 1, 3)
    assert "3 \\times 3 \\times 2" in _page_text(at) and "Hidden while you predict" not in _page_text(at)


def test_volume_questions_count_the_filters_on_screen(open_page):
    at = _open_questions(open_page("volumes", sections_open=False, bank="colour_edges"), "vol")
    assert any("3 filters of 3x3x3" in m.value for m in at.markdown)  # the colour bank has one filter per channel


def test_pooling_hides_its_output_size_until_checked(open_page):
    at = open_page("pooling", sections_open=False)
    assert "2 \\times 2 \\times 1" in _page_text(at)
    _open_questions(at, "pool")
    assert "2 \\times 2 \\times 1" not in _page_text(at) and "Output 2x2" not in _page_text(at)
    _check(at, "pool", 1, 2)
    assert "2 \\times 2 \\times 1" not in _page_text(at)  # question 2 (how many numbers) also reads it
    _check(at, "pool", 2, 4)
    assert "2 \\times 2 \\times 1" in _page_text(at)


def test_pooling_note_follows_the_kind(open_page):
    at = open_page("pooling", sections_open=False)
    assert "keeps its largest value" in texts(at)
    at.radio(key="pool.kind").set_value("avg").run()
    page = texts(at)
    assert "keeps its largest value" not in page
    assert "about max pooling, f = 2, s = 2, no padding; these settings differ" in page
    at.radio(key="pool.kind").set_value("max").run()
    assert "keeps its largest value" in texts(at)


def test_stride_example_note_leaves_with_reflect_padding(open_page):
    at = open_page("convolution", sections_open=False)
    at.selectbox(key="conv.src").set_value("stride_7x7").run()
    assert "88 and 117" in texts(at)
    at.radio(key="conv.pad").set_value("number").run()
    at.number_input(key="conv.p").set_value(1).run()
    at.selectbox(key="conv.mode").set_value("reflect").run()
    page = texts(at)
    assert "88 and 117" not in page and "83 and 127" not in page
    assert "about the course's kernel, stride 2, no padding; these settings differ" in page
    at.number_input(key="conv.p").set_value(0).run()
    assert "88 and 117" in texts(at)  # p = 0 is the example again, whatever the padding mode


def test_inside_questions_ask_what_the_layer_box_does_not_show(open_page):
    at = _open_questions(open_page("inside_cnn", sections_open=False), "inside")
    layer = at.selectbox(key="inside.layer")
    assert layer.value == "features.6" and "32 x 28 x 28" in layer.format_func(layer.value)  # the box shows the shape
    questions = lessons.questions_for("inside", {"layer": "features.6"})
    assert [q.answer for q in questions] == [32 * 28 * 28, 40, 32]  # numbers, another photo size, pixels per cell
    page = _page_text(at)
    assert "25,088" not in page and "25088" not in page
    _check(at, "inside", 1, 25088)
    assert any(s.value.startswith("Right: **25,088**") for s in at.success)


def test_an_answer_typed_for_one_step_is_not_graded_against_the_next(open_page):
    at = _open_questions(open_page("convolution", sections_open=False), "conv")
    at.button(key="_lesson.conv.1").click().run()  # 6x6 with 3x3: 4·4 cells x 9 = 144 multiplications
    _check(at, "conv", 2, 144)
    assert any(s.value.startswith("Right: **144**") for s in at.success)
    at.button(key="_lesson.conv.5").click().run()  # 9x9, dilation 2: the same question, another answer (225)
    assert not at.exception
    given = next(w for w in at.number_input if w.key.startswith("_q.conv.2."))
    assert given.value is None  # the box starts empty for the new state
    assert not [w for w in at.warning if "Not quite" in w.value] and not at.success
    assert "225" not in _page_text(at)


def test_a_lesson_note_hides_the_number_its_question_asks_until_checked(open_page):
    at = _open_questions(open_page("transposed", sections_open=False, lesson="1"), "tconv")
    note = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    assert "+ 3 = ?, the output's side" in note and "5x5" not in note  # (2 - 1)·2 + 3 = 5
    assert "Hidden while you predict: check question 1" in texts(at)
    _check(at, "tconv", 1, 5)
    note = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    assert "+ 3 = 5, the output's side" in note
