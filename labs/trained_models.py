"""The networks that travel between labs: the digits CNN trained in "Build your own CNN", reopened in "Inside a
trained CNN" (with the one the app ships, until the learner trains one), and the names and code heads by which Inside
tells them and a network exported by "Transfer learning" apart.

What is computed lives in ``cvcore.networks.trained``; here is what a page adds. The trained network is kept in the
learner's own session as a ``TrainedRecord`` (under a megabyte for the course's network); nothing is shared with other
sessions except a model built from identical bytes, cached by their digest. How Inside takes a digit for these
networks, and the exported network's two files, is Inside's own (``labs.inside_cnn.sources``).
"""

import streamlit as st
import torch

from cvcore import zoo
from cvcore.networks import builder, trained
from cvcore.networks.trained import EXPORTED, INPUT, NAME, SHIPPED, exported_head, shipped_head, snippet_head
from ui.models import cached_network

__all__ = ["NAME", "EXPORTED", "SHIPPED", "INPUT", "remember", "record", "entry_and_model", "shipped",
           "shipped_accuracy", "weights_file", "snippet_head", "shipped_head", "exported_head"]

_KEY = "build._trained"


def remember(specs: list[builder.LayerSpec], model: torch.nn.Module, val_acc: float) -> None:
    """Keep a freshly trained network for the other labs (replacing the previous one)."""
    st.session_state[_KEY] = trained.record_of(specs, model, val_acc)


def record() -> trained.TrainedRecord | None:
    return st.session_state.get(_KEY)


@st.cache_resource(show_spinner=False, max_entries=8)
def _build(digest: str, layers: str, _weights: bytes) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    return trained.rebuild(layers, _weights)


def entry_and_model(saved: trained.TrainedRecord) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The registry-like entry and the rebuilt network (shared by every session that trained the same bytes)."""
    return _build(saved["digest"], saved["layers"], saved["weights"])


def weights_file(saved: trained.TrainedRecord) -> bytes:
    return saved["weights"]


@st.cache_resource(show_spinner=False)
def _shipped() -> tuple[zoo.ModelEntry, torch.nn.Module]:
    model = cached_network(SHIPPED)
    return trained.shipped_entry(model), model


def shipped() -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The digits network the app ships (trained by ``scripts/train_digits.py``), with a registry-like entry.

    Raises:
        WeightsUnavailable: ``assets/digits_cnn.pt`` is missing or not the file this version ships.
    """
    return _shipped()


@st.cache_data(show_spinner=False)
def shipped_accuracy() -> float:
    """The shipped network's accuracy on the validation digits, as its training script measured it."""
    from cvcore.networks import digits_cnn

    return float(digits_cnn.saved_info()["val_acc"])
