"""The Build-your-own-CNN page driven through AppTest."""

from tests.pages.conftest import errors, texts


def test_the_course_network_is_shown_and_trains(open_page):
    at = open_page("build_cnn", epochs="2")
    assert errors(at) == []
    assert "**167,114 parameters**" in texts(at)
    table = next(d.value for d in at.dataframe if "output shape" in d.value.columns)
    assert list(table["output shape"][:3]) == ["32 x 26 x 26", "32 x 26 x 26", "32 x 13 x 13"]
    at.button(key="build.train").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Validation accuracy"].rstrip("%")) > 70


def test_a_layer_that_does_not_fit_is_flagged_and_training_is_disabled(open_page):
    at = open_page("build_cnn", layers="conv-8-3-1-0_maxpool-0-30-30-0_flatten_linear-10-3-1-0")
    assert any(e.startswith("Layer 2 (maxpool)") for e in errors(at))
    assert at.button(key="build.train").disabled
    at = open_page("build_cnn", layers="conv-8-3-1-0_flatten_linear-5-3-1-0")
    assert any("must give 10 numbers" in e for e in errors(at))


def test_batch_norm_comparison(open_page):
    at = open_page("build_cnn", epochs="2")
    at.session_state["build.open_best"] = True
    at.run()
    at.button(key="build.compare_go").click().run()
    assert errors(at) == []
    assert "with batch norm:" in texts(at) and "without batch norm:" in texts(at)


def test_residual_comparison(open_page):
    at = open_page("build_cnn", epochs="1", compare="residual")
    at.session_state["build.open_best"] = True
    at.run()
    at.button(key="build.compare_go").click().run()
    assert errors(at) == [] and "with residual blocks:" in texts(at)
