"""The Face verification page: every view, uploads (grayscale, CMYK, rotated, no face, not an image), several
faces, missing weights (a clear message and the stored-embedding views still working), and the link state."""

import io

import pytest
from PIL import Image

from cvcore import images
from tests.pages.conftest import errors, image_captions, texts
from tests.shared_data import shared_path


@pytest.fixture
def faces_page(open_page, monkeypatch):
    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(shared_path("weights")))
    monkeypatch.delenv("CVCORE_FACES_DIR", raising=False)

    def _open(**query):
        return open_page("faces", **query)

    return _open


def _bytes(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def test_verification_of_the_samples_and_the_threshold(faces_page):
    at = faces_page()
    assert not errors(at)
    assert "same person" in at.success[0].value
    assert sum("Aligned to the 112x112 template" in c for c in image_captions(at)) == 2
    assert "Privacy" in texts(at) and len(at.get("plotly_chart")) == 1
    assert "cosine d = 1 - " in texts(at) and "faces.embed_crops" in texts(at)
    at.slider(key="faces.tau").set_value(0.01).run()
    assert "different people" in at.warning[0].value and at.query_params["tau"] == "0.01"
    at.selectbox(key="faces.b_sample").set_value("cameraman").run()
    at.slider(key="faces.tau").set_value(0.6).run()
    assert not any("same person" in s.value for s in at.success) and "different people" in at.warning[0].value
    # Check against PyTorch: the lab's distance is torch's own, for either metric
    assert "`1 - F.cosine_similarity` gives shape (1,)" in texts(at) and at.success[-1].value == "Match"
    at.radio(key="faces.metric").set_value("euclidean").run()
    assert at.slider(key="faces.tau").value == pytest.approx(1.1) and "different people" in at.warning[0].value
    assert "`torch.cdist` gives shape (1,)" in texts(at) and at.success[-1].value == "Match"


def test_two_faces_let_the_learner_pick_and_no_face_says_so(faces_page):
    at = faces_page(b_sample="two_faces")
    assert any("2 faces found" in s.label for s in at.selectbox)
    at.selectbox(key="faces_b_pick").set_value(1).run()
    assert not at.exception and any("face 2 of 2" in c for c in image_captions(at))
    at.selectbox(key="faces.b_sample").set_value("coffee").run()
    assert any("expected a face" in e for e in errors(at)) and not at.exception


def test_uploads_grayscale_cmyk_rotated_and_broken(faces_page):
    at = faces_page()
    at.radio(key="faces_b_source").set_value("Upload").run()
    astronaut = images.sample_image("astronaut")
    for name, data in [("gray.png", _bytes(astronaut.convert("L"), "PNG")),
                       ("cmyk.jpg", _bytes(astronaut.convert("CMYK"), "JPEG")),
                       ("sideways.png", _bytes(astronaut.rotate(90, expand=True), "PNG"))]:
        at.file_uploader(key="faces_b_upload").set_value((name, data, "image/png")).run()
        assert not at.exception and not errors(at), name
        assert "same person" in at.success[0].value, name
    assert any("turning the photo" in c for c in image_captions(at))
    at.file_uploader(key="faces_b_upload").set_value(("blank.png", _bytes(Image.new("RGB", (200, 200)), "PNG"),
                                                      "image/png")).run()
    assert any("expected a face" in e for e in errors(at))
    at.file_uploader(key="faces_b_upload").set_value(("x.png", b"not an image", "image/png")).run()
    assert any("Could not use this photo" in e for e in errors(at)) and not at.exception
    at.file_uploader(key="faces_b_upload").set_value(("tiny.png", _bytes(Image.new("RGB", (6, 6)), "PNG"),
                                                      "image/png")).run()
    assert any("at least 12 x 12" in e for e in errors(at)) and not at.exception


def test_recognition_from_a_one_shot_gallery(faces_page):
    at = faces_page(view="recognise")
    assert "gallery is empty" in texts(at)
    at.button(key="faces_add_samples").click().run()
    assert "Eileen Collins" in at.success[0].value
    at.slider(key="faces.tau").set_value(0.0).run()
    assert "Not recognised" in at.warning[0].value
    ranked = at.dataframe[0].value
    assert list(ranked["person"]) == ["Eileen Collins", "the cameraman"]
    at.selectbox(key="faces.g_sample").set_value("two_faces").run()
    at.selectbox(key="faces_g_pick").set_value(0).run()
    at.text_input(key="faces_g_name").set_value("Eileen again").run()
    at.button(key="faces_add").click().run()
    assert not at.exception and len(at.session_state["faces.gallery"]) == 8


def test_threshold_triplet_space_and_siamese_views(faces_page):
    at = faces_page(view="threshold")
    assert "ROC AUC" in texts(at) and len(at.get("plotly_chart")) == 3
    at.button(key="faces_eer_tau").click().run()
    assert at.slider(key="faces.tau").value != 0.6
    at.radio(key="faces.view").set_value("triplet").run()
    assert "L = max(" in texts(at) and at.dataframe[0].value["triplets in the set"][0] == 4 * 3 * 3 + 3 * 2 * 4
    at.slider(key="faces.margin").set_value(2.0).run()
    assert "semi-hard" in texts(at) or "hard" in texts(at)
    at.radio(key="faces.view").set_value("space").run()
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="faces.view").set_value("siamese").run()
    at.button(key="faces_train").click().run()
    table = at.dataframe[0].value
    assert len(table) == 2 and table["test accuracy"].min() >= 0.5 and not at.exception


def test_the_gallery_as_labelled_set_and_a_faces_folder(faces_page, monkeypatch, tmp_path):
    at = faces_page(view="threshold", source="gallery")
    assert "fewer than three photos" in texts(at)
    orl = shared_path("data", "faces", "orl")
    for person in ("s1", "s2", "s3"):
        (tmp_path / person).mkdir()
        for n in (1, 2):
            (tmp_path / person / f"{n}.pgm").write_bytes((orl / person / f"{n}.pgm").read_bytes())
    monkeypatch.setenv("CVCORE_FACES_DIR", str(tmp_path))
    at.radio(key="faces.source").set_value("folder").run()
    assert not at.exception and "6 photos" in texts(at) and "ROC AUC" in texts(at)


def test_missing_weights_give_a_clear_message_and_the_triplet_view_still_works(open_page, monkeypatch):
    from ui.models import cached_network

    monkeypatch.delenv("CVCORE_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("TORCH_HOME", "/nonexistent-torch-home")
    cached_network.clear()
    try:
        at = open_page("faces")
        message = " ".join(str(w.value) for w in at.warning)
        assert not errors(at) and "MobileFaceNet" in message and "not available on this server" in message
        assert "mobilefacenet.pt" in message and "CVCORE_WEIGHTS_DIR" in message and "/nonexistent" not in message
        at.radio(key="faces.view").set_value("triplet").run()
        assert not errors(at) and "L = max(" in texts(at)
    finally:
        cached_network.clear()
