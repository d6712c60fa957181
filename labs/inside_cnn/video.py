"""Inside a trained CNN, live: the camera's video through the chosen network, every frame the server keeps up with
showing its top-5 and one layer's strongest feature maps or the Grad-CAM of its top class (``cvcore.inside.live``)."""

import streamlit as st

from cvcore.inside import live
from labs.inside_cnn import subject as lab
from labs.inside_cnn.settings import InsideSettings as S
from ui import webcam

__all__ = ["live_view"]

_CHANNELS = 16  # the strongest maps shown beside the crop: a 4 x 4 mosaic as tall as the crop


def live_view(net: lab.Network) -> None:
    """The live view's controls and the stream; each run hands the stream a new per-frame function with its settings."""
    model, entry = net.model, net.entry
    show_col, layer_col = st.columns([1, 2.2])
    view = S.widget("live_view", show_col, horizontal=True)
    layers = lab.model_layers(net)
    names = [layer.name for layer in layers]
    by_name = {layer.name: layer for layer in layers}
    setting = "layer" if view == "maps" else "cam_layer"
    default = names[len(names) // 3] if view == "maps" else (entry.cam_layer if entry.cam_layer in names else names[-1])
    if S.get(setting) not in names:
        S.put(setting, default)
    layer = S.widget(setting, layer_col, options=names, format_func=lambda n: by_name[n].label())
    colormap, alpha = S.get("colormap"), S.get("alpha")

    def work(frame):
        result = live.classify_frame(model, entry, frame, layer=layer, view=view, channels=_CHANNELS,
                                     colormap=colormap, alpha=alpha)
        top = "Top-5: " + ", ".join(f"{p.label} {p.probability:.1%}" for p in result.top)
        if view == "maps":
            return result.picture, f"{top}. Right: the {min(_CHANNELS, by_name[layer].shape[0])} strongest maps of {layer}."
        return result.picture, f"{top}. Over the crop: the Grad-CAM of '{result.top[0].label}' at {layer}."

    webcam.live_stream(S.key("live"), work)
