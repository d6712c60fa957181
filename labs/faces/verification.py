"""The Face verification lab: the cached detector and embedder, face inputs, the labelled sets,
and the verification and recognition views (the other views are in ``labs.faces.labelled_sets``).

Privacy: photos are decoded in memory; the session keeps only what the views need (the 112x112 aligned crop,
the 128 numbers of its embedding and a small annotated preview), never writes them to disk and never logs them.
"""

import hashlib
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch
from PIL import Image

from cvcore import faces, images
from cvcore.errors import CvcoreError
from cvcore.viz.faces import annotate_faces, distance_histogram
from labs.faces.settings import FacesSettings as S
from ui import state
from ui.check import check_expander
from ui.code import code_expander
from ui.figures import show_chart
from ui.image_input import Wording, image_input
from ui.lazy import lazy_expander
from ui.models import cached_network, weights_notice

__all__ = ["PRIVACY", "FaceAnalysis", "engine", "analyse", "face_input", "labelled_set", "set_picker",
           "pair_distances", "metric_radio", "tau_slider", "verify_view", "recognise_view"]

PRIVACY = ("**Privacy:** photos are processed in memory only. The session keeps the aligned 112x112 face, its 128 "
           "embedding numbers and a small preview; nothing is written to disk or logged, and all of it is gone when "
           "the session ends.")
_CACHE, _GALLERY, _MAX_CACHED = "faces.cache", "faces.gallery", 24
_ROTATIONS = (0, 90, 270, 180)
_WORDING = Wording(upload="Upload a photo", upload_help="Processed in memory for this session only.",
                   missing="No photo yet: upload one or take a picture, or pick a sample.",
                   failed="Could not use this photo")


@dataclass(frozen=True)
class FaceAnalysis:
    """One face of a photo, detected, aligned and embedded (what the session keeps of it)."""

    crop: np.ndarray  # uint8 [112, 112, 3], the face aligned to the template
    crop_png: bytes  # the crop as PNG, shown without re-encoding
    embedding: list[float]  # 128 numbers of length 1
    found: int  # how many faces the photo holds
    matrix: list[list[float]]  # [2, 3] similarity transform that aligned the face
    rotation: int  # degrees the photo was turned before a face was found
    preview: bytes  # PNG of the (turned) photo with every face's box and landmarks


def _detector() -> faces.Mtcnn:
    return cached_network("mtcnn")


def _model() -> torch.nn.Module:
    return cached_network("mobilefacenet")


@st.cache_resource(show_spinner=False)
def _samples() -> dict:
    """The stored sample embeddings, loaded once per server (read-only, not user data)."""
    return faces.load_sample_embeddings()


@st.cache_resource(show_spinner=False)
def _reference(metric: str) -> tuple[np.ndarray, np.ndarray]:
    return pair_distances(_samples(), metric)


def engine() -> tuple[faces.Mtcnn, torch.nn.Module] | None:
    """The detector and the embedder, or None after an error that says how to get the weights."""
    for what, load in (("The face detector's weights (MTCNN)", _detector), ("The face embedding network's "
                                                                          "weights (MobileFaceNet)", _model)):
        try:
            load()
        except CvcoreError as exc:
            weights_notice(what, exc, instead="This view needs them to find and compare faces in photos. The views "
                           "*Triplet loss*, *Embedding space*, *Choosing tau* and *Siamese head* still work, on the "
                           "sample photos' stored embeddings.")
            return None
    return _detector(), _model()


def _preview(image: Image.Image, found, chosen: int) -> bytes:
    small, _ = images.fit_within(image, 360)
    ratio = small.size[0] / image.size[0]
    scaled = [faces.Face(tuple(v * ratio for v in f.box), f.score, tuple((x * ratio, y * ratio) for x, y in f.landmarks))
              for f in found]
    return images.png_bytes(annotate_faces(small, scaled, chosen))


