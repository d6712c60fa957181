"""From whole photos to decisions: crop (detect + align), embed, compare with a distance and a threshold tau.

Verification (1:1) asks whether d(img1, img2) <= tau; recognition (1:K) ranks a gallery of one photo per
person by distance and answers "nobody" when even the nearest is farther than tau (one-shot learning:
a new person needs one photo, no retraining).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cvcore.errors import CvcoreError, ImageError, InvalidParameter
from cvcore.faces.align import align_face, resize_face, to_array
from cvcore.faces.detect import Face, detect_faces
from cvcore.faces.embed import embed_crops, load_mobilefacenet
from cvcore.faces.mtcnn import Mtcnn, load_mtcnn

__all__ = ["NoFaceFound", "FaceCrop", "Verification", "Recognition", "METRICS", "DEFAULT_THRESHOLDS", "crop_face",
           "embed", "distance_matrix", "pair_distances", "verify", "recognise"]

METRICS = ("cosine", "euclidean")
# Thresholds on L2-normalised MobileFaceNet embeddings near the equal-error rate on the ORL faces; the
# Threshold view of the lab shows how to choose one from labelled pairs.
DEFAULT_THRESHOLDS = {"cosine": 0.6, "euclidean": 1.1}


class NoFaceFound(CvcoreError):
    """The detector found no face in a photo."""


@dataclass(frozen=True)
class FaceCrop:
    """An aligned 112x112 face: ``crop`` uint8 [112, 112, 3], the ``face`` it came from (None for the resize
    fallback), how many faces the photo held, and how the crop was made ("aligned" or "resized")."""

    crop: np.ndarray
    face: Face | None
    faces_found: int
    method: str
    rotation: int = 0  # degrees the photo was turned (counter-clockwise) before the face was found


@dataclass(frozen=True)
class Verification:
    """The answer to "is this the same person?": d(img1, img2), tau, and the two aligned crops."""

    distance: float
    threshold: float
    metric: str
    same: bool
    crops: tuple[FaceCrop, FaceCrop]


@dataclass(frozen=True)
class Recognition:
    """A probe against a gallery: (name, distance) nearest first; ``name`` is None when not recognised."""

    ranked: tuple[tuple[str, float], ...]
    threshold: float
    name: str | None


@lru_cache(maxsize=1)
def _default_networks() -> tuple[Mtcnn, torch.nn.Module]:
    """MTCNN and MobileFaceNet loaded once (read-only) for calls that do not pass their own."""
    return load_mtcnn(), load_mobilefacenet()


def _networks(detector, model):
    if detector is None or model is None:
        default_detector, default_model = _default_networks()
        return detector or default_detector, model or default_model
    return detector, model


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise InvalidParameter(f"metric must be one of {list(METRICS)}, got {metric!r}")


def crop_face(image: Image.Image, detector: Mtcnn, *, pick: int = 0, fallback: bool = False, pad: float = 0.0,
              min_size: float = 20.0, rotations: tuple[int, ...] = (0,)) -> FaceCrop:
    """Detect the faces of ``image`` and align face number ``pick`` (0 = the largest) to 112x112.

    ``rotations`` (multiples of 90 degrees) are tried in turn until a face is found, for photos taken sideways
    (the face in ``FaceCrop.face`` is then in the turned photo's pixels). With ``fallback`` a photo without a
    detected face is centre-cropped and resized instead (for photos that are already face crops); without it,
    ``NoFaceFound`` is raised.
    """
    if not isinstance(image, Image.Image):
        raise ImageError(f"expected a PIL image, got {type(image).__name__}")
    if not rotations or any(r % 90 for r in rotations):
        raise InvalidParameter(f"rotations must be multiples of 90 degrees, got {list(rotations)}")
    faces, rotation = [], 0
    for rotation in rotations:
        turned = image.rotate(rotation, expand=True) if rotation % 360 else image
        faces = detect_faces(turned, detector, pad=pad, min_size=min_size)
        if faces:
            image = turned
            break
    if not faces:
        if fallback:
            return FaceCrop(to_array(resize_face(image)), None, 0, "resized")
        raise NoFaceFound(f"expected a face in the {image.size[0]}x{image.size[1]} photo, got none: try a sharper, "
                          "more frontal photo where the face is at least 20 pixels wide")
    if not 0 <= pick < len(faces):
        raise InvalidParameter(f"pick must be between 0 and {len(faces) - 1} ({len(faces)} faces found), got {pick}")
    crop, _ = align_face(image, faces[pick].landmarks)
    return FaceCrop(to_array(crop), faces[pick], len(faces), "aligned", int(rotation) % 360)


def embed(images, *, detector: Mtcnn | None = None, model: torch.nn.Module | None = None, fallback: bool = False,
          flip: bool = True, **detect_kw) -> torch.Tensor:
    """Whole photos (PIL images) -> L2-normalised embeddings Tensor[N, 128], each of its largest face.

    Without ``detector`` and ``model`` the engine loads MTCNN and MobileFaceNet once (``cvcore.zoo`` resolution).

    Raises:
        NoFaceFound: a photo has no face (and ``fallback`` is off).
        WeightsUnavailable: the networks' weights cannot be found.
    """
    detector, model = _networks(detector, model)
    images = list(images)
    if not images:
        raise InvalidParameter("expected at least one photo, got none")
    crops = [crop_face(im, detector, fallback=fallback, **detect_kw).crop for im in images]
    return embed_crops(model, crops, flip=flip)


def distance_matrix(a: torch.Tensor, b: torch.Tensor, metric: str = "cosine") -> torch.Tensor:
    """Distances between L2-normalised embeddings: a [N, D], b [M, D] -> [N, M].

    cosine: 1 - cos(a, b), in [0, 2]; euclidean: ||a - b||, in [0, 2] (= sqrt(2 * cosine) on unit vectors).

    >>> a = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> distance_matrix(a, a, "cosine").tolist(), round(float(distance_matrix(a, a, "euclidean")[0, 1]) ** 2, 6)
    ([[0.0, 1.0], [1.0, 0.0]], 2.0)
    """
    _check_metric(metric)
    a, b = torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise InvalidParameter(f"expected embeddings [N, D] and [M, D], got {tuple(a.shape)} and {tuple(b.shape)}")
    if metric == "cosine":
        return (1.0 - F.normalize(a, dim=1) @ F.normalize(b, dim=1).T).clamp_min(0.0)
    return torch.cdist(a, b)


def pair_distances(embeddings: torch.Tensor, i, j, metric: str = "cosine") -> torch.Tensor:
    """d(embeddings[i_k], embeddings[j_k]) for every pair k: Tensor[K]."""
    _check_metric(metric)
    e = torch.as_tensor(embeddings, dtype=torch.float32)
    a, b = e[torch.as_tensor(i)], e[torch.as_tensor(j)]
    if metric == "cosine":
        return (1.0 - (F.normalize(a, dim=1) * F.normalize(b, dim=1)).sum(1)).clamp_min(0.0)
    return (a - b).norm(dim=1)


def _threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not 0.0 <= threshold <= 2.0:
        raise InvalidParameter(f"threshold must be in [0, 2], got {threshold}")
    return threshold


def verify(img1: Image.Image, img2: Image.Image, threshold: float, *, detector: Mtcnn | None = None,
           model: torch.nn.Module | None = None, metric: str = "cosine", fallback: bool = False,
           flip: bool = True) -> Verification:
    """Is the largest face of ``img1`` the same person as that of ``img2``? ``same`` is d <= ``threshold``.

    Raises:
        NoFaceFound: a photo has no face (and ``fallback`` is off).
        WeightsUnavailable: the networks' weights cannot be found.
    """
    _check_metric(metric)
    detector, model = _networks(detector, model)
    threshold = _threshold(threshold)
    crops = (crop_face(img1, detector, fallback=fallback), crop_face(img2, detector, fallback=fallback))
    e = embed_crops(model, [c.crop for c in crops], flip=flip)
    d = float(distance_matrix(e[:1], e[1:], metric)[0, 0])
    return Verification(d, threshold, metric, d <= threshold, crops)


def recognise(probe: torch.Tensor, gallery: torch.Tensor, names, threshold: float, *, metric: str = "cosine") -> Recognition:
    """Rank a gallery (one embedding per person, Tensor[K, D]) by distance to ``probe`` (Tensor[D]).

    >>> g = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> r = recognise(torch.tensor([0.6, 0.8]), g, ["ann", "bob"], 0.3); r.name, [n for n, _ in r.ranked]
    ('bob', ['bob', 'ann'])
    """
    names = list(names)
    gallery = torch.as_tensor(gallery, dtype=torch.float32)
    if len(names) != len(gallery) or len(names) == 0:
        raise InvalidParameter(f"expected one name per gallery embedding (at least one), got {len(names)} names "
                               f"and {len(gallery)} embeddings")
    d = distance_matrix(torch.as_tensor(probe, dtype=torch.float32).reshape(1, -1), gallery, metric)[0]
    order = torch.argsort(d).tolist()
    ranked = tuple((names[i], float(d[i])) for i in order)
    threshold = _threshold(threshold)
    return Recognition(ranked, threshold, ranked[0][0] if ranked[0][1] <= threshold else None)
