"""The Inside lab's whole-network view in AppTest: the row of stages, a stage's maps, one cell's step-through whose
value equals the network's own (the check is against a forward hook here, not the page's own words), and the link."""

import hashlib
import io

import torch

from cvcore import images, zoo
from cvcore.inside import features
from cvcore.networks import builder
from tests.pages.conftest import chart_texts, errors, texts

_MOBILENET_STAGES = [f"features.{i}" for i in range(19)] + ["adaptive_avg_pool2d", "flatten", "classifier.1"]


def _stage_buttons(at) -> list[str]:
    return [b.label for b in at.button if (b.key or "").startswith("inside_stage_")]


def _hooked_value(model, x, module: str, channel: int, row: int, col: int) -> float:
    return float(features.hooked_activation(model, x, module)[0, channel, row, col])


def _shown_values(at) -> tuple[float, float]:
    line = [t for t in texts(at).splitlines() if t.startswith("Step-through: **")][0]
    numbers = [part.split("**")[0] for part in line.split(": **")[1:]]
    return float(numbers[0]), float(numbers[1])


def test_the_overview_shows_every_stage_and_a_click_drills_down_to_one_value(open_page):
    at = open_page("inside_cnn", sections_open=False, view="overview")
    assert errors(at) == [] and not at.exception
    assert _stage_buttons(at) == _MOBILENET_STAGES
    assert "Click a stage above" in texts(at)
    at.button(key="inside_stage_features.2").click().run()
    assert errors(at) == [] and not at.exception
    assert at.query_params["layer"] == "features.2.conv.2" and at.selectbox(key="inside.layer").options == [
        "features.2.conv.0  (1x1 expansion, 16 → 96, batch norm + ReLU6)",
        "features.2.conv.1  (depthwise 3x3, 96 → 96, batch norm + ReLU6)",
        "features.2.conv.2  (1x1 projection (linear), 96 → 24, batch norm)"]
    at.selectbox(key="inside.layer").set_value("features.2.conv.1").run()
    at.number_input(key="inside.channel").set_value(20).run()
    at.text_input(key="inside.cell").input("0, 37").run()
    assert errors(at) == [] and [s.value for s in at.success][0].startswith("Match")
    assert at.query_params["cell"] == "0, 37" and at.query_params["channel"] == "20"
    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    x = features.preprocess(images.sample_image("chelsea"), entry)
    ours, own = _shown_values(at)
    reference = _hooked_value(model, x, "features.2.conv.1", 20, 0, 37)
    assert abs(ours - reference) < 1e-5 and abs(own - reference) < 1e-5
    assert "rows -1 to 1, columns 73 to 75" in texts(at)  # stride 2, the top edge in the padding


def test_a_link_with_layer_channel_and_cell_opens_the_same_step_through(open_page):
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="features.3.conv.2", channel="7",
                   cell="5,9", in_step="3")
    assert errors(at) == [] and [s.value for s in at.success][0].startswith("Match")
    text = texts(at)
    assert "reads all its input channels of **features.3.conv.1** (144×56×56)" in text
    assert "the other 136 channels" in text and "After the residual addition" in text
    assert at.slider(key="inside.in_step").value == 3


def test_bad_cells_get_a_message_and_the_page_keeps_working(open_page):
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="features.18", cell="7,0")
    assert errors(at) == ["Cannot open this cell: the cell must lie in the 7x7 map (rows 0 to 6, columns 0 to 6), "
                          "got 7, 0"]
    at.text_input(key="inside.cell").input("two,three").run()
    assert errors(at) == ["Cannot open this cell: the cell must be two whole numbers 'row, column', got 'two,three'"]
    at.text_input(key="inside.cell").input("6,6").run()
    assert errors(at) == [] and [s.value for s in at.success][0].startswith("Match")


def test_a_stage_without_a_convolution_says_so(open_page):
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="adaptive_avg_pool2d")
    assert errors(at) == [] and "This stage has no convolution of its own" in texts(at)


def test_the_learner_trained_digits_network_drills_down_too(open_page):
    specs = builder.with_batchnorm(builder.course_example())
    model = builder.build_network(specs, (1, 28, 28), seed=4).eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    data = buffer.getvalue()
    at = open_page("inside_cnn", sections_open=False)
    at.session_state["build._trained"] = {"layers": builder.specs_text(specs), "weights": data, "val_acc": 0.1,
                                          "digest": hashlib.sha1(data).hexdigest()[:12]}
    at.selectbox(key="inside.model").set_value("my_cnn").run()
    at.radio(key="inside.view").set_value("overview").run()
    at.button(key="inside_stage_4").click().run()
    at.number_input(key="inside.channel").set_value(3).run()
    at.text_input(key="inside.cell").input("2,5").run()
    assert errors(at) == [] and not at.exception
    assert _stage_buttons(at)[:4] == ["0", "1", "2", "3"]
    assert at.session_state["inside.layer"] == "4" and at.selectbox(key="inside.layer").options == ["4  (3x3, 32 → 64, batch norm + ReLU)"]
    assert [s.value for s in at.success][0].startswith("Match")
    digit = trained_digit(at)
    ours, own = _shown_values(at)
    reference = _hooked_value(model, digit, "6", 3, 2, 5)  # conv "4", batch norm "5", ReLU "6"
    assert abs(ours - reference) < 1e-5 and abs(own - reference) < 1e-5


def trained_digit(at) -> torch.Tensor:
    from labs.inside_cnn import sources

    return sources.probe()[0][:1]


def test_the_cell_box_gives_the_map_range_and_the_grid_says_which_maps_it_shows(open_page):
    # features.2.conv.2 projects 96 channels to 24 maps of 56x56 (MobileNetV2's third stage); features.18 is the
    # 320 -> 1280 1x1 convolution on the 7x7 map, more maps than the grid's 64.
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="features.2.conv.2")
    box = at.text_input(key="inside.cell")
    assert box.label == "Cell (row 0 to 55, column 0 to 55)" and box.placeholder.startswith("row, column (e.g.")
    charts = chart_texts(at)
    assert "all 24 maps, most active first, each 56x56" in charts and "most active of 24" not in charts
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="features.18")
    assert at.text_input(key="inside.cell").label == "Cell (row 0 to 6, column 0 to 6)"
    assert "the 64 most active of 1280 maps, each 7x7" in chart_texts(at)


def test_a_one_channel_step_through_says_why_it_has_one_step(open_page):
    # features.2.conv.1 is MobileNetV2's 3x3 depthwise convolution (groups = 96): each output reads one input channel.
    at = open_page("inside_cnn", sections_open=False, view="overview", layer="features.2.conv.1", cell="10,10")
    text = texts(at)
    assert errors(at) == [] and "Step 1 of 1: this value reads a single input channel" in text
    assert "single cell" not in text
