"""The pages of the rest of the convolution chapter, driven through AppTest."""

import torch
import torch.nn.functional as F

from cvcore.conv import filter_bank
from harness.apptest import finish_jobs
from tests.pages.conftest import errors, image_captions, texts


def test_volumes_page_sums_channels_then_bias_then_relu(open_page):
    at = open_page("volumes")
    assert errors(at) == []
    assert "5 \\times 5 \\times 3" in at.latex[0].value and "3 \\times 3 \\times 2" in at.latex[0].value
    assert "= **56**" in texts(at)  # (3*3*3 + 1) * 2 parameters
    lines = at.code[0].value.splitlines()
    assert [line[:2] for line in lines[:3]] == ["R:", "G:", "B:"] and "bias 0" in lines[3]
    at.text_input(key="vol.bias").input("-100, 5").run()
    assert "bias -100" in at.code[0].value and "ReLU" in at.code[0].value
    assert at.code[0].value.endswith("= 0")  # a large negative bias, then ReLU
    assert "Match" in [s.value for s in at.success]


def test_volumes_page_reports_bad_biases_and_bank_mismatch(open_page):
    at = open_page("volumes", bias="1,2,3")
    assert any("expected 2 biases" in e for e in errors(at))
    at = open_page("volumes", bank="colour_edges", channels="2")
    assert any("needs a 3-channel input" in e for e in errors(at))


def test_volumes_page_photo_feature_maps(open_page):
    at = open_page("volumes", bank="colour_edges")
    captions = image_captions(at)
    assert captions == ["Input (R, G, B)"] + [f"Feature map of filter {i}" for i in (1, 2, 3)]
    assert filter_bank("colour_edges", 3)[1, 1].abs().sum() == 6  # filter 2 sees only G


def test_separable_page_operations_and_course_costs(open_page):
    at = open_page("separable")
    assert errors(at) == [] and any("agrees" in s.value for s in at.success)
    for op in ("depthwise", "separable", "grouped"):
        at.radio(key="sep.op").set_value(op).run()
        assert errors(at) == [], op
    costs = at.dataframe[-1].value
    # standard 8*8*256*75; separable 8*8*3*25 + 8*8*256*3; bottleneck 12*12*16*3 + 8*8*256*400 (it only pays off
    # when n_C is large, as in the Inception example below); grouped with g = 1 equals standard
    assert list(costs["multiplications"]) == ["1,228,800", "53,952", "6,560,512", "1,228,800"]
    at.selectbox(key="sep.preset").set_value("course_inception").run()
    costs = at.dataframe[-1].value
    assert costs["multiplications"][0] == "120,422,400" and costs["multiplications"][2] == "12,443,648"
    assert costs["steps"][2] == "2,408,448 + 10,035,200"


def test_separable_page_explains_groups_that_do_not_divide(open_page):
    at = open_page("separable", op="grouped", c="4", g="3")
    assert any("groups must divide" in e for e in errors(at))
    at = open_page("separable", preset="custom", cin="5", cg="2")
    assert any("groups must divide both channel counts" in e for e in errors(at))


def test_transposed_page_both_views(open_page):
    at = open_page("transposed")
    assert errors(at) == []
    assert at.slider(key="tconv.step").max == 25  # (2-1)*2 + 3 = 5, a 5x5 output
    at.slider(key="tconv.step").set_value(13).run()  # the centre: stamps of all four cells overlap
    assert at.code[0].value.endswith("= 10")
    at.radio(key="tconv.view").set_value("scatter").run()
    assert at.slider(key="tconv.step").max == 4
    assert "Match" in [s.value for s in at.success]
    ref = F.conv_transpose2d(torch.tensor([[[[1.0, 2], [3, 4]]]]), torch.ones(1, 1, 3, 3), stride=2)[0, 0]
    assert ref[2, 2] == 10


def test_transposed_page_refuses_bad_output_padding(open_page):
    at = open_page("transposed", out_pad="2")
    assert any("output_padding must be smaller than the stride or the dilation" in e for e in errors(at))
    at.number_input(key="tconv.out_pad").set_value(1).run()
    assert errors(at) == [] and at.slider(key="tconv.step").max == 36


def test_dimensions_page_parts(open_page):
    at = open_page("dimensions")
    assert errors(at) == [] and "5 x 5" in texts(at)
    at = open_page("dimensions", part="1d")
    tables = [t.value for t in at.dataframe]
    assert list(tables[-1]["output"]) == ["14 x 1", "10 x 16", "6 x 32"]
    assert "`F.conv1d` agrees (largest difference 0)" in texts(at)
    at = open_page("dimensions", part="3d")
    tables = [t.value for t in at.dataframe]
    assert list(tables[-1]["output"]) == ["14 x 14 x 14 x 1", "10 x 10 x 10 x 16", "6 x 6 x 6 x 32"]
    assert list(tables[-1]["parameters"]) == [0, 2016, 64032]
    at = open_page("dimensions", part="1d", k1="custom", taps="1, x")
    assert any("'x'; expected a number" in e for e in errors(at))


def test_learning_a_filter_converges(open_page):
    at = open_page("learn_filter")
    assert "Press **Train**" in texts(at)
    finish_jobs(at.button(key="learn.train").click().run())
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Largest difference from the target"]) < 0.01
    at = open_page("learn_filter", lr="3")
    finish_jobs(at.button(key="learn.train").click().run())
    assert any("learning rate is too high" in e for e in errors(at))
    at = open_page("learn_filter", target="custom", tgrid="1,2/3,4")
    assert any("must be 3x3" in e for e in errors(at))
