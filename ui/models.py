"""Every model the labs load, cached once per server and shared by every session (loaded once, never mutated).

``cached_model`` and ``get_model`` give the ImageNet classifiers of ``cvcore.zoo.registry()``; ``cached_network``
gives the other networks of ``cvcore.zoo.networks()`` (MTCNN, MobileFaceNet, the tiny YOLO, the segmentation
network, the COCO detectors). A missing file raises ``WeightsUnavailable``, which is never cached; a lab shows it
with ``weights_notice``, which says in a learner's words what is missing, what still works, and how a teacher gets it.
"""

import streamlit as st
import torch

from cvcore import attribution, weights, zoo

__all__ = ["cached_model", "get_model", "cached_network", "network_label", "randomized_copy", "weights_notice"]


@st.cache_resource(show_spinner="Loading pretrained weights ...")
def cached_model(name: str) -> torch.nn.Module:
    """A registered model in eval mode; raises ``WeightsUnavailable`` (never cached) if absent."""
    return zoo.load_model(name)


def get_model(name: str) -> torch.nn.Module:
    """Like ``cached_model``, but a missing file is downloaded first with a progress bar (when online)."""
    spec = zoo.weights_spec(name)
    location, _ = zoo.find_local_weights(spec)
    if location is None and not zoo.is_offline() and not weights.recent_failure(spec):  # else cached_model says why
        bar = st.progress(0.0, text=f"Downloading {spec.filename} ({spec.size_mb:.0f} MB) ...")

        def report(done: int, total: int | None) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0, text=f"Downloading {spec.filename}: {done / 1e6:.1f} MB")

        try:
            zoo.resolve_weights(spec, progress=report)
        finally:
            bar.empty()
    return cached_model(name)


def network_label(name: str) -> str:
    return zoo.networks()[name].label


@st.cache_resource(show_spinner="Loading a network ...", max_entries=8)
def cached_network(name: str) -> torch.nn.Module:
    """A network of ``cvcore.zoo.networks()`` (``"mtcnn"``, ``"tiny_yolo"``, ...), in eval mode."""
    return zoo.load_network(name)


@st.cache_resource(show_spinner="Randomizing a copy of the network ...", max_entries=2)
def randomized_copy(name: str, layers: int, _model: torch.nn.Module) -> torch.nn.Module:
    """A copy of model ``name`` with its top ``layers`` weight layers re-initialised (the shared one is untouched),
    for the sanity check of the heatmaps."""
    return attribution.randomized_top(_model, layers)


@st.cache_resource(show_spinner="Timing this computer once, to tell how long training takes ...")
def transfer_step_cost():
    """What each part of the Transfer lab's jobs costs on this server (``cvcore.networks.transfer.StepCost``), timed
    once on the device the engine uses; the server's warm-up (``ui/warmup.py``) times it in the
    background, so the lab opens without the pause."""
    from cvcore.networks import transfer

    return transfer.measure_cost()


def weights_notice(what: str, exc: Exception, *, instead: str = "") -> None:
    """A yellow box for a network whose weights are not on this server: ``what`` (e.g. "MobileNetV2's ImageNet
    weights") is missing, ``instead`` says what the lab does without it, and the error's text how a teacher gets it."""
    text = f"**{what} {'are' if 'weights' in what else 'is'} not available on this server.**"
    if instead:
        text += f" {instead}"
    st.warning(f"{text}\n\n{exc}", icon=":material/cloud_off:")
