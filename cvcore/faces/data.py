"""Faces to work on: a labelled folder (one sub-folder per person, e.g. the ORL set's ``sN/K.pgm``),
pairs drawn from it, and offline sample photos built from scikit-image's data set.

Photos are read into memory only; nothing is written anywhere.
"""

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image, ImageEnhance

from cvcore import images
from cvcore.errors import InvalidParameter

__all__ = ["FaceSet", "FOLDER_ENV", "CROP_DETECTION", "load_face_folder", "face_folder_from_env", "labelled_pairs",
           "sample_faces", "SAMPLE_PEOPLE", "LABELLED_SAMPLES", "SAMPLES_ASSET", "load_sample_embeddings"]

FOLDER_ENV = "CVCORE_FACES_DIR"
# Detector settings for photos that are already tight face crops (the ORL set): a black border so the
# detector sees the whole head, and no search for faces smaller than 40 pixels.
CROP_DETECTION = {"pad": 0.2, "min_size": 40.0}
SAMPLES_ASSET = Path(__file__).resolve().parents[2] / "assets" / "face_samples.pt"
_SUFFIXES = {".pgm", ".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class FaceSet:
    """Labelled photos: ``images[i]`` shows person ``names[labels[i]]``; ``files[i]`` says where it came from."""

    images: tuple[Image.Image, ...]
    labels: tuple[int, ...]
    names: tuple[str, ...]
    files: tuple[str, ...]


def _natural(name: str):
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else 0, name)


def load_face_folder(root: str | Path, *, people: int | None = None, per_person: int | None = None) -> FaceSet:
    """Read ``root/<person>/<photo>`` (sorted naturally: s2 before s10), the first ``people`` people and the
    first ``per_person`` photos of each.

    Raises:
        InvalidParameter: the folder is missing or holds fewer than two people with photos.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise InvalidParameter(f"expected a folder of faces (one sub-folder per person), got {root}, which is not a folder")
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: _natural(p.name))
    pics, labels, names, files = [], [], [], []
    for folder in folders[:people] if people else folders:
        photos = sorted((p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES), key=lambda p: _natural(p.name))
        photos = photos[:per_person] if per_person else photos
        if not photos:
            continue
        for photo in photos:
            pics.append(images.load_image(photo.read_bytes()))
            labels.append(len(names))
            files.append(f"{folder.name}/{photo.name}")
        names.append(folder.name)
    if len(names) < 2:
        raise InvalidParameter(f"expected at least two people's sub-folders with photos in {root}, got {len(names)}")
    return FaceSet(tuple(pics), tuple(labels), tuple(names), tuple(files))


def face_folder_from_env(**kw) -> FaceSet | None:
    """The labelled folder named by ``$CVCORE_FACES_DIR``, or None when the variable is unset."""
    folder = os.environ.get(FOLDER_ENV, "").strip()
    return load_face_folder(folder, **kw) if folder else None


def labelled_pairs(labels, *, seed: int = 0, different: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every same-person pair (i < j) and as many random different-person pairs (or ``different`` of them):
    (i [K], j [K], same [K] bool).

    >>> i, j, same = labelled_pairs([0, 0, 1, 1]); same.tolist()
    [True, True, False, False]
    """
    y = torch.as_tensor(labels)
    if y.ndim != 1 or len(y) < 2:
        raise InvalidParameter(f"expected at least two labels, got {y.tolist()}")
    i, j = torch.triu_indices(len(y), len(y), 1)
    same = y[i] == y[j]
    n_same = int(same.sum())
    if n_same == 0 or n_same == len(same):
        raise InvalidParameter("expected at least two photos of one person and two different people, got none of one kind")
    wanted = n_same if different is None else int(different)
    diff_i, diff_j = i[~same], j[~same]
    pick = torch.randperm(len(diff_i), generator=torch.Generator().manual_seed(seed))[:wanted]
    return (torch.cat([i[same], diff_i[pick]]), torch.cat([j[same], diff_j[pick]]),
            torch.cat([torch.ones(n_same, dtype=torch.bool), torch.zeros(len(pick), dtype=torch.bool)]))


# Offline samples: one person seen in several ways, another person, two faces in one photo, no face.
SAMPLE_PEOPLE = {"astronaut": "Eileen Collins", "astronaut_mirrored": "Eileen Collins",
                 "astronaut_turned": "Eileen Collins", "astronaut_dark": "Eileen Collins",
                 "cameraman": "the cameraman", "cameraman_mirrored": "the cameraman", "cameraman_bright": "the cameraman",
                 "two_faces": "both", "coffee": "nobody"}
LABELLED_SAMPLES = tuple(name for name, person in SAMPLE_PEOPLE.items() if person not in ("both", "nobody"))


@lru_cache(maxsize=1)
def sample_faces() -> dict[str, tuple[str, Image.Image]]:
    """Sample photos that work offline: name -> (caption, RGB or L image). Built once; treat them as read-only."""
    astronaut = images.sample_image("astronaut")
    camera = images.sample_image("camera").convert("RGB")
    both = Image.new("RGB", (1024, 512), (40, 40, 40))
    both.paste(astronaut, (0, 0))
    both.paste(camera.resize((384, 384)), (576, 64))
    return {
        "astronaut": ("Eileen Collins (astronaut)", astronaut),
        "astronaut_mirrored": ("Eileen Collins, mirrored", astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        "astronaut_turned": ("Eileen Collins, turned 20 degrees", astronaut.rotate(20, resample=Image.Resampling.BILINEAR)),
        "astronaut_dark": ("Eileen Collins, darker", ImageEnhance.Brightness(astronaut).enhance(0.45)),
        "cameraman": ("The cameraman (another person, grayscale)", images.sample_image("camera")),
        "cameraman_mirrored": ("The cameraman, mirrored", images.sample_image("camera").transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        "cameraman_bright": ("The cameraman, brighter", ImageEnhance.Brightness(images.sample_image("camera")).enhance(1.4)),
        "two_faces": ("Two faces in one photo", both),
        "coffee": ("A cup of coffee (no face)", images.sample_image("coffee")),
    }


def load_sample_embeddings(path: str | Path = SAMPLES_ASSET) -> dict:
    """The stored MobileFaceNet embeddings of the labelled samples (``scripts/face_samples.py`` makes them):
    {"names": [sample names], "people": [person of each], "embeddings": Tensor[N, 128], "crops": uint8 [N, 112, 112, 3]}.

    Raises:
        InvalidParameter: the file is missing or unreadable.
    """
    path = Path(path)
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        return {"names": list(saved["names"]), "people": list(saved["people"]), "embeddings": saved["embeddings"].float(),
                "crops": saved["crops"].numpy()}
    except Exception as exc:  # a missing or damaged file is reported, not raised raw
        raise InvalidParameter(f"expected the stored sample embeddings in {path}, got an unreadable file ({exc}); run "
                               "`python scripts/face_samples.py` to make it") from exc
