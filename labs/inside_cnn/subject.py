"""The Inside-a-trained-CNN lab: the model picker, the image, and cached engine calls.

Every cached call is keyed by what it reads: a ``Network`` by its name, a ``Subject`` by the model's name and a
digest of the image (``HASH_FUNCS``, given to each cache), so reruns that only change a view setting reuse the
network's work. The shared model is only read.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch
from PIL import Image

from cvcore import attribution, images, zoo
from cvcore.errors import CvcoreError
from cvcore.inside import features, units
from cvcore.viz.maps import top5_figure
from labs import trained_models
from labs.inside_cnn import sources
from labs.inside_cnn.settings import LIVE
from labs.inside_cnn.settings import InsideSettings as S
from ui.figures import show_chart
from ui.image_input import image_input, selected_sample
from ui.models import get_model, weights_notice

__all__ = ["Network", "Subject", "HASH_FUNCS", "choose", "predictions", "prediction", "layers", "model_layers",
           "default_layer", "current_layer", "conv_options", "layer_picker", "activation", "heatmaps", "probe_set",
           "top_patches"]

_ENTRIES = zoo.registry()


@dataclass(frozen=True)
class Network:
    """The chosen model. ``name`` identifies it in cache keys (for a network trained in the app it includes a digest
    of its weights)."""

    name: str
    entry: zoo.ModelEntry
    model: torch.nn.Module


@dataclass(frozen=True)
class Subject:
    """The model and the image every still view works on."""

    network: Network
    image: Image.Image
    digest: str  # identifies the image in cache keys
    x: torch.Tensor  # [1, 3, crop, crop], normalised
    picture: np.ndarray  # the same crop as uint8 [crop, crop, 3], for overlays
    sample: str | None

    @property
    def name(self) -> str:
        return self.network.name

    @property
    def entry(self) -> zoo.ModelEntry:
        return self.network.entry

    @property
    def model(self) -> torch.nn.Module:
        return self.network.model


# How the lab's caches hash what they are given: by the names and digests above, never the tensors (exact types:
# a Subject is not hashed as a Network).
HASH_FUNCS = {Network: lambda n: n.name, Subject: lambda s: (s.network.name, s.digest)}


def _status_label(name: str, statuses: dict[str, zoo.ModelStatus]) -> str:
    status = statuses[name]
    return status.entry.label if status.ready else f"{status.entry.label} (not here: {status.detail.split(';')[0]})"


def _trained_choice() -> tuple[str, zoo.ModelEntry, torch.nn.Module] | None:
    trained = trained_models.record()
    if trained is None:
        st.info("Train a network in the **Build your own CNN** lab first: it then appears here, with the digits "
                "it has never seen, until the end of your session.")
        return None
    try:
        entry, model = trained_models.entry_and_model(trained)
    except CvcoreError as exc:
        st.error(f"Your trained network could not be rebuilt: {exc}")
        return None
    st.caption(f"Validation accuracy after training: {trained['val_acc']:.1%}")
    return f"{trained_models.NAME}@{trained['digest']}", entry, model


def _shipped_choice() -> tuple[str, zoo.ModelEntry, torch.nn.Module] | None:
    try:
        entry, model = trained_models.shipped()
    except CvcoreError as exc:
        weights_notice("The shipped digits network", exc, instead="Train one in **Build your own CNN** instead.")
        return None
    st.caption("The course's network trained on the bundled digits by `scripts/train_digits.py`: validation "
               "accuracy " + f"{trained_models.shipped_accuracy():.1%}.")
    return trained_models.SHIPPED, entry, model


def _model_choice() -> tuple[str, zoo.ModelEntry, torch.nn.Module] | None:
    statuses = {s.entry.name: s for s in zoo.available()}
    trained = trained_models.record()

    def label(n: str) -> str:
        if n == trained_models.NAME:
            return "Your CNN from Build your own CNN (digits)" + ("" if trained else ": not trained yet")
        if n == trained_models.EXPORTED:
            return "A network exported from Transfer learning (upload its two files)"
        if n == trained_models.SHIPPED:
            return "Digits CNN shipped with the app (draw a digit for it)"
        return _status_label(n, statuses)

    name = S.widget("model", format_func=label)
    if name == trained_models.NAME:
        return _trained_choice()
    if name == trained_models.EXPORTED:
        return sources.exported_choice()
    if name == trained_models.SHIPPED:
        return _shipped_choice()
    status = statuses[name]
    try:  # offline, or after a failed download, this raises at once: no download is tried
        return name, _ENTRIES[name], get_model(name)
    except CvcoreError as exc:
        weights_notice(f"{status.entry.label.split(' (')[0]}'s ImageNet weights", exc, instead=_go_on(statuses, name))
        return None


def _go_on(statuses: dict[str, zoo.ModelStatus], name: str) -> str:
    """What a learner can pick instead of the unavailable model ``name``."""
    here = [s.entry.label for n, s in statuses.items() if s.ready and n != name]
    if here:
        return f"Pick {here[0]} above to go on."
    return ("No pretrained network is on this server: train one in **Build your own CNN**, then pick "
            "\"Your CNN\" above.")


def _digest(image: Image.Image) -> str:
    return hashlib.sha1(image.tobytes() + repr((image.mode, image.size)).encode()).hexdigest()[:16]


def _crop(image: Image.Image, entry: zoo.ModelEntry) -> np.ndarray:
    return np.asarray(features.crop(image, entry).convert("RGB"))


def choose() -> Subject | Network | None:
    """Model picker and image input side by side: the subject; the network alone while the image source is the live
    camera (whose video is a view of its own); None (after a message) if the model or the image is missing."""
    left, right = st.columns([1, 1.4], gap="medium")
    with left:
        chosen = _model_choice()
    if chosen is None:
        return None
    network = Network(*chosen)
    entry = network.entry
    with right:
        if entry.channels == 1:
            image = sources.digit_input(S.key("digit"), watch=chosen)
        else:
            image = image_input(S.key("pic"), default_sample=S.field("pic_sample").default, extra_sources=(LIVE,))
    if image is None:
        return network if entry.channels == 3 and S.get("pic_source") == LIVE else None
    if entry.channels == 3 and min(image.size) < 32:
        st.info(f"This image is only {image.size[0]}x{image.size[1]} pixels; it is enlarged to {entry.crop}x{entry.crop} "
                "for the network, so expect blurry maps.")
    device = next(network.model.parameters()).device
    sample = selected_sample(S.key("pic")) if entry.channels == 3 else None
    return Subject(network, image, _digest(image), features.preprocess(image, entry).to(device), _crop(image, entry),
                   sample)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def predictions(s: Subject) -> list[features.Prediction]:
    """The network's top-5 for the image."""
    return features.predict(s.model, s.x, s.entry.categories)


