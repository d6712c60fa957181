"""The Inside-a-trained-CNN page in AppTest: every view with the offline MobileNetV2, its checks, and bad settings."""

import pytest

from harness.apptest import finish_jobs
from tests.pages.conftest import errors, image_captions, texts


def _warnings(at) -> list[str]:
    return [str(w.value) for w in at.warning]


def test_feature_maps_view_shows_the_prediction_the_maps_and_the_checks(open_page):
    at = open_page("inside_cnn")
    assert errors(at) == [] and _warnings(at) == []
    assert "Top-5: Egyptian cat" in texts(at)
    captions = image_captions(at)
    assert captions[0] == "What MobileNetV2 sees: 224x224 centre crop"
    assert any(c.startswith("Channel 0 of features.6 (28x28, enlarged)") for c in captions)
    assert sum(c.startswith("Chelsea the cat: mean") or c.startswith("A cup of coffee: mean") for c in captions) == 2
    assert [c for c in captions if "the most active" in c][0].startswith("features.1 (112x112)")
    assert "create_feature_extractor(model, {'features.6': 'maps'})" in texts(at)
    assert [s.value for s in at.success] == ["Match"]


def test_changing_layer_channel_and_order(open_page):
    at = open_page("inside_cnn", sections_open=False)
    at.selectbox(key="inside.layer").set_value("features.13").run()
    at.number_input(key="inside.channel").set_value(40).run()
    at.selectbox(key="inside.sort").set_value("max").run()
    assert errors(at) == []
    assert any(c.startswith("Channel 40 of features.13 (14x14, enlarged)") for c in image_captions(at))
    assert at.number_input(key="inside.grid_page").max == 2  # 96 channels, 64 per page
    assert at.query_params["layer"] == "features.13" and at.query_params["channel"] == "40"


@pytest.mark.parametrize("query, expected", [
    ({"layer": "features.99", "channel": "4000", "grid_page": "60"}, "Channel 0 of features.6"),
    ({"model": "no_such_net", "view": "nowhere", "target": "5000"}, "Channel 0 of features.6"),
])
def test_bad_settings_in_a_link_fall_back_to_defaults(open_page, query, expected):
    at = open_page("inside_cnn", sections_open=False, **query)
    assert errors(at) == [] and any(c.startswith(expected) for c in image_captions(at))


def test_a_model_without_weights_is_shown_as_unavailable_not_as_an_error(open_page):
    at = open_page("inside_cnn", model="resnet18")
    assert errors(at) == [] and not at.exception
    (warning,) = _warnings(at)
    assert "ResNet-18's ImageNet weights are not available on this server" in warning and "CVCORE_WEIGHTS_DIR" in warning
    assert "Pick MobileNetV2 (ImageNet, offline default) above" in warning
    assert "resnet18-f37072fd.pth" in warning
    at.selectbox(key="inside.model").set_value("mobilenet_v2").run()
    assert _warnings(at) == [] and "Top-5: Egyptian cat" in texts(at)


def test_filters_view(open_page):
    at = open_page("inside_cnn", view="filters")
    captions = image_captions(at)
    assert errors(at) == []
    assert captions[1].startswith("The 32 filters of the first convolution, each 3x3x3")
    assert "depthwise" in captions[2]
    assert "features.2.conv.2  (24 filters of 96x1x1)" in at.selectbox(key="inside.conv").options
    at.selectbox(key="inside.conv").set_value("features.2.conv.2").run()
    at.number_input(key="inside.filter").set_value(3).run()
    assert image_captions(at)[2].startswith("features.2.conv.2, filter 3: 96 slices of 1x1")


def test_unit_view_finds_patches_and_synthesises_an_image(open_page):
    at = open_page("inside_cnn", sections_open=False, view="units", steps="8", size="64", channel="5")
    assert errors(at) == []
    patches = [c for c in image_captions(at) if " px)" in c]
    assert len(patches) == 9
    finish_jobs(at.button(key="inside_go").click().run())
    assert errors(at) == []
    assert any(c.startswith("Synthesised: mean activation") for c in image_captions(at))
    assert at.session_state["inside._maximized"]["image"].shape == (64, 64, 3)


def test_heatmaps_view_with_every_cheap_method_and_the_captum_check(open_page):
    at = open_page("inside_cnn", view="heatmaps", methods="cam,grad_cam,grad_cam_pp,layer_cam,saliency,occlusion")
    assert errors(at) == [] and _warnings(at) == []
    captions = [c for c in image_captions(at) if "peak at" in c]
    assert [c.split(":")[0] for c in captions] == ["CAM", "Grad-CAM", "Grad-CAM++", "LayerCAM", "Saliency (Captum)",
                                                   "Occlusion (Captum)"]
    assert captions[0].split(":")[1] == captions[1].split(":")[1]  # CAM and Grad-CAM agree on this network
    assert "LayerGradCam" in texts(at) and [s.value for s in at.success] == ["Match"]
    assert "autograd.grad" in texts(at) and "Occlusion(model)" in texts(at)
    assert "alpha_k" in texts(at) or any("alpha" in str(x.value) for x in at.latex)


