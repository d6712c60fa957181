import streamlit as st

from cvcore.style import nets as style_nets
from labs.style_transfer import controls as lab
from labs.style_transfer import explain as views
from labs.style_transfer.settings import StyleTransferSettings
from ui import state
from ui.page import part, start_lab

start_lab(
    StyleTransferSettings,
    "Neural style transfer",
    "Gatys, Ecker and Bethge's idea: a generated image G that has the **content** of one image C and the **style** "
    "of another, S, by gradient descent on the pixels of G. The cost is J(G) = alpha J_content(C, G) + beta "
    "J_style(S, G): the content cost compares one layer's activations, the style cost compares **Gram matrices**, "
    "how the channels of several layers fire together. Any pretrained ConvNet can judge both; here VGG-19, the "
    "classic choice, or the offline MobileNetV2.",
)


@part(StyleTransferSettings)
def body() -> None:
    pictures = lab.inputs()
    if pictures is None:
        state.stop(StyleTransferSettings)
    content, stylish = pictures
    chosen = lab.pick_backbone()
    if chosen is None:
        state.stop(StyleTransferSettings)
    name, model = chosen
    spec = style_nets.backbone(name)
    view = StyleTransferSettings.widget("view", horizontal=True)
    options = None
    if view == "run":
        options = lab.controls(spec)
        if options is not None:
            if options.size > 384 and next(model.parameters()).device.type == "cpu":
                st.caption(f"{options.size} px on the CPU: expect several seconds per ten steps (a GPU is much faster).")
            go_col, stop_col, _ = st.columns([1, 1, 6])
            lab.JOB.start_button("Start", go_col, key="style_go")
            lab.JOB.stop_button(stop_col, key="style_stop")
            if lab.JOB.requested():
                lab.run(content, stylish, model, options)
        lab.results()
    elif view == "gram":
        views.gram_view(content, stylish, spec, model)
    else:
        views.layers_view(content, stylish, spec, model)
    views.how_it_is_computed()
    views.pytorch_code(options)
    views.check(stylish, spec, model, options)


body()
