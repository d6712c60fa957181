import streamlit as st

from labs.faces import labelled_sets as views
from labs.faces import verification as lab
from labs.faces.settings import FacesSettings
from ui.page import part, start_lab

start_lab(
    FacesSettings,
    "Face verification and recognition",
    "A network maps every face to 128 numbers, its **embedding**, so that photos of one person land close together. "
    "**Verification** (1:1) asks whether d(img1, img2) <= tau; **recognition** (1:K) finds the nearest of a gallery "
    "with one photo per person (**one-shot learning**). Faces are found by MTCNN (box and five landmarks), aligned to "
    "a 112x112 template, and embedded by MobileFaceNet.",
)


@part(FacesSettings)
def body() -> None:
    st.caption(lab.PRIVACY + " Start with the samples: Eileen Collins seen four ways, the cameraman, two faces in one "
               "photo, and a photo with no face.")
    view = FacesSettings.widget("view", horizontal=True)
    {"verify": lab.verify_view, "recognise": lab.recognise_view, "threshold": views.threshold_view,
     "triplet": views.triplet_view, "space": views.space_view, "siamese": views.siamese_view}[view]()


body()
