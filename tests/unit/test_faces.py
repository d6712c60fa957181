"""cvcore.faces: the MTCNN cascade against facenet-pytorch's own, alignment against scikit-image's least-squares
similarity, MobileFaceNet's embeddings, the distances, the triplet loss by hand, ROC/EER/FAR/FRR against
scikit-learn, the siamese head and PCA, the weights' resolution and download (served on 127.0.0.1)."""

import functools
import http.server
import shutil
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.transform import SimilarityTransform
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from torchvision.ops import box_iou

from cvcore import faces, images, zoo
from cvcore.errors import ImageError, InvalidParameter, WeightsUnavailable
from cvcore.faces.mtcnn import MTCNN_WEIGHTS
from tests.shared_data import shared_path


@pytest.fixture(scope="module")
def detector():
    return faces.load_mtcnn()


@pytest.fixture(scope="module")
def model():
    return faces.load_mobilefacenet(shared_path("weights", "mobilefacenet.pt"))


@pytest.fixture(scope="module")
def astronaut():
    return images.sample_image("astronaut")


def _check_plausible(face: faces.Face) -> None:
    (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = face.landmarks
    x1, y1, x2, y2 = face.box
    assert all(x1 <= x <= x2 and y1 <= y <= y2 for x, y in face.landmarks)
    assert lx < nx < rx and mlx < nx < mrx  # the nose between the eyes and between the mouth corners
    assert max(ly, ry) < ny < min(mly, mry)  # eyes above the nose above the mouth


def test_the_astronauts_face_matches_facenet_pytorchs_cascade(detector, astronaut):
    (face,) = faces.detect_faces(astronaut, detector)
    _check_plausible(face)
    assert face.score > 0.99
    from facenet_pytorch.models.mtcnn import MTCNN  # the reference: the weights' own package

    boxes, probs, marks = MTCNN(keep_all=True, device="cpu").detect(astronaut, landmarks=True)
    boxes, marks = np.asarray(boxes, dtype=np.float32), np.asarray(marks[0], dtype=np.float32)
    assert len(boxes) == 1
    assert float(box_iou(torch.tensor([face.box]), torch.from_numpy(boxes))) > 0.9
    side = face.box[2] - face.box[0]
    torch.testing.assert_close(torch.tensor(face.landmarks), torch.from_numpy(marks),
                               rtol=0, atol=0.05 * side)


def test_no_face_on_a_blank_or_a_coffee_photo_and_tiny_input_is_refused(detector):
    assert faces.detect_faces(Image.new("RGB", (320, 240), (128, 128, 128)), detector) == []
    assert faces.detect_faces(images.sample_image("coffee"), detector) == []
    with pytest.raises(faces.NoFaceFound, match="expected a face"):
        faces.crop_face(images.sample_image("coffee"), detector)
    with pytest.raises(ImageError, match="at least 12 x 12"):
        faces.detect_faces(Image.new("RGB", (8, 8)), detector)
    with pytest.raises(InvalidParameter, match="factor"):
        faces.detect_faces(Image.new("RGB", (64, 64)), detector, factor=1.5)


def test_two_pasted_faces_are_both_found_largest_first(detector):
    photo = faces.sample_faces()["two_faces"][1]
    found = faces.detect_faces(photo, detector)
    assert len(found) == 2 and found[0].area > found[1].area
    assert found[0].box[2] < 512 <= found[1].box[0]  # the astronaut on the left half, the cameraman on the right
    _check_plausible(found[0])
    second = faces.crop_face(photo, detector, pick=1)
    assert second.faces_found == 2 and second.face == found[1]
    with pytest.raises(InvalidParameter, match="pick must be between 0 and 1"):
        faces.crop_face(photo, detector, pick=2)


def test_grayscale_cmyk_small_and_sideways_photos(detector, astronaut):
    assert len(faces.detect_faces(astronaut.convert("L"), detector)) == 1
    assert len(faces.detect_faces(astronaut.convert("CMYK"), detector)) == 1
    small = astronaut.crop((150, 30, 300, 200)).resize((60, 68))  # a face about 35 px wide, upscaled inside
    (face,) = faces.detect_faces(small, detector)
    _check_plausible(face)
    sideways = astronaut.rotate(90, expand=True)
    assert faces.detect_faces(sideways, detector) == []
    crop = faces.crop_face(sideways, detector, rotations=(0, 270, 90, 180))
    assert crop.rotation == 270 and crop.method == "aligned"


def test_similarity_transform_is_the_least_squares_fit_of_scikit_image():
    rng = np.random.default_rng(0)
    for _ in range(20):
        src = rng.uniform(0, 200, size=(5, 2))
        angle, scale, shift = rng.uniform(-np.pi, np.pi), rng.uniform(0.2, 3), rng.uniform(-50, 50, 2)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        dst = scale * src @ rot.T + shift + rng.normal(0, 2, size=(5, 2))
        ours = faces.similarity_transform(src, dst)
        reference = SimilarityTransform.from_estimate(src, dst) if hasattr(SimilarityTransform, "from_estimate") else None
        if reference is None:
            reference = SimilarityTransform()
            reference.estimate(src, dst)
        torch.testing.assert_close(ours, torch.tensor(reference.params[:2]), rtol=1e-7, atol=1e-7)
    exact = faces.similarity_transform(faces.TEMPLATE * 0.5 + 3, faces.TEMPLATE)
    torch.testing.assert_close(faces.apply_transform(exact, faces.TEMPLATE * 0.5 + 3), faces.TEMPLATE, rtol=0, atol=1e-9)
    with pytest.raises(InvalidParameter, match="must not all coincide"):
        faces.similarity_transform([[1, 1], [1, 1]], [[0, 0], [1, 1]])


def test_alignment_puts_the_landmarks_on_the_template(detector, astronaut):
    (face,) = faces.detect_faces(astronaut, detector)
    crop, matrix = faces.align_face(astronaut, face.landmarks)
    assert crop.size == (112, 112) and crop.mode == "RGB"
    moved = faces.apply_transform(matrix, face.landmarks)
    error = (moved - faces.TEMPLATE).norm(dim=1)  # pixels in the 112x112 crop
    assert float(error[:2].max()) < 3.0 and float(error.max()) < 8.0  # her smile is wider than the template's mouth
    best = float((error ** 2).sum())
    g = torch.Generator().manual_seed(0)
    for _ in range(20):  # no nearby similarity transform fits the template better
        angle, scale = float(torch.randn(1, generator=g)) * 0.02, 1 + float(torch.randn(1, generator=g)) * 0.02
        turn = torch.tensor([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=torch.float64) * scale
        other = torch.cat([turn @ matrix[:, :2], (turn @ matrix[:, 2:]) + torch.randn(2, 1, generator=g).double() * 0.3], 1)
        assert float(((faces.apply_transform(other, face.landmarks) - faces.TEMPLATE) ** 2).sum()) >= best - 1e-9
    # The crop's pixels are the photo's, read through the inverse map: check one landmark's neighbourhood.
    eye_in_crop = np.asarray(crop)[51, 38].astype(float)
    x, y = face.landmarks[0]
    photo = np.asarray(astronaut)[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2].reshape(-1, 3)
    assert np.abs(photo.mean(0) - eye_in_crop).max() < 60


def test_embeddings_are_unit_vectors_and_tell_people_apart(detector, model):
    samples = faces.sample_faces()
    photos = [samples[n][1] for n in ("astronaut", "astronaut_mirrored", "astronaut_dark", "cameraman")]
    e = faces.embed(photos, detector=detector, model=model)
    assert e.shape == (4, faces.EMBEDDING_SIZE)
    torch.testing.assert_close(e.norm(dim=1), torch.ones(4), rtol=0, atol=1e-5)
    d = faces.distance_matrix(e, e, "cosine")
    assert float(d[0, 1:3].max()) < 0.2 < 0.6 < float(d[0, 3])
    euclid = faces.distance_matrix(e, e, "euclidean")
    torch.testing.assert_close(euclid, torch.sqrt(2 * d).clamp_min(0), rtol=0, atol=2e-3)
    torch.testing.assert_close(faces.pair_distances(e, [0, 0], [1, 3]), d[0, [1, 3]], rtol=0, atol=1e-6)
    with pytest.raises(faces.NoFaceFound):
        faces.embed([photos[0], images.sample_image("coffee")], detector=detector, model=model)
    same = faces.verify(photos[0], photos[2], 0.6, detector=detector, model=model)
    other = faces.verify(photos[0], photos[3], 0.6, detector=detector, model=model, metric="euclidean")
    assert same.same and not other.same and other.distance > 1.0 and same.crops[0].crop.shape == (112, 112, 3)
    recognition = faces.recognise(e[1], e[[0, 3]], ["Eileen", "cameraman"], 0.6)
    assert recognition.name == "Eileen" and recognition.ranked[0][1] < recognition.ranked[1][1]
    assert faces.recognise(e[3], e[:1], ["Eileen"], 0.6).name is None  # nobody in the gallery is close enough


def test_mobilefacenet_matches_its_state_dict_and_a_reference_forward(model):
    state = torch.load(shared_path("weights", "mobilefacenet.pt"), map_location="cpu", weights_only=True)
    assert set(model.state_dict()) == set(state) and sum(p.numel() for p in model.parameters()) > 900_000
    x = torch.randn(2, 3, 112, 112, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        out = model(x)
        stem = torch.nn.functional.conv2d(x, state["conv1.0.weight"], stride=2, padding=1)
        bn = torch.nn.functional.batch_norm(stem, state["conv1.1.running_mean"], state["conv1.1.running_var"],
                                            state["conv1.1.weight"], state["conv1.1.bias"], eps=1e-5)
        torch.testing.assert_close(model.conv1(x), bn.clamp(0, 6), rtol=1e-4, atol=1e-4)
    assert out.shape == (2, 128)


def test_triplet_loss_by_hand_and_against_torch():
    a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    p = torch.tensor([[0.3, 0.4], [1.0, 1.0]])  # d(A,P)^2 = 0.25 and 0
    n = torch.tensor([[0.6, 0.8], [1.0, 1.2]])  # d(A,N)^2 = 1.0 and 0.04
    torch.testing.assert_close(faces.triplet_loss(a, p, n, 0.2), torch.tensor([0.0, 0.16]), rtol=0, atol=1e-6)
    torch.testing.assert_close(faces.triplet_loss(a, p, n, 0.8), torch.tensor([0.05, 0.76]), rtol=0, atol=1e-6)
    torch.testing.assert_close(faces.triplet_loss(a, p, n, 0.2, reduction="mean"), torch.tensor(0.08), rtol=0, atol=1e-6)
    x = torch.randn(3, 50, 16, generator=torch.Generator().manual_seed(1))
    ours = faces.triplet_loss(x[0], x[1], x[2], 1.0, distance="euclidean", reduction="mean")
    reference = torch.nn.functional.triplet_margin_loss(x[0], x[1], x[2], margin=1.0, eps=0.0)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-5)
    with pytest.raises(InvalidParameter, match="margin must be >= 0"):
        faces.triplet_loss(a, p, n, -1)


def test_triplet_kinds_count_every_triplet():
    e = torch.randn(9, 4, generator=torch.Generator().manual_seed(2))
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    counts = faces.triplet_kinds(e, labels, 0.3, distance="euclidean")
    assert counts.total == 9 * 2 * 6  # anchors x positives x negatives
    losses = [float(faces.triplet_loss(e[i], e[j], e[k], 0.3, distance="euclidean")) for i in range(9) for j in range(9)
              for k in range(9) if i != j and labels[i] == labels[j] and labels[k] != labels[i]]
    assert counts.easy == sum(v == 0 for v in losses)


def test_roc_far_frr_and_eer_against_scikit_learn():
    g = torch.Generator().manual_seed(3)
    same = torch.rand(10_000, generator=g) < 0.3
    d = torch.where(same, 0.5 + 0.2 * torch.randn(10_000, generator=g), 1.0 + 0.2 * torch.randn(10_000, generator=g))
    d = (d * 100).round() / 100  # ties, as real distances printed to 2 decimals have
    r = faces.roc(d, same)
    assert r.auc == pytest.approx(roc_auc_score(same.numpy(), -d.numpy()), abs=1e-9)
    fpr, tpr, thr = roc_curve(same.numpy(), -d.numpy(), drop_intermediate=False)
    np.testing.assert_allclose(r.far.numpy(), fpr, atol=1e-12)
    np.testing.assert_allclose(r.tar.numpy(), tpr, atol=1e-12)
    np.testing.assert_allclose(r.thresholds[1:].numpy(), -thr[1:], atol=1e-12)
    far, frr, acc = faces.rates_at(d, same, 0.75)
    assert far == pytest.approx(float(((d <= 0.75) & ~same).sum() / (~same).sum()))
    assert frr == pytest.approx(float(((d > 0.75) & same).sum() / same.sum()))
    summary = faces.threshold_summary(d, same)
    assert 0.7 < summary.eer_threshold < 0.8 and summary.eer == pytest.approx(0.106, abs=0.02)  # two N(., 0.2) 0.5 apart
    best_far, best_frr, best_acc = faces.rates_at(d, same, summary.best_threshold)
    assert best_acc == pytest.approx(summary.best_accuracy, abs=1e-12)
    assert all(faces.rates_at(d, same, t)[2] <= summary.best_accuracy + 1e-12 for t in np.linspace(0, 2, 201))
    with pytest.raises(InvalidParameter, match="both same and different"):
        faces.roc([0.1, 0.2], [True, True])


def test_siamese_head_learns_what_scikit_learn_learns():
    g = torch.Generator().manual_seed(4)
    centres = torch.nn.functional.normalize(torch.randn(6, 16, generator=g), dim=1)
    labels = torch.arange(6).repeat_interleave(8)
    e = torch.nn.functional.normalize(centres[labels] + 0.1 * torch.randn(48, 16, generator=g), dim=1)
    i, j, same = faces.labelled_pairs(labels.tolist(), seed=0)
    # scikit-learn minimises ||w||^2 / 2 + C * sum(log loss): the same optimum as mean(log loss) + ||w||^2 / (2 C K).
    head = faces.train_siamese_head(e[i], e[j], same, steps=500, lr=0.05, weight_decay=1.0 / len(i))
    assert head.losses[-1] < head.losses[0]
    x = (e[i] - e[j]).abs()
    reference = LogisticRegression(C=1.0, max_iter=5000, tol=1e-8).fit(x.numpy(), same.numpy())
    theirs = torch.from_numpy(reference.predict_proba(x.numpy())[:, 1]).float()
    torch.testing.assert_close(head.probability(e[i], e[j]), theirs, rtol=0, atol=0.01)
    assert float(((head.probability(e[i], e[j]) > 0.5) == same).float().mean()) > 0.95
    torch.testing.assert_close(head.probability(e[:1], e[1:2]),
                               torch.sigmoid((e[0] - e[1]).abs() @ head.weight + head.bias)[None], rtol=1e-6, atol=1e-6)


def test_pca_matches_scikit_learn_up_to_sign():
    x = torch.randn(30, 8, generator=torch.Generator().manual_seed(5)) * torch.arange(1, 9)
    points, ratio = faces.pca_2d(x)
    reference = PCA(2).fit(x.numpy())
    theirs = torch.from_numpy(reference.transform(x.numpy())).float()
    signs = torch.sign((points * theirs).sum(0))
    torch.testing.assert_close(points * signs, theirs, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ratio, torch.from_numpy(reference.explained_variance_ratio_).float(), rtol=1e-4, atol=1e-5)


def test_mobilefacenet_weights_resolve_offline_from_the_folder_and_download_from_127_0_0_1(isolated, monkeypatch):
    weights = shared_path("weights", "mobilefacenet.pt")
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    with pytest.raises(WeightsUnavailable) as info:
        faces.load_mobilefacenet()
    assert "mobilefacenet.pt" in str(info.value) and "CVCORE_WEIGHTS_DIR" in str(info.value)
    monkeypatch.setenv("CVCORE_WEIGHTS_DIR", str(weights.parent))
    assert zoo.resolve_weights(zoo.weights_spec("mobilefacenet")).source == "CVCORE_WEIGHTS_DIR"
    monkeypatch.delenv("CVCORE_WEIGHTS_DIR")
    monkeypatch.delenv("CVCORE_OFFLINE")
    served = isolated / "served"
    served.mkdir()
    shutil.copy(weights, served / "mobilefacenet.pt")  # into the test's temporary folder only
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = zoo.FILES["mobilefacenet"]
        local = type(spec)(spec.filename, spec.sha256, f"http://127.0.0.1:{server.server_address[1]}/mobilefacenet.pt",
                           spec.size_mb)
        monkeypatch.setitem(zoo.FILES, "mobilefacenet", local)
        net = faces.load_mobilefacenet()
        assert (isolated / "torch-home" / "hub" / "checkpoints" / "mobilefacenet.pt").is_file()
        assert not net.training
    finally:
        server.shutdown()
        server.server_close()
    bad = isolated / "bad.pt"
    bad.write_bytes(b"not weights")
    with pytest.raises(WeightsUnavailable, match="expected .* to have sha256"):
        faces.load_mobilefacenet(bad)


def test_mtcnn_weights_come_from_the_carrier_package_verified(isolated, monkeypatch):
    monkeypatch.setenv("CVCORE_OFFLINE", "1")
    for spec in MTCNN_WEIGHTS.values():
        location = zoo.resolve_weights(spec)
        assert location.source == "carrier package" and zoo.sha256_of(location.path) == spec.sha256


def test_the_stored_sample_embeddings_are_what_the_pipeline_computes(detector, model):
    stored = faces.load_sample_embeddings()
    assert stored["names"] == list(faces.LABELLED_SAMPLES) and stored["crops"].shape == (7, 112, 112, 3)
    photos = faces.sample_faces()
    fresh = faces.embed([photos[n][1] for n in stored["names"]], detector=detector, model=model)
    torch.testing.assert_close(stored["embeddings"], fresh, rtol=0, atol=2e-3)  # stored as float16
    assert stored["people"].count("Eileen Collins") == 4 and stored["people"].count("the cameraman") == 3
