"""The Inside-a-trained-CNN lab's closing sections: how it is computed, the PyTorch code, and the check."""

import pandas as pd
import streamlit as st
import torch

from cvcore import attribution
from cvcore.errors import CvcoreError
from cvcore.inside import features
from cvcore.teach import model_snippets
from labs import trained_models
from labs.inside_cnn.heatmaps import Choice
from labs.inside_cnn.settings import InsideSettings as S
from labs.inside_cnn.subject import Subject, current_layer
from ui import glossary
from ui.code import code_expander
from ui.lazy import lazy_expander

__all__ = ["computation", "feature_code", "heatmap_code", "feature_check", "heatmap_check"]

_TOLERANCE = 1e-4


def computation(s: Subject, choice: Choice | None) -> None:
    """Grad-CAM's numbers for the current image, class and layer: the weights, and the map they make (nothing while
    no method is chosen)."""
    if choice is None:
        return
    with lazy_expander("How Grad-CAM is computed", "inside.open_how") as is_open:
        if not is_open:
            return
        try:
            g = attribution.layer_gradients(s.model, s.x, choice.target, choice.layer)
        except CvcoreError as exc:
            st.error(f"Cannot compute Grad-CAM here: {exc}")
            return
        c, h, w = g.activation.shape
        glossary.markdown(
            f"Layer **{choice.layer}** gives **{c}** feature maps A^k of **{h}x{w}**. One backward pass gives the gradient "
            f"of the class score y^c (class {choice.target}, logit {float(g.logits[choice.target]):.3f}) with respect to "
            "every map. Each map's weight is its average gradient, and the heatmap is the positive part of the weighted sum:")
        st.latex(r"\alpha_k^c = \frac{1}{%d}\sum_{i,j}\frac{\partial y^c}{\partial A^k_{ij}}, \qquad "
                 r"L^c = \mathrm{ReLU}\Big(\sum_{k=1}^{%d} \alpha_k^c A^k\Big)" % (h * w, c))
        alpha = g.gradient.mean(dim=(1, 2))
        contribution = alpha * g.activation.mean(dim=(1, 2))
        top = torch.argsort(contribution.abs(), descending=True)[:8]
        st.dataframe(pd.DataFrame([{"map k": int(i), "weight alpha_k": f"{float(alpha[i]):+.5f}",
                                    "mean of A^k": f"{float(g.activation[i].mean()):.4f}",
                                    "alpha_k x mean": f"{float(contribution[i]):+.5f}"} for i in top]), hide_index=True)
        raw = torch.relu((alpha[:, None, None] * g.activation).sum(0))
        st.markdown(f"The {h}x{w} map L^c ranges from {float(raw.min()):.4f} to {float(raw.max()):.4f}; it is enlarged "
                    f"bilinearly to {g.input_size[0]}x{g.input_size[1]} and scaled to [0, 1] for the overlay. The eight "
                    "maps above contribute most to the class score on average.")


def _head(s: Subject) -> tuple[dict | None, list[str] | None]:
    """The record of a network trained in this session (None for any other) and the lines that load the model in the
    snippets (None: the snippet's own, for a zoo network)."""
    trained = trained_models.record() if s.entry.name == trained_models.NAME else None
    head = trained_models.snippet_head(trained) if trained else None
    if s.entry.name == trained_models.EXPORTED:
        head = trained_models.exported_head(s.sample)
    if s.entry.name == trained_models.SHIPPED:
        head = trained_models.shipped_head()
    return trained, head


def _weights_download(trained: dict | None) -> None:
    if trained:
        st.download_button("Download your network's weights (my_cnn.pt)", trained_models.weights_file(trained),
                           file_name="my_cnn.pt", mime="application/octet-stream", key="inside_dl_weights",
                           help="A PyTorch state_dict, for the code above.")


def feature_code(s: Subject, choice: Choice | None = None) -> None:
    """The PyTorch code that reads the feature-map layer's channel (the views without a heatmap choice)."""
    trained, head = _head(s)
    code_expander(lambda: model_snippets.feature_snippet(s.entry.name, s.sample, current_layer(s), S.get("channel"),
                                                         head=head), filename="feature_maps.py")
    _weights_download(trained)


def heatmap_code(s: Subject, choice: Choice | None) -> None:
    """The PyTorch code of the chosen heatmaps; the feature maps' code while no method is chosen."""
    if choice is None:
        feature_code(s)
        return
    trained, head = _head(s)
    code_expander(lambda: model_snippets.heatmap_snippet(
        s.entry.name, s.sample, choice.target, choice.layer, choice.methods, output=features.output_node(s.model),
        class_name=s.entry.categories[choice.target], steps=S.get("ig_steps"), window=S.get("window"),
        head=head), filename="heatmaps.py")
    _weights_download(trained)


def feature_check(s: Subject, choice: Choice | None = None) -> None:
    """The feature extractor's maps of the feature-map layer against a forward hook's."""
    def compare():
        layer = current_layer(s)
        ours = features.extract(s.model, s.x, [layer])[layer]
        return ours, features.hooked_activation(s.model, s.x, layer), f"a forward hook on {layer} (on a copy of the model)"

    _check("Check against PyTorch", compare)


def heatmap_check(s: Subject, choice: Choice | None) -> None:
    """The lab's Grad-CAM against Captum's LayerGradCam; the feature maps' check while no method is chosen."""
    if choice is None:
        feature_check(s)
        return

    def compare():
        ours = attribution.grad_cam(s.model, s.x, choice.target, choice.layer)
        theirs = attribution.captum_grad_cam(s.model, s.x, choice.target, choice.layer)
        return ours, theirs, (f"`captum.attr.{attribution.METHODS['grad_cam'].captum}` on {choice.layer} "
                              "(ReLU, bilinear upsampling, scaled to [0, 1])")

    _check("Check against Captum", compare)


def _check(title: str, compare) -> None:
    """``compare()`` gives the lab's result, the reference's and what the reference is; computed only while open."""
    with lazy_expander(title, "inside.open_check") as is_open:
        if not is_open:
            return
        try:
            ours, theirs, what = compare()
        except CvcoreError as exc:
            st.error(f"No check for this setting: {exc}")
            return
        diff = float((ours.float() - theirs.float()).abs().max())
        st.markdown(f"{what} gives shape {tuple(theirs.shape)}; the largest difference from the lab's result is **{diff:.2e}**.")
        (st.success if diff <= _TOLERANCE else st.error)("Match" if diff <= _TOLERANCE else "Mismatch")
