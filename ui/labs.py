"""The map of CNN Lab: every lab in course order, with its one-line goal."""

from dataclasses import dataclass

import streamlit as st

__all__ = ["Lab", "LABS", "PAGE_CONFIG", "navigation_pages", "glossary_page", "lab_page"]

PAGE_CONFIG = {"page_title": "CNN Lab", "page_icon": ":material/grid_on:", "layout": "wide"}


@dataclass(frozen=True)
class Lab:
    section: str
    title: str
    goal: str
    page: "str | None"  # file under pages/, or None while the lab is being written
    icon: str = ""


LABS = (
    Lab("Convolutions", "Convolution", "Slide a filter over an image step by step: padding, stride, dilation, edges.",
        "pages/convolution.py", ":material/grid_on:"),
    Lab("Convolutions", "Pooling", "Shrink a feature map with max and average pooling; no parameters to learn.",
        "pages/pooling.py", ":material/filter_center_focus:"),
    Lab("Convolutions", "Convolution over volumes", "RGB inputs, filters with depth, bias and ReLU, several filters.",
        "pages/volumes.py", ":material/layers:"),
    Lab("Convolutions", "1x1, depthwise and separable", "Channel mixing, one filter per channel, groups, and what each costs.",
        "pages/separable.py", ":material/call_split:"),
    Lab("Convolutions", "Transposed convolution", "Grow a map: zeros inserted between cells, or kernels stamped and added.",
        "pages/transposed.py", ":material/open_in_full:"),
    Lab("Convolutions", "Dilated, 1-D and 3-D", "Kernels with holes, signals, and volumes with depth.",
        "pages/dimensions.py", ":material/view_in_ar:"),
    Lab("Convolutions", "Learning a filter", "Gradient descent finds the nine numbers of an edge detector by itself.",
        "pages/learn_filter.py", ":material/model_training:"),
    Lab("Networks", "Architectures", "LeNet-5, AlexNet, VGG, ResNet, Inception: shapes, parameters, costs.",
        "pages/architectures.py", ":material/account_tree:"),
    Lab("Networks", "Build your own CNN", "Stack layers, see the shapes, and train it on handwritten digits in the page.",
        "pages/build_cnn.py", ":material/construction:"),
    Lab("Networks", "Inside a trained CNN", "Feature maps, filters and class-activation heatmaps of a real network.",
        "pages/inside_cnn.py", ":material/visibility:"),
    Lab("Applications", "Localization and detection", "Sliding windows, IoU, non-max suppression, YOLO grids and anchors.",
        "pages/detection.py", ":material/center_focus_strong:"),
    Lab("Applications", "Segmentation", "A label for every pixel with an encoder and a transposed-convolution decoder.",
        "pages/segmentation.py", ":material/texture:"),
    Lab("Applications", "Transfer learning", "Reuse a pretrained network for your own classes: what to freeze.",
        "pages/transfer.py", ":material/school:"),
    Lab("Applications", "Neural style transfer", "Content and style costs, Gram matrices, an image that evolves.",
        "pages/style_transfer.py", ":material/brush:"),
    Lab("Applications", "Face verification", "Siamese embeddings, triplet loss, and choosing the threshold.",
        "pages/faces.py", ":material/face:"),
)


def glossary_page() -> st.Page:
    return st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:")


def lab_page(title: str) -> "str | None":
    """The page file of the lab titled ``title``, or None while it is being written (or no lab has that title)."""
    return next((lab.page for lab in LABS if lab.title == title), None)


def navigation_pages() -> "dict[str, list[st.Page]]":
    """The pages for ``st.navigation``: the home page and the glossary, then the finished labs by section."""
    sections: "dict[str, list[st.Page]]" = {"": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
                                                 glossary_page()]}
    for lab in LABS:
        if lab.page is not None:
            sections.setdefault(lab.section, []).append(st.Page(lab.page, title=lab.title, icon=lab.icon or None))
    return sections
