"""Neural style transfer (cvcore.style) and face verification (cvcore.faces) on the device against the CPU.

Style transfer and MTCNN build their images and pyramids in float32 themselves: their reference is the same job on the
CPU in float32 (so on the CPU these compare the CPU with itself, and check that the job runs).
"""

import copy

import pytest
import torch

from cvcore import faces, images
from cvcore.errors import WeightsUnavailable
from cvcore.style import gatys as style
from cvcore.style import images as style_images
from cvcore.style import nets as style_nets
from tests.device.bounds import U32, assert_close, assert_relative, assert_trajectory, network_terms, scale
from tests.shared_data import shared_path


def test_style_transfer_3_lbfgs_and_3_adam_steps(device, mobilenet, mobilenet_on, full):
    size = 128 if full else 64
    pair = images.sample_image("chelsea"), style_images.style_image("mosaic", max(256, size))
    spec = style_nets.backbone("mobilenet_v2")
    deepest = max((spec.content_layer, *spec.style_layers), key=lambda n: int(n.split(".")[1]))
    # step 0's costs: the forward pass to the deepest layer used, a Gram matrix of (size / 32)^2 .. size^2 / 4 terms,
    # the squared differences of C^2 entries (C <= 1,280), each squared (twice the relative error)
    first = 2 * (network_terms(mobilenet, upto=deepest) + size * size // 4 + 1280 * 1280) * U32
    for optimizer in style.OPTIMIZERS:
        runs = [list(style.transfer(*pair, backbone="mobilenet_v2", model=model, device=dev, size=size, steps=3,
                                    optimizer=optimizer, preview_every=1))
                for model, dev in ((mobilenet_on, device), (mobilenet, torch.device("cpu")))]
        got, want = runs
        assert abs(got[0].style_cost - want[0].style_cost) <= first * abs(want[0].style_cost), optimizer
        for cost in ("content_cost", "total_cost"):
            values = [getattr(r, cost) for r in want]
            assert_trajectory([getattr(r, cost) for r in got], values, first * scale(values), f"{optimizer} {cost}")
        assert got[-1].image.shape == want[-1].image.shape and got[-1].image.dtype == want[-1].image.dtype


def test_gram_matrix_and_the_style_cost_of_random_features(device):
    a, b = (torch.rand(1, 64, 32, 40, generator=torch.Generator().manual_seed(13 + i)) for i in range(2))
    gram = style.gram_matrix(a.to(device))
    gram64 = style.gram_matrix(a.double())
    # 1,280 nonnegative products per entry: no cancellation, so n u of the value itself
    assert_relative(gram, gram64, 32 * 40, "gram")
    # the cost squares the difference of two such Gram matrices (its error relative to the larger entry, twice) and
    # sums 64 x 64 of them
    cost64 = style.style_layer_cost(gram64, b.double())
    g_scale = max(scale(gram64), scale(style.gram_matrix(b.double())))
    diff_scale = float((gram64 - style.gram_matrix(b.double())).abs().max())
    bound = (2 * 2 * 32 * 40 * U32 * g_scale / diff_scale + 64 * 64 * U32) * scale(cost64)
    assert_close(style.style_layer_cost(gram, b.to(device)), cost64, bound, "cost")


def _weights(load, name: str):
    try:
        return load()
    except WeightsUnavailable:
        shared_path("weights", name)  # skips (fails under CI) when the shared weights folder lacks it
        raise


@pytest.fixture(scope="module")
def mobilefacenet(device):
    model = _weights(lambda: faces.load_mobilefacenet(device="cpu", offline=True), "mobilefacenet.pt")
    return model.eval()


def test_mobilefacenet_embeddings_and_cosine_distances(device, mobilefacenet):
    crops = list(faces.load_sample_embeddings()["crops"])
    model64 = copy.deepcopy(mobilefacenet).double()
    got = faces.embed_crops(copy.deepcopy(mobilefacenet).to(device), crops)
    want = faces.embed_crops(mobilefacenet, crops)  # it feeds float32 crops: the CPU's float32 model
    terms = network_terms(model64)
    # unit vectors: the network's rounding relative to 1, twice (the mirrored crop is added), then the normalisation
    bound = (2 * terms + 128) * U32
    assert_close(got, want, bound, "embeddings")
    # 1 - a.b: 128 products of unit vectors, each vector within the bound above
    assert_close(faces.distance_matrix(got, got), faces.distance_matrix(want, want), 2 * bound + 128 * U32, "distances")


def test_mtcnn_face_detection_on_the_sample_photo(device):
    detector = _weights(lambda: faces.load_mtcnn(offline=True), "onet.pt")
    on = faces.Mtcnn(*(copy.deepcopy(getattr(detector, n)).to(device) for n in ("pnet", "rnet", "onet")))
    photo = faces.sample_faces()["two_faces"][1]
    got, want = faces.detect_faces(photo, on), faces.detect_faces(photo, detector)
    assert len(got) == len(want)
    # O-Net's box offsets and landmarks are fractions of a box (up to the photo's size) from P-Net, R-Net and O-Net in
    # turn; the scores are probabilities
    terms = sum(network_terms(getattr(detector, n)) for n in ("pnet", "rnet", "onet"))
    px = terms * U32 * max(photo.size)
    for g, w in zip(got, want, strict=True):
        assert_close([*g.box, *torch.as_tensor(g.landmarks).flatten().tolist()],
                     [*w.box, *torch.as_tensor(w.landmarks).flatten().tolist()], px, "boxes and landmarks (px)")
        assert abs(g.score - w.score) <= terms * U32, (g.score, w.score)
