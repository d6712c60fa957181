"""The Pooling page driven through Streamlit's AppTest."""

import streamlit as st

from tests.pages.conftest import errors, image_captions, texts


def test_default_is_the_course_max_pooling_example(open_page):
    at = open_page("pooling")
    assert errors(at) == []
    assert at.slider(key="pool.step").max == 4
    assert at.code[0].value == "max(1, 3, 2, 9) = 9"
    at.slider(key="pool.step").set_value(3).run()
    assert at.code[0].value == "max(1, 3, 5, 6) = 6"
    assert "no parameters to learn" in texts(at)
    assert "largest difference from the step-by-step result is **0**" in texts(at)


def test_average_example_sets_its_settings(open_page):
    at = open_page("pooling")
    at.selectbox(key="pool.src").set_value("avg_4x4").run()
    assert at.radio(key="pool.kind").value == "avg"
    assert at.code[0].value == "(1 + 3 + 2 + 9) / 4 = 3.75"
    at.slider(key="pool.step").set_value(4).run()
    assert at.code[0].value == "(2 + 3 + 1 + 2) / 4 = 2"
    assert "F.avg_pool2d" in texts(at)


def test_channels_are_kept(open_page):
    at = open_page("pooling", src="random", n="6", channels="3")
    assert errors(at) == []
    assert "3 \\times 3 \\times 3" in "\n".join(x.value for x in at.latex)
    assert at.slider(key="pool.step").max == 27
    at.slider(key="pool.step").set_value(10).run()
    assert "channel 1" in texts(at)


def test_window_larger_than_input_is_explained(open_page):
    at = open_page("pooling")
    at.number_input(key="pool.size").set_value(5).run()
    assert any("kernel does not fit" in e for e in errors(at))
    at.number_input(key="pool.size").set_value(2).run()
    assert errors(at) == []


def test_padding_above_half_the_window_is_explained(open_page):
    at = open_page("pooling", padding="2")
    assert any("padding must be at most half the window" in e for e in errors(at))


def test_real_feature_map_from_mobilenet(open_page):
    at = open_page("pooling")
    assert "MobileNetV2's first layer" in texts(at)
    assert "**112 x 112 x 32** → pooled **56 x 56 x 32**" in texts(at)
    assert image_captions(at)[-1] == "After max pooling: 56x56"


def test_without_weights_edge_maps_stand_in(open_page, monkeypatch):
    from cvcore import weights

    monkeypatch.setattr(weights, "_candidates", lambda spec: [])
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page("pooling")
    assert any("weights are not available" in w.value for w in at.warning)
    assert "four edge detectors" in texts(at)
    st.cache_data.clear()
    st.cache_resource.clear()
