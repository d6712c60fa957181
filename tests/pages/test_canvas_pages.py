"""The drawing canvas's pages in AppTest (which cannot draw: the browser test does): the shipped digits network in
Inside, the Draw sources waiting for a drawing, and the shipped network's code running on its own."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from tests.pages.conftest import errors, image_captions, texts

ROOT = Path(__file__).resolve().parents[2]


def test_inside_opens_the_shipped_digits_network_without_any_training(open_page):
    from cvcore import zoo
    from cvcore.data import digits

    at = open_page("inside_cnn", sections_open=False, model="digits_cnn")
    assert errors(at) == [] and not at.exception
    assert "validation accuracy 95.8%" in texts(at)
    assert image_captions(at)[0] == "What your CNN sees: 28x28 grayscale"
    with torch.no_grad():
        probabilities = zoo.load_network("digits_cnn")(digits.digits(28).val_x[:1]).softmax(1)[0]
    best = int(probabilities.argmax())
    top = [c for c in texts(at).splitlines() if c.startswith("Top-5: ")][0]
    assert top.startswith(f"Top-5: {best} {float(probabilities[best]):.1%}")


def test_the_draw_sources_wait_for_a_drawing_with_a_message(open_page):
    hint = "Point at the canvas for its toolbar: undo, redo, clear."  # it shows only while pointed at
    at = open_page("inside_cnn", sections_open=False, model="digits_cnn")
    at.radio(key="inside.digit_source").set_value("Draw").run()
    assert errors(at) == [] and not at.exception
    assert "Draw a digit on the black square" in texts(at) and "Top-5: " not in texts(at)
    assert hint in texts(at)

    at = open_page("build_cnn", sections_open=False)
    assert errors(at) == [] and "Draw a digit on the black square" in texts(at) and hint in texts(at)
    assert "Read by the app's copy of the course's network (until you train yours)" in texts(at)

    at = open_page("segmentation", sections_open=False, view="segment", source="draw")
    assert errors(at) == [] and "Draw shapes on the canvas" in texts(at) and hint in texts(at)
    assert at.slider(key="seg.alpha").value == 0.55  # kept while there is no picture yet


def test_the_code_shown_for_the_shipped_network_runs(tmp_path):
    from cvcore import zoo
    from cvcore.data import digits
    from cvcore.inside import features
    from cvcore.teach import model_snippets
    from labs import trained_models

    digit = digits.digits(28).val_x[0, 0]
    Image.fromarray((digit * 255).round().to(torch.uint8).numpy(), mode="L").save(tmp_path / "my_digit.png")
    code = model_snippets.feature_snippet("digits_cnn", None, "3", 0, head=trained_models.shipped_head())
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CVCORE_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    x = torch.from_numpy(np.asarray(Image.open(tmp_path / "my_digit.png"), dtype=np.float32)).view(1, 1, 28, 28) / 255
    maps = features.extract(zoo.load_network("digits_cnn"), x, ["3"])["3"][0]
    assert f"output shape {tuple(maps.shape)}" in done.stdout
    assert f"most active channels {maps.flatten(1).mean(1).argsort(descending=True)[:8].tolist()}" in done.stdout


def test_the_digit_source_is_in_the_link_and_a_link_reopens_the_canvas(open_page):
    at = open_page("inside_cnn", sections_open=False, model="digits_cnn")
    assert "digit_source" not in at.query_params  # the default source, the validation digit, stays out of the link
    at.radio(key="inside.digit_source").set_value("Draw").run()
    assert at.query_params["digit_source"] == "Draw"
    at = open_page("inside_cnn", sections_open=False, model="digits_cnn", digit_source="Draw")
    assert errors(at) == [] and at.radio(key="inside.digit_source").value == "Draw"
    assert "Draw a digit on the black square" in texts(at) and "Top-5: " not in texts(at)