def analyse(key: str, image: Image.Image, pick: int = 0) -> FaceAnalysis:
    """Detect, align and embed face ``pick`` of ``image``, once per (photo, pick) in this session.

    Raises CvcoreError (e.g. ``faces.NoFaceFound``).
    """
    cache = st.session_state.setdefault(_CACHE, {})
    if (key, pick) not in cache:
        detector, model = _detector(), _model()
        crop = faces.crop_face(image, detector, pick=pick, rotations=_ROTATIONS)
        found = faces.detect_faces(image.rotate(crop.rotation, expand=True) if crop.rotation else image, detector)
        embedding = faces.embed_crops(model, [crop.crop])[0]
        _, matrix = faces.align_face(image.rotate(crop.rotation, expand=True) if crop.rotation else image,
                                     crop.face.landmarks)
        shown = image.rotate(crop.rotation, expand=True) if crop.rotation else image
        if len(cache) >= _MAX_CACHED:
            cache.pop(next(iter(cache)))
        cache[(key, pick)] = FaceAnalysis(crop=crop.crop, crop_png=images.png_bytes(crop.crop), embedding=embedding.tolist(),
                                          found=len(found), matrix=matrix.tolist(), rotation=crop.rotation,
                                          preview=_preview(shown, found, pick))
    return cache[(key, pick)]


def _photo(slot: str, label: str) -> tuple[str, Image.Image] | None:
    """A photo from the samples, an upload or the camera: (a digest of its pixels, the image), or None."""
    sample = f"{slot}_sample"
    image = image_input(f"faces_{slot}", label=label, samples=faces.sample_faces(), sample_key=S.key(sample),
                        default_sample=S.field(sample).default, wording=_WORDING)
    if image is None:
        return None
    return hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest(), image


def face_input(slot: str, label: str, *, show: bool = True) -> FaceAnalysis | None:
    """Pick a photo and one of its faces; shows the detection (before) and the aligned crop (after)."""
    chosen = _photo(slot, label)
    if chosen is None:
        return None
    key, image = chosen
    pick = int(st.session_state.get(f"faces_{slot}_pick", 0))
    try:
        result = analyse(key, image, 0)
        if result.found > 1:
            pick = st.selectbox(f"{result.found} faces found: which one? (1 = the largest)", range(result.found),
                                key=f"faces_{slot}_pick", format_func=lambda n: f"face {n + 1}")
            result = analyse(key, image, pick)
    except CvcoreError as exc:
        st.error(f"{label}: {exc}")
        return None
    if show:
        left, right = st.columns([3, 2])
        left.image(result.preview, caption=f"Detected: box and five landmarks (face {pick + 1} of {result.found})"
                   + (f", after turning the photo {result.rotation} degrees" if result.rotation else ""))
        right.image(result.crop_png, caption="Aligned to the 112x112 template", width=150)
    return result


# -- labelled sets -------------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=1)
def _folder_set(folder: str, per_person: int) -> dict:
    detector, model = _detector(), _model()
    data = faces.load_face_folder(folder, per_person=per_person)
    crops = [faces.crop_face(im, detector, fallback=True, **faces.CROP_DETECTION) for im in data.images]
    return {"people": [data.names[y] for y in data.labels], "labels": list(data.files),
            "embeddings": faces.embed_crops(model, [c.crop for c in crops]).numpy(),
            "crops": np.stack([c.crop for c in crops]), "resized": sum(c.method == "resized" for c in crops)}


def labelled_set(source: str) -> dict | None:
    """{"people", "labels", "embeddings" (Tensor[N, 128]), "crops" (uint8 [N, 112, 112, 3])} or None with a message."""
    if source == "samples":
        try:
            s = _samples()
        except CvcoreError as exc:
            st.error(str(exc))
            return None
        labels = [faces.sample_faces()[n][0] for n in s["names"]]
        return {"people": s["people"], "labels": labels, "embeddings": s["embeddings"], "crops": s["crops"]}
    if source == "gallery":
        gallery = st.session_state.get(_GALLERY, [])
        if len(gallery) < 3:
            st.info("Your gallery has fewer than three photos: add some in *Recognition (1:K)* (two or more photos of "
                    "at least one person), or use the sample photos.")
            return None
        return {"people": [g["person"] for g in gallery], "labels": [g["label"] for g in gallery],
                "embeddings": torch.tensor([g["embedding"] for g in gallery]), "crops": np.stack([g["crop"] for g in gallery])}
    folder = os.environ.get(faces.FOLDER_ENV, "").strip()
    if not folder:
        st.info(f"No faces folder is configured: set {faces.FOLDER_ENV} to a folder with one sub-folder of photos per "
                "person (such as the ORL faces' sN/K.pgm) and restart the app.")
        return None
    if engine() is None:
        return None
    try:
        with st.spinner("Detecting, aligning and embedding the folder's faces (once) ..."):
            s = _folder_set(folder, 4)
    except CvcoreError as exc:
        st.error(f"Could not read the faces folder: {exc}")
        return None
    st.caption(f"{len(s['people'])} photos (the first 4 of each person) from {faces.FOLDER_ENV}; "
               f"{s['resized']} had no detected face and were resized whole instead of aligned.")
    return {**s, "embeddings": torch.from_numpy(s["embeddings"])}


