"""The Face verification lab's settings, each declared once (see ``ui.settings``)."""

from cvcore import faces
from ui.settings import LabSettings, Setting

__all__ = ["VIEWS", "SOURCES", "FacesSettings"]

VIEWS = {"verify": "Verification (1:1)", "recognise": "Recognition (1:K)", "threshold": "Choosing tau",
         "triplet": "Triplet loss", "space": "Embedding space", "siamese": "Siamese head"}
SOURCES = {"samples": "the sample photos (stored embeddings)", "gallery": "your gallery", "folder": "the faces folder"}


class FacesSettings(LabSettings, ns="faces"):
    view: str = Setting("verify", "Part", choices=VIEWS, labels=VIEWS, widget="radio")
    metric: str = Setting("cosine", "Distance d", choices=faces.METRICS, widget="radio",
                          help="cosine: 1 - cos(angle) between the unit embeddings; euclidean: their straight-line "
                               "distance.")
    tau: float = Setting(0.6, "Threshold tau: same person when d <= tau", bounds=(0.0, 2.0), step=0.01,
                         widget="slider")
    margin: float = Setting(0.2, "Margin alpha", bounds=(0.0, 2.0), step=0.05, widget="slider")
    source: str = Setting("samples", "Labelled set", choices=SOURCES, labels=SOURCES, widget="radio")
    a_sample: str = Setting("astronaut", "Sample photo")
    b_sample: str = Setting("astronaut_dark", "Sample photo")
    p_sample: str = Setting("astronaut_turned", "Sample photo")
    g_sample: str = Setting("cameraman", "Sample photo")
