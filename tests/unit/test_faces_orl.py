"""The full pipeline (detect, align, embed) on the ORL faces in ../shared: verification ROC AUC against
scikit-learn's, accuracy at the chosen threshold, and 1:K rank-1 with one gallery photo per person.

Three photos of each of the 40 people keep the test fast (the benchmark scores all 400 photos); the
embeddings are computed once for the module.
"""

import pytest
import torch
from sklearn.metrics import roc_auc_score

from cvcore import faces
from tests.shared_data import shared_path

PER_PERSON = 3


@pytest.fixture(scope="module")
def orl():
    data = faces.load_face_folder(shared_path("data", "faces", "orl"), per_person=PER_PERSON)
    detector = faces.load_mtcnn()
    model = faces.load_mobilefacenet(shared_path("weights", "mobilefacenet.pt"))
    crops = [faces.crop_face(im, detector, fallback=True, **faces.CROP_DETECTION) for im in data.images]
    return data, crops, faces.embed_crops(model, [c.crop for c in crops])


def test_the_set_is_read_in_natural_order(orl):
    data, crops, e = orl
    assert len(data.names) == 40 and data.names[:3] == ("s1", "s2", "s3") and data.files[3] == "s2/1.pgm"
    assert data.images[0].size == (92, 112) and e.shape == (40 * PER_PERSON, 128)


def test_detection_finds_almost_every_face_and_the_fallback_is_counted(orl):
    _, crops, _ = orl
    resized = sum(c.method == "resized" for c in crops)
    assert resized <= 2, f"{resized} photos needed the resize fallback"
    assert all(c.crop.shape == (112, 112, 3) for c in crops)


def test_verification_auc_and_accuracy_at_the_chosen_threshold(orl):
    data, _, e = orl
    i, j, same = faces.labelled_pairs(data.labels, seed=0)
    assert int(same.sum()) == 40 * 3 and len(same) == 2 * 40 * 3
    d = faces.pair_distances(e, i, j, "cosine")
    r = faces.roc(d, same)
    assert r.auc == pytest.approx(roc_auc_score(same.numpy(), -d.numpy()), abs=1e-9)
    assert r.auc >= 0.98
    summary = faces.threshold_summary(d, same)
    assert summary.best_accuracy >= 0.95 and summary.eer <= 0.05
    _, _, at_default = faces.rates_at(d, same, faces.DEFAULT_THRESHOLDS["cosine"])
    assert at_default >= 0.93


def test_one_shot_recognition_rank_1(orl):
    data, _, e = orl
    labels = torch.tensor(data.labels)
    gallery = torch.arange(0, len(labels), PER_PERSON)  # the first photo of each person
    probes = torch.tensor([k for k in range(len(labels)) if k % PER_PERSON])
    hits = [faces.recognise(e[p], e[gallery], data.names, 2.0).name == data.names[int(labels[p])] for p in probes]
    assert sum(hits) / len(hits) >= 0.95
