"""The style-transfer lab's explanations: Gram matrices up close, what each layer keeps, and the closing sections
(how it is computed, PyTorch code, the check against PyTorch)."""

import hashlib
from collections import deque

import numpy as np
import pandas as pd
import streamlit as st
import torch
from PIL import Image

from cvcore import images
from cvcore.errors import CvcoreError
from cvcore.images import to_uint8
from cvcore.style import gatys as style
from cvcore.style import inspection as style_inspect
from cvcore.style import nets as style_nets
from cvcore.viz.style import gram_figure
from labs.style_transfer.controls import RUN
from labs.style_transfer.settings import StyleTransferSettings as S
from ui.check import check_expander
from ui.code import code_expander
from ui.figures import show_chart
from ui.lazy import lazy_expander

__all__ = ["gram_view", "layers_view", "how_it_is_computed", "pytorch_code", "check"]

_CHART = {"displayModeBar": False}
_RECON_SIZE, _RECON_STEPS = 128, 80


def _digest(image: Image.Image) -> str:
    return hashlib.sha1(np.asarray(image).tobytes() + str(image.size).encode()).hexdigest()[:16]


def _generated(content: Image.Image) -> tuple[Image.Image, str]:
    record = st.session_state.get(RUN)
    if record and record.get("image"):
        return images.load_image(record["image"]), f"the generated image G (step {record['step']})"
    return content, "the content image (no run yet: press Start in the first part)"


def gram_view(content, stylish, spec: style_nets.Backbone, model) -> None:
    st.markdown(
        "The **style** of an image, in the course's sense, is how correlated the channels of a layer are: "
        "`G_kk' = sum_ij a_ijk a_ijk'` is large when channels k and k' fire **at the same places**. Where one "
        "channel finds a certain texture and the other a certain colour, a large G_kk' says that texture comes in "
        "that colour. Positions are summed away, so the Gram matrix keeps *what goes with what*, not *where*.")
    layers = list(spec.layers)
    if S.get("gram_layer") not in layers:
        S.put("gram_layer", spec.style_layers[1] if len(spec.style_layers) > 1 else layers[0])
    a, b = st.columns(2)
    layer = S.widget("gram_layer", a, options=layers, format_func=spec.label_of)
    channels = int(S.widget("gram_channels", b))
    generated, what = _generated(content)
    try:
        view = style_inspect.layer_grams(stylish, generated, backbone_name=spec.name, model=model, layer=layer,
                                         size=192, smoothing=bool(S.get("smoothing")), channels=channels)
    except CvcoreError as exc:
        st.error(str(exc))
        return
    show_chart(st, gram_figure(view.gram_style, view.gram_generated, layer=spec.label_of(layer)), config=_CHART,
                    key="style_gram")
    diff = float(((view.gram_style - view.gram_generated) ** 2).sum())
    st.caption(f"The first {view.channels} channels of {spec.label_of(layer)} ({view.map_size[0]}x{view.map_size[1]} "
               f"positions); right: {what}. Squared difference of these entries: {diff:.4g}.")
    i, j = view.pair
    st.markdown(f"**How correlated are the channels?** In the style image, channels **{i}** and **{j}** are the most "
                f"correlated pair shown (correlation {view.correlation:.2f} over positions): they light up in the same "
                f"places, so G[{i}, {j}] = {float(view.gram_style[i, j]):.4g} is high for their strength (G[{i}, {i}] = "
                f"{float(view.gram_style[i, i]):.4g}, G[{j}, {j}] = {float(view.gram_style[j, j]):.4g}).")
    cols = st.columns(3)
    cols[0].image(np.asarray(images.fit_within(stylish, 256)[0].convert("RGB")), caption="Style image", width="stretch")
    for col, channel, fmap in zip(cols[1:], (i, j), view.maps, strict=False):
        col.image(to_uint8(torch.from_numpy(fmap)), caption=f"channel {channel}", width="stretch")


@st.cache_data(show_spinner=False, max_entries=16)
def _reconstruction(key: str, kind: str, layers: tuple[str, ...], _image, _model, backbone_name: str) -> bytes:
    from labs.style_transfer.controls import png

    records = style_inspect.reconstruct(_image, kind=kind, layers=layers, backbone_name=backbone_name, model=_model,
                                        size=_RECON_SIZE, steps=_RECON_STEPS)
    last = deque(records, maxlen=1)[0]  # the run's last record holds the rebuilt image
    return png(last.image)