def test_choosing_another_class_and_layer(open_page):
    at = open_page("inside_cnn", sections_open=False, view="heatmaps", methods="grad_cam")
    at.selectbox(key="inside.target").set_value(967).run()  # espresso
    at.selectbox(key="inside.cam_layer").set_value("features.13").run()
    assert errors(at) == []
    assert at.query_params["target"] == "967" and at.query_params["cam_layer"] == "features.13"
    at.toggle(key="inside.every_conv").set_value(True).run()
    assert "features.2.conv.2  (Conv2d, 24 x 56 x 56)" in at.selectbox(key="inside.cam_layer").options
    at.selectbox(key="inside.cam_layer").set_value("features.2.conv.2").run()
    assert errors(at) == [] and any("(layer features.2.conv.2)" in c for c in texts(at).splitlines())


def test_faithfulness_and_sanity_view(open_page):
    at = open_page("inside_cnn", view="checks", methods="grad_cam,saliency", pic_sample="coffee", random_layers="5")
    assert errors(at) == []
    table = at.dataframe[0].value.set_index("method")  # the second table is in "How Grad-CAM is computed"
    assert list(table.index) == ["Grad-CAM", "Saliency (Captum)", "random pixels (baseline)",
                           "random 7x7 blobs (baseline, mean of 4)"]
    grad_cam, blobs = table.loc["Grad-CAM"], table.loc["random 7x7 blobs (baseline, mean of 4)"]
    assert grad_cam["deletion area"] < blobs["deletion area"]
    assert grad_cam["deletion area"] < grad_cam["least relevant first"]
    assert grad_cam["insertion area"] > max(blobs["insertion area"], table.loc["random pixels (baseline)"]["insertion area"])
    assert [m.label for m in at.metric] == ["Rank correlation with the trained map"] * 2
    assert float(at.metric[0].value) < 0.5


def test_no_methods_asks_for_one(open_page):
    at = open_page("inside_cnn", sections_open=False, view="heatmaps")
    at.multiselect(key="inside._methods").set_value([]).run()
    assert errors(at) == [] and "Pick at least one method." in texts(at)


def test_upload_without_a_file_waits_for_one(open_page):
    at = open_page("inside_cnn", sections_open=False, pic_source="Upload")
    assert errors(at) == [] and "No image yet" in texts(at)


def test_the_network_trained_in_build_your_own_cnn_can_be_opened_inside(open_page):
    at = open_page("inside_cnn", sections_open=False, model="my_cnn")
    assert errors(at) == [] and "Train a network in the **Build your own CNN** lab first" in texts(at)
    at.switch_page("labs/build_cnn/page.py")
    at.session_state["build.epochs"] = 1
    at.run()
    finish_jobs(at.button(key="build.train").click().run())
    assert errors(at) == [] and at.session_state["build._trained"]["weights"]
    at.switch_page("labs/inside_cnn/page.py")
    at.run()
    assert errors(at) == [] and not at.exception
    captions = image_captions(at)
    assert captions[0] == "What your CNN sees: 28x28 grayscale"
    assert any(c.startswith("Channel 0 of 2 (13x13, enlarged)") for c in captions)  # a third of the way in
    label = int([c for c in texts(at).splitlines() if c.startswith("Its label: ")][0].split(": ")[1])
    top = [c for c in texts(at).splitlines() if c.startswith("Top-5: ")][0]
    assert top.startswith(f"Top-5: {label} ")  # one epoch already recognises the first validation digit
    for view in ("filters", "units", "heatmaps", "checks"):
        at.radio(key="inside.view").set_value(view).run()
        assert errors(at) == [] and not at.exception, view
    at.session_state["open_code_heatmaps.py"] = True
    at.session_state["inside.open_check"] = True
    at.run()
    assert "nn.Conv2d(1, 32, kernel_size=3" in texts(at) and [s.value for s in at.success] == ["Match"]


def test_the_code_for_a_trained_network_runs_on_its_downloaded_weights(tmp_path):
    import io
    import subprocess
    import sys

    import torch
    from PIL import Image

    from cvcore import attribution
    from cvcore.data import digits as datasets
    from cvcore.inside import features
    from cvcore.networks import builder
    from cvcore.teach import model_snippets
    from labs import trained_models

    specs = builder.course_example()
    model = builder.build_network(specs, trained_models.INPUT, seed=3).eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    trained = {"layers": builder.specs_text(specs), "weights": buffer.getvalue()}
    (tmp_path / "my_cnn.pt").write_bytes(trained_models.weights_file(trained))
    digit = datasets.digits(28).val_x[0, 0]
    Image.fromarray((digit * 255).round().to(torch.uint8).numpy(), mode="L").save(tmp_path / "my_digit.png")
    code = model_snippets.heatmap_snippet("my_cnn", None, 4, "6", ["grad_cam", "occlusion"], output="11",
                                          head=trained_models.snippet_head(trained), window=8)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    x = (torch.tensor(list(Image.open(tmp_path / "my_digit.png").getdata()), dtype=torch.float32) / 255).view(1, 1, 28, 28)
    heat = attribution.grad_cam(model, x, 4, "6")
    assert f"Grad-CAM peak at (row, column) {divmod(int(heat.argmax()), 28)}" in done.stdout
    assert "occlusion (1, 1, 28, 28)" in done.stdout
    assert features.output_node(model) == "11"
