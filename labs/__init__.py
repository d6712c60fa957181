"""The map of CNN Lab: every lab in course order, with its one-line goal.

Each lab is a folder ``labs/<slug>/`` holding its page (``page.py``), its settings (``settings.py``) and its
own controls and views; the slug is also the lab's address (``/convolution``). What two labs share sits beside the
folders: ``trained_models`` (the networks that travel from Build and Transfer into Inside) and ``digit_canvas`` (a
digit drawn for a digits network, read as it is drawn).
"""

import importlib
from dataclasses import dataclass

import streamlit as st

from ui.settings import LabSettings

__all__ = ["Lab", "LABS", "PAGE_CONFIG", "navigation_pages", "glossary_page", "lab_page", "page_file", "lab_settings"]

PAGE_CONFIG = {"page_title": "CNN Lab", "page_icon": ":material/grid_on:", "layout": "wide"}


@dataclass(frozen=True)
class Lab:
    section: str
    title: str
    goal: str
    slug: str  # the lab's folder under labs/ and its URL path
    icon: str = ""

    @property
    def page(self) -> str:
        """The page file, relative to ``app.py``."""
        return page_file(self.slug)


LABS = (
    Lab("Convolutions", "Convolution", "Slide a filter over an image step by step: padding, stride, dilation, edges.",
        "convolution", ":material/grid_on:"),
    Lab("Convolutions", "Pooling", "Shrink a feature map with max and average pooling; no parameters to learn.",
        "pooling", ":material/filter_center_focus:"),
    Lab("Convolutions", "Convolution over volumes", "RGB inputs, filters with depth, bias and ReLU, several filters.",
        "volumes", ":material/layers:"),
    Lab("Convolutions", "1x1, depthwise and separable", "Channel mixing, one filter per channel, groups, and what each costs.",
        "separable", ":material/call_split:"),
    Lab("Convolutions", "Transposed convolution", "Grow a map: zeros inserted between cells, or kernels stamped and added.",
        "transposed", ":material/open_in_full:"),
    Lab("Convolutions", "Dilated, 1-D and 3-D", "Kernels with holes, signals, and volumes with depth.",
        "dimensions", ":material/view_in_ar:"),
    Lab("Convolutions", "Learning a filter", "Gradient descent finds the nine numbers of an edge detector by itself.",
        "learn_filter", ":material/model_training:"),
    Lab("Networks", "Architectures", "LeNet-5, AlexNet, VGG, ResNet, Inception: shapes, parameters, costs.",
        "architectures", ":material/account_tree:"),
    Lab("Networks", "Build your own CNN", "Stack layers, see the shapes, and train it on handwritten digits in the page.",
        "build_cnn", ":material/construction:"),
    Lab("Networks", "Inside a trained CNN", "Feature maps, filters and class-activation heatmaps of a real network.",
        "inside_cnn", ":material/visibility:"),
    Lab("Applications", "Localization and detection", "Sliding windows, IoU, non-max suppression, YOLO grids and anchors.",
        "detection", ":material/center_focus_strong:"),
    Lab("Applications", "Segmentation", "A label for every pixel with an encoder and a transposed-convolution decoder.",
        "segmentation", ":material/texture:"),
    Lab("Applications", "Transfer learning", "Reuse a pretrained network for your own classes: what to freeze.",
        "transfer", ":material/school:"),
    Lab("Applications", "Neural style transfer", "Content and style costs, Gram matrices, an image that evolves.",
        "style_transfer", ":material/brush:"),
    Lab("Applications", "Face verification", "Siamese embeddings, triplet loss, and choosing the threshold.",
        "faces", ":material/face:"),
)


def page_file(slug: str) -> str:
    return f"labs/{slug}/page.py"


def lab_settings(slug: str) -> type[LabSettings]:
    """The settings class that ``labs/<slug>/settings.py`` declares (exactly one ``LabSettings`` subclass)."""
    module = importlib.import_module(f"labs.{slug}.settings")
    found = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, LabSettings) and value.__module__ == module.__name__]
    if len(found) != 1:
        raise LookupError(f"labs/{slug}/settings.py must declare one LabSettings subclass, found {len(found)}")
    return found[0]


def glossary_page() -> st.Page:
    return st.Page(page_file("glossary"), title="Glossary", icon=":material/menu_book:", url_path="glossary")


def lab_page(title: str) -> str | None:
    """The page file of the lab titled ``title``, or None if no lab has that title."""
    return next((lab.page for lab in LABS if lab.title == title), None)


def navigation_pages() -> dict[str, list[st.Page]]:
    """The pages for ``st.navigation``: the home page and the glossary, then the labs by section. Every page file
    is called ``page.py``, so each gets its URL path from its folder."""
    home = st.Page(page_file("home"), title="Home", icon=":material/home:", default=True)
    sections: dict[str, list[st.Page]] = {"": [home, glossary_page()]}
    for lab in LABS:
        sections.setdefault(lab.section, []).append(
            st.Page(lab.page, title=lab.title, icon=lab.icon or None, url_path=lab.slug))
    return sections
