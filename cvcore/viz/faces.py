"""Figures of the face lab: the faces found in a photo, distance distributions with the threshold, the ROC
curve, FAR/FRR against tau, and the embedding space in 2-D."""

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from cvcore.viz.axes import LEGEND_ROOM, legend_above

__all__ = ["annotate_faces", "distance_histogram", "roc_figure", "rates_figure", "embedding_figure"]

_NO_TEMPLATE = {"layout": {}}
_SAME, _DIFF, _TAU = "#0072B2", "#E69F00", "#D55E00"


def annotate_faces(image: Image.Image, faces, chosen: int = 0) -> np.ndarray:
    """The photo (uint8 [H, W, 3]) with every face's box (the chosen one thick and green) and its five landmarks."""
    picture = image.convert("RGB").copy()
    draw = ImageDraw.Draw(picture)
    line = max(2, round(max(picture.size) / 250))
    for n, face in enumerate(faces):
        color = (26, 152, 80) if n == chosen else (69, 117, 180)
        draw.rectangle(face.box, outline=color, width=line * (2 if n == chosen else 1))
        draw.text((face.box[0] + 3, face.box[1] + 2), str(n + 1), fill=color)
        r = line * 1.5
        for x, y in face.landmarks:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 215, 0), outline=(0, 0, 0))
    return np.asarray(picture, dtype=np.uint8)


def _layout(title: str, x: str, y: str, height: int = 320, **extra) -> dict:
    return {"template": _NO_TEMPLATE, "title": {"text": title}, "height": height,
            "margin": {"l": 50, "r": 10, "t": LEGEND_ROOM, "b": 45}, "xaxis": {"title": {"text": x}},
            "yaxis": {"title": {"text": y}}, "legend": legend_above(), **extra}


def distance_histogram(same: np.ndarray, different: np.ndarray, tau: float, *, metric: str,
                       marker: float | None = None, height: int = 320) -> go.Figure:
    """Histograms of same-person and different-person distances, the threshold, and optionally one pair's distance."""
    hi = float(max(np.max(same, initial=0), np.max(different, initial=0), tau, marker or 0)) * 1.05 + 1e-6
    bins = {"start": 0.0, "end": hi, "size": hi / 40}
    shapes = [{"type": "line", "x0": tau, "x1": tau, "y0": 0, "y1": 1, "yref": "paper", "line": {"color": _TAU, "width": 3}}]
    notes = [{"x": tau, "y": 1, "yref": "paper", "text": f"tau = {tau:.2f}", "showarrow": False, "yanchor": "bottom"}]
    if marker is not None:
        shapes.append({"type": "line", "x0": marker, "x1": marker, "y0": 0, "y1": 1, "yref": "paper",
                       "line": {"color": "black", "width": 2, "dash": "dash"}})
        notes.append({"x": marker, "y": 0.9, "yref": "paper", "text": "this pair", "showarrow": True})
    return go.Figure(
        data=[go.Histogram(x=same, xbins=bins, name=f"same person ({len(same)} pairs)", marker={"color": _SAME}, opacity=0.7,
                           histnorm="probability"),
              go.Histogram(x=different, xbins=bins, name=f"different people ({len(different)} pairs)",
                           marker={"color": _DIFF}, opacity=0.7, histnorm="probability")],
        layout=_layout("Distances of labelled pairs: same person left of tau is accepted", f"{metric} distance d",
                       "fraction of pairs", height, barmode="overlay", shapes=shapes, annotations=notes),
    )


def roc_figure(far: np.ndarray, tar: np.ndarray, auc: float, point: tuple[float, float], height: int = 320) -> go.Figure:
    """The ROC curve (true-accept rate against false-accept rate) with the operating point at tau."""
    return go.Figure(
        data=[go.Scatter(x=far, y=tar, mode="lines", name=f"ROC (AUC {auc:.3f})", line={"color": _SAME}),
              go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"color": "#999999", "dash": "dot"}),
              go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name="at tau", marker={"color": _TAU, "size": 12})],
        layout=_layout("ROC: every threshold at once", "false-accept rate (FAR)", "true-accept rate (1 - FRR)", height),
    )


def rates_figure(taus: np.ndarray, far: np.ndarray, frr: np.ndarray, tau: float, eer_tau: float, *, metric: str,
                 height: int = 320) -> go.Figure:
    """FAR and FRR against tau, with the threshold and the equal-error point."""
    shapes = [{"type": "line", "x0": tau, "x1": tau, "y0": 0, "y1": 1, "yref": "paper", "line": {"color": _TAU, "width": 3}},
              {"type": "line", "x0": eer_tau, "x1": eer_tau, "y0": 0, "y1": 1, "yref": "paper",
               "line": {"color": "#666666", "dash": "dot"}}]
    return go.Figure(
        data=[go.Scatter(x=taus, y=far, mode="lines", name="FAR: different people accepted", line={"color": _DIFF, "shape": "hv"}),
              go.Scatter(x=taus, y=frr, mode="lines", name="FRR: same person rejected", line={"color": _SAME, "shape": "hv"})],
        layout=_layout("FAR and FRR against tau (dotted: equal-error rate)", f"threshold tau ({metric} distance)", "rate",
                       height, shapes=shapes),
    )


def embedding_figure(points: np.ndarray, people: list[str], labels: list[str], ratio, height: int = 420) -> go.Figure:
    """A 2-D projection of embeddings, one colour per person."""
    data = []
    for person in dict.fromkeys(people):
        idx = [i for i, p in enumerate(people) if p == person]
        data.append(go.Scatter(x=points[idx, 0], y=points[idx, 1], mode="markers", name=person, text=[labels[i] for i in idx],
                               marker={"size": 10}, hovertemplate="%{text}<extra></extra>"))
    return go.Figure(data=data, layout=_layout("The embedding space (PCA of the 128-d embeddings)",
                                               f"first principal axis ({100 * float(ratio[0]):.0f}% of the variance)",
                                               f"second axis ({100 * float(ratio[1]):.0f}%)", height))