def set_picker() -> dict | None:
    return labelled_set(S.widget("source", horizontal=True))


def pair_distances(s: dict, metric: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Distances of every same pair and as many random different pairs of a set: (distances [K], same [K])."""
    codes = pd.factorize(pd.Series(s["people"]))[0]
    i, j, same = faces.labelled_pairs(codes.tolist(), seed=seed)
    return faces.pair_distances(s["embeddings"], i, j, metric).numpy(), same.numpy()


def _on_metric() -> None:
    S.put("tau", faces.DEFAULT_THRESHOLDS[S.get("metric")])


def metric_radio() -> str:
    return S.widget("metric", horizontal=True, on_change=_on_metric)


def tau_slider() -> float:
    return float(S.widget("tau"))


# -- views ---------------------------------------------------------------------------------------------------------

@st.fragment
def _verdict(a: list[float], b: list[float], metric: str, reference: tuple[np.ndarray, np.ndarray] | None) -> None:
    """The threshold part of verification: moving tau reruns only this (the embeddings are already stored)."""
    tau = tau_slider()
    d = float(faces.distance_matrix(torch.tensor([a]), torch.tensor([b]), metric)[0, 0])
    same = d <= tau
    (st.success if same else st.warning)(f"d = **{d:.3f}** {'<=' if same else '>'} tau = {tau:.2f}: "
                                         f"**{'same person' if same else 'different people'}**")
    if reference is not None:
        dist, labels = reference
        show_chart(st, distance_histogram(dist[labels], dist[~labels], tau, metric=metric, marker=d, height=300),
                        key="faces_verify_hist", config={"displayModeBar": False})
    state.sync(S)


def verify_view() -> None:
    st.markdown("Is photo 2 the person of photo 1? Both faces are detected, aligned and embedded; the lab compares "
                "the embeddings with **d(img1, img2)** and says *same* when d <= tau.")
    if engine() is None:
        return
    metric = metric_radio()
    left, right = st.columns(2)
    with left:
        a = face_input("a", "Photo 1")
    with right:
        b = face_input("b", "Photo 2")
    if a is None or b is None:
        return
    try:
        reference = _reference(metric)
    except CvcoreError:
        reference = None
    _verdict(a.embedding, b.embedding, metric, reference)
    st.caption("The histogram shows the sample photos' same-person and different-person pairs; *Choosing tau* shows "
               "them for your gallery or a faces folder, with the error rates at every tau.")
    with lazy_expander("How it is computed", "faces.open_how") as is_open:
        if is_open:
            _how(a.embedding, b.embedding, a.matrix, metric)
    code_expander(lambda: _snippet(metric), filename="face_verification.py")
    check_expander("faces.open_check", lambda: _check(a.embedding, b.embedding, metric), tolerance=1e-6)


def _check(a: list[float], b: list[float], metric: str) -> tuple[str, tuple[int, ...], dict[str, float]]:
    """The lab's distance for this pair against PyTorch's own cosine similarity and pairwise distance (float32)."""
    ea, eb = torch.tensor([a]), torch.tensor([b])
    ours = faces.distance_matrix(ea, eb, metric)[0]  # [1]
    if metric == "cosine":
        function, reference = "1 - F.cosine_similarity", 1 - torch.nn.functional.cosine_similarity(ea, eb)
    else:
        function, reference = "torch.cdist", torch.cdist(ea, eb)[0]
    return function, tuple(reference.shape), {f"the lab's {metric} distance": float((ours - reference).abs().max())}


def _how(a: list[float], b: list[float], matrix: list[list[float]], metric: str) -> None:
    ea, eb = torch.tensor(a), torch.tensor(b)
    dot = float(ea @ eb)
    first = ", ".join(f"{x:.3f}" for x in a[:4])
    second = ", ".join(f"{x:.3f}" for x in b[:4])
    (m00, m01, m02), (m10, m11, m12) = matrix
    st.markdown(f"1. **Alignment** of photo 1: the similarity transform [[{m00:.3f}, {m01:.3f}, {m02:.1f}], [{m10:.3f}, "
                f"{m11:.3f}, {m12:.1f}]] (rotation and scale {float(np.hypot(m00, m10)):.3f}, then a shift) carries its "
                "five landmarks onto the template with the least squared error.\n"
                f"2. **Embeddings** f(img1) = ({first}, ...) and f(img2) = ({second}, ...): 128 numbers each, "
                f"scaled to length 1 (here {float(ea.norm()):.4f} and {float(eb.norm()):.4f}).\n"
                f"3. **Distance**: f(img1) . f(img2) = {dot:.4f}, so cosine d = 1 - {dot:.4f} = **{1 - dot:.4f}** and "
                f"Euclidean d = sqrt(2 - 2 x {dot:.4f}) = **{float(np.sqrt(max(0.0, 2 - 2 * dot))):.4f}**; "
                f"this page uses the {metric} one.")


def _snippet(metric: str) -> str:
    distance = ("1 - F.cosine_similarity(e[0], e[1], dim=0)" if metric == "cosine" else "(e[0] - e[1]).norm()")
    return f"""import torch.nn.functional as F
from PIL import Image

from cvcore import faces

detector = faces.load_mtcnn()          # P-Net, R-Net, O-Net
model = faces.load_mobilefacenet()     # reads $CVCORE_WEIGHTS_DIR, the hub cache, or downloads (sha256-checked)
photo1, photo2 = Image.open("photo1.jpg"), Image.open("photo2.jpg")
crops = [faces.crop_face(p, detector) for p in (photo1, photo2)]   # detect, then align to 112x112
print("landmarks of photo 1:", crops[0].face.landmarks)
e = faces.embed_crops(model, [c.crop for c in crops])               # [2, 128], each of length 1
d = float({distance})
tau = {float(S.get("tau")):.2f}
print(f"d = {{d:.4f}}:", "same person" if d <= tau else "different people")
"""


def _add(person: str, label: str, result: FaceAnalysis | None) -> None:
    if result is None or not person:
        return
    st.session_state.setdefault(_GALLERY, []).append(
        {"person": person, "label": label, "crop": result.crop, "embedding": result.embedding})


def _add_samples() -> None:
    s = _samples()
    for n, person, e, crop in zip(s["names"], s["people"], s["embeddings"].tolist(), s["crops"], strict=True):
        st.session_state.setdefault(_GALLERY, []).append({"person": person, "label": n, "crop": crop, "embedding": e})


def recognise_view() -> None:
    st.markdown("**One-shot learning:** one photo per person is enough to recognise them; a new person needs no "
                "retraining, just one more embedding in the gallery. The probe is compared with each person's first "
                "photo; if even the nearest is farther than tau, the answer is *not recognised*.")
    if engine() is None:
        return
    gallery = st.session_state.setdefault(_GALLERY, [])
    with st.expander("Add a person to the gallery", expanded=not gallery):
        name = st.text_input("Name", key="faces_g_name", max_chars=40)
        result = face_input("g", "Their photo", show=False)
        a, b, c = st.columns(3)
        a.button("Add to the gallery", disabled=result is None or not name.strip(), key="faces_add", on_click=_add,
                 args=(name.strip(), f"{name.strip()} #{sum(g['person'] == name.strip() for g in gallery) + 1}", result))
        b.button("Add the sample people", on_click=_add_samples, key="faces_add_samples")
        c.button("Empty the gallery", on_click=lambda: st.session_state.pop(_GALLERY, None), key="faces_clear")
    if not gallery:
        st.info("The gallery is empty: add a person, or click *Add the sample people*.")
        return
    firsts = {}
    for g in gallery:
        firsts.setdefault(g["person"], g)
    st.image([g["crop"] for g in firsts.values()], caption=list(firsts), width=96)
    metric = metric_radio()
    probe = face_input("p", "Probe photo")
    if probe is None:
        return
    tau = tau_slider()
    r = faces.recognise(torch.tensor(probe.embedding), torch.tensor([g["embedding"] for g in firsts.values()]),
                        list(firsts), tau, metric=metric)
    if r.name is None:
        st.warning(f"**Not recognised**: the nearest, {r.ranked[0][0]}, is at d = {r.ranked[0][1]:.3f} > tau = {tau:.2f}.")
    else:
        st.success(f"**{r.name}** (d = {r.ranked[0][1]:.3f} <= tau = {tau:.2f})")
    st.dataframe(pd.DataFrame([{"rank": n + 1, "person": p, f"{metric} distance": round(d, 4), "within tau": d <= tau}
                               for n, (p, d) in enumerate(r.ranked)]), hide_index=True)