def prediction(s: Subject) -> list[features.Prediction]:
    """The top-5 bar chart beside the crop the network sees."""
    top = predictions(s)
    left, right = st.columns([1, 2.2], gap="medium")
    what = "centre crop" if s.entry.channels == 3 else "grayscale"
    who = s.entry.label.split(" (")[0] if s.entry.weights is not None else "your CNN"
    left.image(s.picture, caption=f"What {who} sees: {s.entry.crop}x{s.entry.crop} {what}", width="stretch")
    show_chart(right, top5_figure(top), config={"displayModeBar": False}, key="inside_top5")
    right.caption("Top-5: " + ", ".join(f"{p.label} {p.probability:.1%}" for p in top))
    return top


@st.cache_resource(show_spinner="Reading the network's layers ...", max_entries=16, hash_funcs=HASH_FUNCS)
def model_layers(net: Network) -> list[features.LayerInfo]:
    """The model's layers with their output shapes, read once per model."""
    return features.layer_list(net.model, net.entry.crop, net.entry.channels)


def layers(s: Subject) -> list[features.LayerInfo]:
    return model_layers(s.network)


def default_layer(s: Subject) -> str:
    """A mid-level layer: a third of the way into the network, where maps show textures and parts."""
    names = [layer.name for layer in layers(s)]
    return names[len(names) // 3]


def current_layer(s: Subject) -> str:
    """The feature-map layer setting, or the default while it names no layer of this model."""
    name = S.get("layer")
    return name if name in {layer.name for layer in layers(s)} else default_layer(s)


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=HASH_FUNCS)
def _conv_options(net: Network, outputs: bool) -> list[features.LayerInfo]:
    model = net.model
    names = features.conv_outputs(model) if outputs else features.conv_layers(model)
    modules = dict(model.named_modules())
    kinds = {n: type(modules[n]).__name__ for n in names}
    if not outputs:  # the shape is the weight's: filters, input channels per filter, kernel height and width
        return [features.LayerInfo(n, kinds[n], tuple(modules[n].weight.shape)) for n in names]
    device = next(model.parameters()).device
    shapes = features.extract(model, torch.zeros(1, net.entry.channels, net.entry.crop, net.entry.crop, device=device),
                              names)
    return [features.LayerInfo(n, kinds[n], tuple(shapes[n].shape[1:])) for n in names]


