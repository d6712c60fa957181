"""The Neural-style-transfer page in AppTest: a tiny live run and its results, a start during a run, VGG-19 without
its weights, a diverging run, the Gram-matrix and reconstruction views, and the closing sections."""

import pytest

from harness.apptest import finish_jobs
from labs.style_transfer import explain as style_views
from tests.pages.conftest import errors, image_captions, texts

_OPEN = ("style.open_how", "style.open_check", "open_code_style_transfer.py")


def _tiny(open_page, **query):
    return open_page("style_transfer", **{"size": "64", "steps": "3", "preview_every": "1", **query})


def test_a_tiny_run_shows_the_image_costs_snapshots_and_sections(open_page):
    at = _tiny(open_page)
    assert errors(at) == [] and "Press **Start**" in texts(at)
    for key in _OPEN:
        at.session_state[key] = True
    finish_jobs(at.button(key="style_go").click().run())
    assert errors(at) == [] and not at.exception
    record = at.session_state["style._run"]
    assert record["step"] == 3 and not record["active"] and record["history"]["step"] == [0, 1, 2, 3]
    assert record["image"].startswith(b"\x89PNG")
    assert "G after 3 of 3 steps" in image_captions(at)
    assert [c for c in image_captions(at) if c.startswith("step ")][:2] == ["step 0", "step 1"]
    assert "Download the image (PNG)" in [b.proto.label for b in at.get("download_button")]
    shown = texts(at)
    assert "times lower" in shown and "At step 3: J = 30 x" in shown
    assert "create_feature_extractor" in shown and "torch.optim.LBFGS" in shown
    assert [s.value for s in at.success] == ["Match"]
    assert at.query_params["size"] == "64"


def test_a_start_during_a_run_stops_it_and_says_so(open_page):
    at = _tiny(open_page)
    at.session_state["style._run"] = {"active": True, "step": 5, "steps": 200, "image": None}
    finish_jobs(at.button(key="style_go").click().run())
    assert any("A run was already going in this session (step 5 of 200)" in w.value for w in at.warning)
    assert at.session_state["style._run"]["active"] is False
    assert at.session_state["style._run"]["message"] == "Stopped at step 5 of 200 by a second Start."
    at.session_state["style._run"] = {**at.session_state["style._run"], "active": True}
    at.button(key="style_stop").click().run()
    assert at.session_state["style._run"]["message"] == "Stopped at step 5 of 200; the image so far is kept."
    at.button(key="style_stop").click().run()
    assert any("Nothing is running" in w.value for w in at.warning)


def test_vgg19_without_weights_is_shown_unavailable_and_mobilenet_still_works(open_page):
    at = _tiny(open_page, backbone="vgg19")
    assert "VGG-19 (the classic choice) (not here: offline" in " ".join(at.radio(key="style.backbone").options)
    message = " ".join(str(w.value) for w in at.warning)
    assert errors(at) == [] and "VGG-19's ImageNet weights are not available on this server" in message
    assert "vgg19-dcbb9e9d.pth" in message and "Choose MobileNetV2" in message
    at.radio(key="style.backbone").set_value("mobilenet_v2").run()
    assert errors(at) == []
    finish_jobs(at.button(key="style_go").click().run())
    assert errors(at) == [] and at.session_state["style._run"]["step"] == 3


def test_an_absurd_learning_rate_stops_with_a_message(open_page):
    at = _tiny(open_page, lr="1e39", steps="20", init="noise")
    finish_jobs(at.button(key="style_go").click().run())
    assert any("diverged at step" in e for e in errors(at)) and not at.exception


def test_no_style_layer_and_bad_lambdas_give_errors(open_page):
    at = _tiny(open_page, lambdas="a,b")
    assert errors(at) == ["lambda must be comma-separated numbers, got 'a,b'"]
    at.text_input(key="style.lambdas").set_value("1").run()
    finish_jobs(at.button(key="style_go").click().run())
    assert errors(at) == ["style_layer_weights must be 5 numbers >= 0, got [1.0]"]


def test_the_gram_view_and_the_reconstructions(open_page, monkeypatch):
    monkeypatch.setattr(style_views, "_RECON_STEPS", 2)
    monkeypatch.setattr(style_views, "_RECON_SIZE", 64)
    at = _tiny(open_page, view="gram", gram_channels="8")
    assert errors(at) == [] and "most correlated pair" in texts(at)
    assert sum(c.startswith("channel ") for c in image_captions(at)) == 2
    at.radio(key="style.view").set_value("layers").run()
    at.button(key="style_recon").click().run()
    assert errors(at) == []
    captions = image_captions(at)
    assert any("(shallow)" in c for c in captions) and any("(deep)" in c for c in captions)
    assert any(c.startswith("style of all 5") for c in captions)


@pytest.mark.parametrize("preset", ["fast", "gpu"])
def test_presets_set_their_values(open_page, preset):
    at = _tiny(open_page)
    at.selectbox(key="style.preset").set_value(preset).run()
    assert at.session_state["style.multiscale"] is True
    assert at.session_state["style.size"] == {"fast": 256, "gpu": 512}[preset]
