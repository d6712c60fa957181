"""Lessons, questions and presenter mode in the labs (AppTest): a step sets the controls and the page follows,
a ``lesson=k`` link reopens the step, answers are checked, and presenter mode travels in the link."""

import torch
import torch.nn.functional as F

from cvcore import lessons
from cvcore.teach import course
from tests.pages.conftest import texts


def _step_slider(at) -> str:
    return next(s.label for s in at.slider if s.label.startswith("Step (of"))


def test_a_lesson_step_sets_the_convolution_lab_and_the_link(open_page):
    at = open_page("convolution", sections_open=False)
    assert _step_slider(at) == "Step (of 16)"
    at.button(key="_lesson.conv.4").click().run()  # "Stride skips positions": the course's 7x7 example, stride 2
    assert not at.exception and _step_slider(at) == "Step (of 9)"
    assert at.query_params["lesson"] == "4" and at.query_params["stride"] == "2"
    assert any(i.value.startswith("**What to notice.** Stride 2 on a 7x7 input") for i in at.info)
    ex = course.conv_examples()["stride_7x7"]
    first = F.conv2d(torch.tensor(ex.image)[None, None], torch.tensor(ex.kernel)[None, None], stride=2)[0, 0, 0, 0]
    assert f"= {int(first)}" in texts(at)  # the first cell's sum, as PyTorch computes it
    at.number_input(key="conv.stride").set_value(1).run()  # moving a control leaves the lesson's step
    assert not at.exception and "lesson" not in at.query_params and _step_slider(at) == "Step (of 25)"


def test_a_lesson_link_opens_its_step_and_explicit_settings_win(open_page):
    at = open_page("pooling", sections_open=False, lesson="3")  # overlapping windows: 5x5, f = 3, s = 1
    assert _step_slider(at) == "Step (of 9)" and at.query_params["lesson"] == "3"
    x = torch.tensor(course.pool_examples()["max_5x5_f3"].image)
    window = x[:3, :3].flatten().tolist()
    assert f"max({', '.join(f'{v:g}' for v in window)}) = {max(window):g}" in texts(at)
    at.switch_page("labs/home/page.py").run()  # "Start lesson" later in the same session applies the step again
    at.query_params.clear()  # a page link carries only its own parameters
    at.query_params["lesson"] = "2"
    at.switch_page("labs/pooling/page.py").run()
    assert not at.exception and at.session_state["pool.kind"] == "avg" and at.session_state["pool.size"] == 2
    assert _step_slider(at) == "Step (of 4)" and at.query_params["lesson"] == "2"
    at = open_page("pooling", sections_open=False, lesson="3", stride="2")
    assert _step_slider(at) == "Step (of 4)"  # the link's own stride: floor((5 - 3) / 2) + 1 = 2 per side
    assert "lesson" not in at.query_params  # that is no longer the lesson's state


def test_a_detection_step_shows_the_promised_iou(open_page):
    at = open_page("detection", sections_open=False)
    at.button(key="_lesson.det.3").click().run()
    assert not at.exception and at.query_params["view"] == "iou"
    assert "0.1667" in texts(at)  # 4 / (12 + 16 - 4), as the step says


def test_questions_check_the_answer_and_explain_it(open_page):
    at = open_page("convolution", sections_open=False)
    size = lessons.questions_for("conv", {"src": "edge_6x6", "ksize": 3, "stride": 1, "dilation": 1, "pad": "valid"})[0]
    assert size.answer == 4
    assert not [w for w in at.number_input if w.key.startswith("_q.conv.")]  # closed: not built
    at.session_state["_q.conv.open"] = True  # the learner opens "Predict, then reveal"
    at.run()
    given = next(w for w in at.number_input if w.key.startswith("_q.conv.1."))
    given.set_value(5).run()
    at.button(key=given.key.replace(".given", ".check")).click().run()
    assert any(w.value.startswith("Not quite: the answer is **4**") for w in at.warning)
    given = next(w for w in at.number_input if w.key.startswith("_q.conv.1."))
    given.set_value(4).run()
    at.button(key=given.key.replace(".given", ".check")).click().run()
    assert any(s.value.startswith("Right: **4**") for s in at.success)
    before = [m.value for m in at.markdown if m.value.startswith("**1.**")]
    at.button(key="_q.conv.more").click().run()
    after = [m.value for m in at.markdown if m.value.startswith("**1.**")]
    assert not at.exception and after != before and at.caption  # a practice set about other settings


def test_presenter_mode_comes_from_the_link_and_goes_back_into_it(open_page):
    at = open_page("transposed", sections_open=False, presenter="1")
    assert at.toggle(key="presenter_toggle").value is True
    assert any("font-size" in h.proto.body for h in at.get("html"))
    at.toggle(key="presenter_toggle").set_value(False).run()
    assert "presenter" not in at.query_params and not any("font-size" in h.proto.body for h in at.get("html"))
    at.toggle(key="presenter_toggle").set_value(True).run()
    assert at.query_params["presenter"] == "1"