def layers_view(content, stylish, spec: style_nets.Backbone, model) -> None:
    st.markdown(
        "What does each layer keep? Start from noise and optimise an image so that **only** one term matches: the "
        "content at a shallow or a deep layer, or the style (Gram matrices) of shallow layers or of all of them. "
        "Shallow content keeps the exact pixels; deep content keeps the layout and the objects but not the exact "
        "look. Shallow style gives colours and fine grain; deeper style layers add larger patterns.")
    names = list(spec.layers)
    shallow_c = names[2] if spec.name == "mobilenet_v2" else "features.6"
    deep_c = "features.13.conv.0" if spec.name == "mobilenet_v2" else "features.29"
    jobs = [("content", (shallow_c,), content, f"content of {spec.label_of(shallow_c)} (shallow)"),
            ("content", (deep_c,), content, f"content of {spec.label_of(deep_c)} (deep)"),
            ("style", spec.style_layers[:2], stylish, "style of " + " + ".join(spec.label_of(n) for n in spec.style_layers[:2])),
            ("style", spec.style_layers, stylish, f"style of all {len(spec.style_layers)} style layers")]
    st.button(f"Reconstruct ({len(jobs)} runs of {_RECON_STEPS} steps at {_RECON_SIZE} px)", key="style_recon",
              on_click=lambda: st.session_state.update({"style._recon_go": True}))
    if not st.session_state.pop("style._recon_go", False):
        st.caption("Each reconstruction is a short optimisation from noise; press the button to run them.")
        return
    cols = st.columns(len(jobs))
    bar = st.progress(0.0, text="Reconstructing ...")
    for n, (col, (kind, layers, image, caption)) in enumerate(zip(cols, jobs, strict=False)):
        key = f"{spec.name}-{_digest(image)}-{kind}-{','.join(layers)}"
        try:
            data = _reconstruction(key, kind, tuple(layers), image, model, spec.name)
        except CvcoreError as exc:
            st.error(str(exc))
            return
        col.image(data, caption=caption, width="stretch")
        bar.progress((n + 1) / len(jobs), text=f"{n + 1} of {len(jobs)} done")
    bar.empty()


def how_it_is_computed() -> None:
    with lazy_expander("How it is computed", "style.open_how") as is_open:
        if not is_open:
            return
        record = st.session_state.get(RUN)
        st.latex(r"J(G) = \alpha J_{content}(C, G) + \beta J_{style}(S, G) + w_{tv} J_{tv}(G)")
        st.latex(r"J_{content} = \tfrac{1}{4 n_H n_W n_C} \lVert a^{[l](C)} - a^{[l](G)} \rVert^2 \quad"
                 r"J^{[l]}_{style} = \tfrac{1}{(2 n_H n_W n_C)^2} \sum_k \sum_{k'} (G^{[l](S)}_{kk'} - G^{[l](G)}_{kk'})^2")
        if not record or not record["history"]["step"]:
            st.caption("Run once to see the numbers filled in.")
            return
        s, h = record["settings"], record["history"]
        st.markdown(f"At step {h['step'][-1]}: J = {s['alpha']:g} x {h['content'][-1] or 0:.4g} + {s['beta']:g} x "
                    f"{h['style'][-1] or 0:.4g} + {s['tv_weight']:g} x {h['tv'][-1] or 0:.4g} = **{h['total'][-1] or 0:.4g}**")
        lambdas = s["style_layer_weights"] or (1 / len(record["labels"]),) * len(record["labels"])
        st.dataframe(pd.DataFrame({"style layer": list(record["labels"].values()), "lambda": lambdas,
                                   "J_style at the start": [v[0] for v in h["per_layer"].values()],
                                   "now": [v[-1] for v in h["per_layer"].values()]}), hide_index=True)


