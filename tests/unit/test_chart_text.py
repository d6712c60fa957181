"""A chart's description is written for assistive technology: in a visually hidden element, never as a visible
caption; plurals read as words."""

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from cvcore.viz.describe import describe
from ui.a11y import CSS
from ui.figures import SR_KEY, screen_reader_text


def test_descriptions_count_in_words():
    one = go.Figure(go.Image(z=[[[0, 0, 0]]]), layout={"shapes": [{"type": "rect", "x0": 0, "x1": 1, "y0": 0, "y1": 1}]})
    two = go.Figure(go.Scatter(y=[1.0, 2.0], mode="markers"))
    assert describe(one) == "Figure: an image; 1 box drawn."
    assert describe(two) == "Figure: 2 points."


def test_the_hidden_text_is_one_line_and_its_rule_clips_it():
    assert screen_reader_text("bars: <b>cat</b> & dog\n\n0.5") == "bars: <b>cat</b> & dog 0.5"  # st.text: never HTML
    assert f'[class*="st-key-{SR_KEY}"]' in CSS and "clip-path: inset(50%)" in CSS


def _app():
    import plotly.graph_objects as go
    import streamlit as st

    from ui.figures import show_chart

    st.caption("A caption for the learner.")
    show_chart(st, go.Figure(go.Bar(x=["conv", "linear"], y=[156, 48120]), layout={"title": {"text": "Parameters"}}))


def test_show_chart_emits_the_description_for_assistive_technology_and_no_visible_caption():
    at = AppTest.from_function(_app).run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["A caption for the learner."]
    assert [t.value for t in at.text] == ["Parameters: bars: conv: 156; linear: 48,120."]
    assert not any(m.proto.allow_html for m in at.markdown)  # no HTML of the app's own is rendered
