"""The Transfer-learning page in AppTest: the three cases' plans, training on the built-in textures, results, the
comparison with random weights, export, and bad class sets."""

from harness.apptest import finish_jobs
from tests.pages.conftest import errors, image_captions, texts


def test_train_compare_and_export_on_the_builtin_textures(open_page):
    at = open_page("transfer", per_class="8", epochs="10")
    plans = at.dataframe[0].value
    assert list(plans["trainable parameters"])[0].startswith("6,405 of ")  # 1280 x 5 + 5: the new head only
    assert list(plans["frozen blocks"]) == ["19 of 19", "10 of 19", "0 of 19"]
    assert "Expected time: " in texts(at) and "about under" not in texts(at)  # before the first Start, from a timed step
    finish_jobs(at.button(key="transfer_go").click().run())
    assert errors(at) == [] and not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Validation accuracy"].rstrip("%")) >= 80
    shown = [c.split(",")[0] for c in image_captions(at) if c.startswith("true ")]  # one picture per class
    assert shown == [f"true {name}" for name in ("brick", "grass", "gravel", "moon", "coins")]
    # ten epochs of MobileNetV2 from scratch on the CPU
    finish_jobs(at.button(key="transfer_scratch").click().run(), timeout=400)
    assert errors(at) == [] and "from random weights" in texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the weights (my_transfer.pt)" in labels
    assert "Download classes and preprocessing (my_transfer.json)" in labels


def test_own_classes_need_images(open_page):
    at = open_page("transfer", source="own", n_classes="2")
    finish_jobs(at.button(key="transfer_go").click().run())
    assert errors(at) == ["at least 2 classes with images are needed, got 0"]
    assert "Train a network first" in texts(at)


def test_the_inside_lab_asks_for_the_exported_files(open_page):
    at = open_page("inside_cnn", sections_open=False, model="exported")
    assert errors(at) == [] and "Upload both files downloaded from the **Transfer learning** lab" in texts(at)