def _snippet(options: style.StyleSettings) -> str:
    spec = style_nets.backbone(options.backbone)
    build = ("torchvision.models.mobilenet_v2(weights='IMAGENET1K_V1')" if spec.name == "mobilenet_v2"
             else "torchvision.models.vgg19(weights='IMAGENET1K_V1')")
    smooth = ("    out = {n: torch.softmax(a.flatten(2), 2).view_as(a) * a[0, 0].numel() for n, a in out.items()}\n"
              if options.smoothing else "")
    opt = ("torch.optim.LBFGS([g], lr={lr}, max_iter=1, history_size=50)" if options.optimizer == "lbfgs"
           else "torch.optim.Adam([g], lr={lr})").format(lr=options.lr or 1.0)
    return f'''import torch, torchvision
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.transforms.functional import to_tensor, resize
from PIL import Image

model = {build}.eval().requires_grad_(False)
content_layer, style_layers = {options.content_layer!r}, {tuple(options.style_layers)!r}
net = create_feature_extractor(model, {{n: n for n in (content_layer, *style_layers)}})
mean, std = torch.tensor({spec.mean}).view(1, 3, 1, 1), torch.tensor({spec.std}).view(1, 3, 1, 1)
C = resize(to_tensor(Image.open("content.jpg").convert("RGB")), {options.size})[None]
S = resize(to_tensor(Image.open("style.jpg").convert("RGB")), list(C.shape[2:]))[None]

def acts(x):
    out = net((x - mean) / std)
{smooth}    return out

def gram(a):                          # [1, C, H, W] -> [1, C, C]
    f = a.flatten(2)
    return f @ f.transpose(1, 2)

with torch.no_grad():
    a_C = acts(C)[content_layer]
    G_S = {{n: gram(a) for n, a in acts(S).items() if n in style_layers}}
g = C.clone().requires_grad_(True)
opt = {opt}
for step in range({options.steps}):
    def closure():
        opt.zero_grad()
        out = acts(g)
        a_G = out[content_layer]
        j_content = ((a_C - a_G) ** 2).sum() / (4 * a_G[0].numel())
        j_style = sum(((G_S[n] - gram(out[n])) ** 2).sum() / (2 * out[n][0].numel()) ** 2
                      for n in style_layers) / len(style_layers)
        j_tv = (g[..., 1:, :] - g[..., :-1, :]).pow(2).mean() + (g[..., 1:] - g[..., :-1]).pow(2).mean()
        loss = {options.alpha:g} * j_content + {options.beta:g} * j_style + {options.tv_weight:g} * j_tv
        loss.backward()
        return loss
    opt.step(closure)
    with torch.no_grad():
        g.clamp_(0, 1)
Image.fromarray((g[0].permute(1, 2, 0) * 255).round().byte().numpy()).save("generated.png")
'''


def pytorch_code(options: style.StyleSettings | None) -> None:
    if options is not None:
        code_expander(lambda: _snippet(options), filename="style_transfer.py")


def check(stylish, spec: style_nets.Backbone, model, options: style.StyleSettings | None) -> None:
    layer = options.style_layers[0] if options else spec.style_layers[0]

    def compute():
        s, _, _ = style.prepare_pair(stylish, stylish, 128)
        net = style_nets.extractor(model, spec, (layer,))
        mean = torch.tensor(spec.mean).view(1, 3, 1, 1)
        std = torch.tensor(spec.std).view(1, 3, 1, 1)
        with torch.no_grad():
            a = net(((s[None] - mean) / std).to(next(model.parameters()).device))[layer].double().cpu()
        g2 = a.flip(1)  # a second "generated" volume: the same maps in reverse channel order
        ours = style.gram_matrix(a)
        theirs = torch.einsum("bkhw,blhw->bkl", a, a)
        _, c, h, w = a.shape
        cost = style.style_layer_cost(ours, g2)
        reference = torch.nn.functional.mse_loss(ours, torch.einsum("bkhw,blhw->bkl", g2, g2), reduction="sum") / (2 * h * w * c) ** 2
        return "torch.einsum('bkhw,blhw->bkl')", tuple(ours.shape), {
            f"the Gram matrix at {spec.label_of(layer)}": float((ours - theirs).abs().max() / ours.abs().max()),
            "its style cost (relative)": float(abs(cost - reference) / reference)}

    check_expander("style.open_check", compute)