def conv_options(s: Subject, *, outputs: bool) -> list[features.LayerInfo]:
    """Every convolution: its output (``outputs=True``, shapes C x H x W) or its weights (C_out x k x k)."""
    return _conv_options(s.network, outputs)


def _weights_label(layer: features.LayerInfo) -> str:
    n, c, kh, kw = layer.shape
    return f"{layer.name}  ({n} filters of {c}x{kh}x{kw})"


def layer_picker(s: Subject, setting: str, default: str, options: list[features.LayerInfo] | None = None, *,
                 weights: bool = False) -> features.LayerInfo:
    """The selectbox of setting ``setting`` over the model's layers (in order, with shapes); a stale name falls back
    to ``default``."""
    options = layers(s) if options is None else options
    names = [layer.name for layer in options]
    if S.get(setting) not in names:
        S.put(setting, default if default in names else names[-1])
    by_name = {layer.name: layer for layer in options}
    describe = _weights_label if weights else features.LayerInfo.label
    chosen = S.widget(setting, options=names, format_func=lambda n: describe(by_name[n]))
    return by_name[chosen]


@st.cache_data(show_spinner=False, max_entries=24, hash_funcs=HASH_FUNCS)
def activation(s: Subject, layer: str) -> torch.Tensor:
    """The layer's output for the image, Tensor[C, h, w]."""
    return features.extract(s.model, s.x, [layer])[layer][0].float().cpu()


@st.cache_data(show_spinner="Computing heatmaps ...", max_entries=32, hash_funcs=HASH_FUNCS)
def _heatmaps(s: Subject, target: int, methods: tuple[str, ...], layer: str, smooth: int, ig_steps: int,
              window: int) -> dict[str, torch.Tensor]:
    return attribution.heatmaps(s.model, s.x, target, methods, layer=layer, smooth=smooth, ig_steps=ig_steps,
                                occlusion_window=window)


def heatmaps(s: Subject, target: int, methods, layer: str) -> dict[str, torch.Tensor]:
    """Each method's map (Tensor[H, W] in [0, 1]) with the lab's current smoothing and step settings."""
    return _heatmaps(s, target, tuple(methods), layer, *S.map_options())


@st.cache_resource(show_spinner="Reading the sample photos ...", max_entries=16, hash_funcs=HASH_FUNCS)
def _probe(net: Network) -> tuple[torch.Tensor, list[np.ndarray], list[str]]:
    names = list(images.sample_names())
    pictures = [_crop(images.sample_image(n), net.entry) for n in names]
    x = torch.cat([features.preprocess(images.sample_image(n), net.entry) for n in names])
    return x, pictures, [images.sample_names()[n] for n in names]


def probe_set(s: Subject, extras: tuple[tuple[str, Image.Image], ...] = ()) -> tuple[torch.Tensor, list[np.ndarray], list[str]]:
    """The sample photos, the learner's own image when it is not a sample, and ``extras`` (name, image):
    (x [N, 3, S, S], crops, names)."""
    x, pictures, names = _probe(s.network) if s.entry.channels == 3 else sources.probe()
    own = ([("your image", s.image)] if s.sample is None else []) + list(extras)
    if own:
        x = torch.cat([x] + [features.preprocess(image, s.entry) for _, image in own])
        pictures = pictures + [_crop(image, s.entry) for _, image in own]
        names = names + [name for name, _ in own]
    return x.to(s.x.device), pictures, names


@st.cache_data(show_spinner="Finding the strongest patches ...", max_entries=32, hash_funcs=HASH_FUNCS)
def top_patches(s: Subject, layer: str, channel: int, extras: tuple[tuple[str, Image.Image], ...] = ()) -> list[units.Patch]:
    """The patches of the probe set (with ``extras``, hashed by their pixels) where the channel fires most."""
    x, _, _ = probe_set(s, extras)
    return units.top_patches(s.model, x, layer, channel)
