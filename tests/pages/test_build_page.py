"""The Build-your-own-CNN page driven through AppTest."""

import pandas as pd

from harness.apptest import finish_jobs
from tests.pages.conftest import errors, image_captions, texts


def test_the_course_network_is_shown_and_trains(open_page):
    at = open_page("build_cnn", epochs="2")
    assert errors(at) == []
    assert "**167,114 parameters**" in texts(at)
    table = next(d.value for d in at.dataframe if "output shape" in d.value.columns)
    assert list(table["output shape"][:3]) == ["32 x 26 x 26", "32 x 26 x 26", "32 x 13 x 13"]
    finish_jobs(at.button(key="build.train").click().run())
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Validation accuracy"].rstrip("%")) > 70


def test_a_layer_that_does_not_fit_is_flagged_and_training_is_disabled(open_page):
    at = open_page("build_cnn", layers="conv-8-3-1-0_maxpool-0-30-30-0_flatten_linear-10-3-1-0")
    assert any(e.startswith("Layer 2 (maxpool 30x30) gets a 26x26 input") for e in errors(at))
    assert at.button(key="build.train").disabled
    at = open_page("build_cnn", layers="conv-8-3-1-0_flatten_linear-5-3-1-0")
    assert any("must give 10 numbers" in e for e in errors(at))


def test_lesson_3_says_in_full_which_layer_does_not_fit_and_why(open_page):
    at = open_page("build_cnn", lesson="3")  # "A layer that does not fit": 28 -> 24 -> 12 -> 8 -> 4, then a 5x5 kernel
    assert errors(at) == ["Layer 5 (conv 5x5) gets a 4x4 input: a 5x5 kernel does not fit in 4x4 without padding. "
                          "Give it padding 1 or more, a smaller kernel, or remove a pooling layer before it."]
    table = next(d.value for d in at.dataframe if "check" in d.value.columns)
    assert list(table["check"]) == ["✓"] * 4 + ["✗ see the message above"] + ["not checked"] * 2
    assert list(table["output shape"]) == ["8 x 24 x 24", "8 x 12 x 12", "8 x 8 x 8", "8 x 4 x 4", "", "", ""]
    shown = "\n".join(errors(at) + [str(v) for v in table["check"]])
    assert "padded input size" not in shown and "Kernel size" not in shown  # never PyTorch's own text
    assert at.button(key="build.train").disabled
    at = open_page("build_cnn", layers="conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-1_"
                                       "flatten_linear-10-3-1-0")  # the first fix it offers: padding 1
    assert errors(at) == [] and not at.button(key="build.train").disabled


def test_batch_norm_comparison(open_page):
    at = open_page("build_cnn", epochs="2")
    at.session_state["build.open_best"] = True
    at.run()
    finish_jobs(at.button(key="build.compare_go").click().run())
    assert errors(at) == []
    assert "with batch norm:" in texts(at) and "without batch norm:" in texts(at)


def test_residual_comparison(open_page):
    at = open_page("build_cnn", epochs="1", compare="residual")
    at.session_state["build.open_best"] = True
    at.run()
    finish_jobs(at.button(key="build.compare_go").click().run())
    assert errors(at) == [] and "with residual blocks:" in texts(at)


def test_the_layer_table_shows_only_the_settings_each_layer_has(open_page):
    at = open_page("build_cnn", layers="conv-8-3-1-0_relu_maxpool-0-2-2-0_dropout-0.25_flatten_linear-10-3-1-0")
    assert errors(at) == []
    table = next(d.value for d in at.dataframe if "dropout p" in d.value.columns)
    assert list(table["layer"]) == ["conv", "relu", "maxpool", "dropout", "flatten", "linear"]
    filled = {row["layer"]: [c for c in table.columns[1:] if not pd.isna(row[c])] for _, row in table.iterrows()}
    assert filled == {"conv": ["filters / units", "kernel", "stride", "padding"], "relu": [],
                      "maxpool": ["kernel", "stride", "padding"], "dropout": ["dropout p"], "flatten": [],
                      "linear": ["filters / units"]}
    assert str(table["kernel"].dtype) == "Int64" and table["kernel"][0] == 3


def test_the_editor_reopens_on_the_course_example_after_the_reset(open_page):
    at = open_page("build_cnn", layers="conv-8-3-1-0_flatten_linear-10-3-1-0")
    first = at.session_state["build._editor"]["version"]
    at.button(key="build.reset").click().run()
    assert errors(at) == [] and "**167,114 parameters**" in texts(at)
    table = next(d.value for d in at.dataframe if "dropout p" in d.value.columns)
    assert len(table) == 12
    # a fresh editor (a new key): no edit made in the earlier one is carried over
    assert at.session_state["build._editor"]["version"] == first + 1


def test_look_inside_opens_inside_on_the_trained_network(open_page):
    at = open_page("inside_cnn", sections_open=False)  # Inside seen first, on its default: MobileNetV2 and the cat
    assert at.selectbox(key="inside.model").value == "mobilenet_v2"
    at.switch_page("labs/build_cnn/page.py")
    at.session_state["build.layers"] = "conv-8-3-1-1_relu_maxpool-0-2-2-0_flatten_linear-10-3-1-0"
    at.session_state["build.epochs"] = 1
    at.run()
    finish_jobs(at.button(key="build.train").click().run())
    assert errors(at) == [] and at.session_state["build._trained"]["weights"]
    at.button(key="build.look_inside").click().run()
    assert not at.exception and errors(at) == []
    assert at.selectbox(key="inside.model").value == "my_cnn"
    assert "Validation accuracy after training: " in texts(at)
    assert image_captions(at)[0] == "What your CNN sees: 28x28 grayscale"  # not MobileNetV2's crop of the cat
    assert at.radio(key="inside.digit_source").value == "Validation digit"
    assert "Its label: " in texts(at) and at.query_params["model"] == "my_cnn"
