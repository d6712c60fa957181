"""The Inside-a-trained-CNN lab's heatmap views: which pixels made the network decide, and how far to trust that."""

from dataclasses import dataclass

import pandas as pd
import streamlit as st
import torch

from cvcore import attribution
from cvcore.errors import CvcoreError
from cvcore.teach import words
from cvcore.viz import maps as viz
from labs.inside_cnn import subject as lab
from labs.inside_cnn.settings import InsideSettings as S
from labs.inside_cnn.subject import Subject
from ui.figures import show_chart
from ui.lazy import lazy_expander
from ui.models import randomized_copy

__all__ = ["Choice", "controls", "heatmaps", "checks"]

_CHART = {"displayModeBar": False}
_STEPS = 10  # points on each curve after the first: 10% of the pixels a step
_PER_ROW = 4
_METHODS = "inside._methods"  # the multiselect's own list; the ``methods`` setting is its comma-separated text


@dataclass(frozen=True)
class Choice:
    """What the heatmap views explain: a class, a set of methods, a layer."""

    target: int
    methods: list[str]
    layer: str


def _class_label(s: Subject, index: int, top) -> str:
    if index < 0:
        return f"the top class ({top[0].label})"
    star = " ★ top-5" if index in {p.index for p in top} else ""
    return f"{index}: {s.entry.categories[index]}{star}"


def _methods_changed() -> None:
    S.put("methods", ",".join(st.session_state[_METHODS]))


def controls(s: Subject) -> Choice | None:
    """Class, methods and layer, with the options that change how maps are computed and drawn; None (after a message)
    while no method is chosen."""
    top = lab.predictions(s)
    a, b = st.columns([1.2, 2])
    classes = len(s.entry.categories)
    if S.get("target") >= classes:
        S.put("target", -1)
    order = [-1] + [p.index for p in top] + [i for i in range(classes) if i not in {p.index for p in top}]
    target = S.widget("target", a, options=order, format_func=lambda i: _class_label(s, i, top))
    target = top[0].index if target < 0 else target
    if _METHODS not in st.session_state:
        st.session_state[_METHODS] = S.method_names()
    methods = b.multiselect(S.field("methods").label, list(attribution.METHODS), key=_METHODS, on_change=_methods_changed,
                            format_func=lambda m: attribution.METHODS[m].label)
    if not methods:
        st.info("Pick at least one method.")
        return None
    c, d, e = st.columns([2.2, 1, 1])
    with c:
        every = S.get("every_conv")
        layer = lab.layer_picker(s, "cam_layer", s.entry.cam_layer, lab.conv_options(s, outputs=True) if every else None)
    S.widget("every_conv", d)
    S.widget("colormap", e)
    with st.expander("Method options"):
        f, g, h, i = st.columns(4)
        S.widget("alpha", f)
        S.widget("smooth", g)
        S.widget("ig_steps", h)
        S.widget("window", i)
    return Choice(target, methods, layer.name)


def _maps(s: Subject, choice: Choice) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Each method's map; a method that does not apply (CAM on VGG, say) gives a message instead."""
    try:
        return lab.heatmaps(s, choice.target, choice.methods, choice.layer), {}
    except CvcoreError:
        maps, problems = {}, {}
        for method in choice.methods:
            try:
                maps.update(lab.heatmaps(s, choice.target, [method], choice.layer))
            except CvcoreError as exc:
                problems[method] = str(exc)
        return maps, problems


def _describe(heat: torch.Tensor) -> str:
    smooth = torch.nn.functional.avg_pool2d(heat[None, None], 15, stride=1, padding=7)[0, 0]
    row, col = divmod(int(smooth.argmax()), heat.shape[1])  # the centre of the hottest 15x15 area, not one stray pixel
    return f"peak at row {row}, column {col}; {float((heat >= 0.5).float().mean()):.0%} of the pixels above half"


def heatmaps(s: Subject, choice: Choice) -> None:
    """The chosen methods' maps over the image, side by side."""
    maps, problems = _maps(s, choice)
    for method, message in problems.items():
        st.warning(f"{attribution.METHODS[method].label}: {message}")
    alpha, colormap = S.get("alpha"), S.get("colormap")
    items = list(maps.items())
    for start in range(0, len(items), _PER_ROW):
        columns = st.columns(_PER_ROW)
        for column, (method, heat) in zip(columns, items[start: start + _PER_ROW], strict=False):
            info = attribution.METHODS[method]
            column.image(viz.overlay(s.picture, heat, alpha=alpha, colormap=colormap), width="stretch",
                         caption=f"{info.label}: {_describe(heat)}")
            column.caption(info.summary + (f" (layer {choice.layer})" if info.uses_layer else ""))
    st.image(viz.colour_key(colormap, low="0: no evidence", high="1: the most", alpha=alpha), width=320,
             caption="Colour key of every heatmap: each scaled to [0, 1]")


@st.cache_data(show_spinner="Deleting and inserting pixels ...", max_entries=64, hash_funcs=lab.HASH_FUNCS)
def _curves(s: Subject, target: int, method: str, layer: str, options: tuple, _heat: torch.Tensor,
            least_first: bool = False) -> attribution.Faithfulness:
    """The curves of one map (``_heat``, not hashed: the method, layer and options that made it stand for it)."""
    return attribution.deletion_insertion(s.model, s.x, target, _heat.to(s.x.device), steps=_STEPS,
                                          least_first=least_first)


@st.cache_data(show_spinner="Explaining the randomized network ...", max_entries=16, hash_funcs=lab.HASH_FUNCS)
def _randomized_maps(s: Subject, target: int, methods: tuple, layer: str, layers: int,
                     options: tuple) -> dict[str, torch.Tensor]:
    twin = randomized_copy(s.name, layers, s.model)
    return attribution.heatmaps(twin, s.x, target, list(methods), layer=layer, smooth=options[0], ig_steps=options[1],
                                occlusion_window=options[2])


_BASELINES = {"random_pixels": "random pixels (baseline)", "random_blobs": "random 7x7 blobs (baseline, mean of 4)"}
_DRAWS = 4  # one random map is a lucky or an unlucky draw (deletion areas from 0.17 to 0.35 on the sample cat)


def _random_maps(size: tuple[int, int]) -> dict[str, list[torch.Tensor]]:
    """The baselines: random pixels, and random 7x7 blobs (as coarse as a map from a 7x7 layer) in several draws."""
    generator = torch.Generator().manual_seed(0)
    blobs = [torch.nn.functional.interpolate(torch.rand(1, 1, 7, 7, generator=generator), size=size, mode="bilinear",
                                             align_corners=False)[0, 0] for _ in range(_DRAWS)]
    return {"random_pixels": [torch.rand(size, generator=generator)], "random_blobs": blobs}


def _average(rows: list[list[float]]) -> list[float]:
    return [sum(values) / len(values) for values in zip(*rows, strict=True)]


def _mean(curves: list[attribution.Faithfulness]) -> attribution.Faithfulness:
    return attribution.Faithfulness(curves[0].fractions, _average([c.deletion for c in curves]),
                                    _average([c.insertion for c in curves]))


def checks(s: Subject, choice: Choice) -> None:
    """Deletion and insertion curves with their areas, and the model-randomization sanity check."""
    maps, problems = _maps(s, choice)
    options = S.map_options()
    results = {m: _curves(s, choice.target, m, choice.layer, options, heat, True) for m, heat in maps.items()}
    for name, draws in _random_maps(s.picture.shape[:2]).items():
        results[name] = _mean([_curves(s, choice.target, f"{name}_{i}", "", (), heat)
                               for i, heat in enumerate(draws)])
    label = {m: attribution.METHODS[m].label if m in attribution.METHODS else _BASELINES[m] for m in results}
    st.markdown("**Deletion**: grey out the pixels the map ranks highest first; a faithful map makes the class "
                "probability collapse quickly (small area). **Insertion**: reveal them first on a blurred image; "
                "a faithful map makes it rise quickly (large area). Random maps are the baselines to beat. "
                "**Least relevant first**: deletion in the map's opposite order; it must hurt less than deletion "
                "(a larger area), whatever the grey shapes themselves do to the network.")
    st.caption("Read with care: grey patches scattered over the object confuse a network more than one grey region "
               "of the same size, whose outline still shows the object's shape. So deletion favours pixel-level maps "
               "(Saliency, Integrated Gradients) and random maps, and on a photo filled by its object a region map "
               "(Grad-CAM) can lose to random blobs; insertion, which starts from a blur, favours region maps. ROAD "
               "(Rong et al., 2022) fills removed pixels from their neighbours to limit this. Compare a method with "
               "the random baseline of its own kind, on both curves.")
    first = next(iter(results.values()))
    left, right = st.columns(2)
    show_chart(left, viz.curves_figure(first.fractions, {label[m]: r.deletion for m, r in results.items()},
                                        title="Deletion (lower is better)", xaxis="pixels removed"),
                      config=_CHART, key="inside_deletion")
    show_chart(right, viz.curves_figure(first.fractions, {label[m]: r.insertion for m, r in results.items()},
                                         title="Insertion (higher is better)", xaxis="pixels revealed"),
                       config=_CHART, key="inside_insertion")
    st.dataframe(pd.DataFrame([{"method": label[m], "deletion area": round(r.deletion_auc, 4),
                                "least relevant first": None if r.least_first is None else round(r.least_first_auc, 4),
                                "insertion area": round(r.insertion_auc, 4)} for m, r in results.items()]),
                 hide_index=True)
    with lazy_expander("Sanity check: randomize the top of the network", "inside.open_sanity", expanded=True) as is_open:
        if is_open:
            _sanity(s, choice, maps, options)


def _sanity(s: Subject, choice: Choice, maps: dict[str, torch.Tensor], options: tuple) -> None:
    weight_layers = sum(isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) for m in s.model.modules())
    if S.get("random_layers") > weight_layers:
        S.put("random_layers", 1)
    layers = int(S.widget("random_layers", bounds=(1, min(64, weight_layers))))
    st.caption("Adebayo et al. (2018): if a method explains the model, its map must change when the model's learnt "
               "weights are replaced by random ones. A map that stays the same shows the image, not the model.")
    random_maps = _randomized_maps(s, choice.target, tuple(maps), choice.layer, layers, options)
    alpha, colormap = S.get("alpha"), S.get("colormap")
    for method, heat in maps.items():
        other = random_maps[method]
        rho = attribution.rank_correlation(heat, other)
        a, b, c = st.columns([1, 1, 1.2])
        a.image(viz.overlay(s.picture, heat, alpha=alpha, colormap=colormap), width="stretch",
                caption=f"{attribution.METHODS[method].label}, trained network")
        b.image(viz.overlay(s.picture, other, alpha=alpha, colormap=colormap), width="stretch",
                caption=f"top {words.count(layers, 'layer')} randomized")
        verdict = ("changed: it depends on the learnt weights" if rho < 0.5 else
                   "partly changed" if rho < 0.8 else "barely changed: be wary of this method here")
        c.metric("Rank correlation with the trained map", f"{rho:.2f}")
        c.image(viz.colour_key(colormap, low="0", high="1", alpha=alpha), width=240, caption="Colour key of both maps")
        c.caption(f"1 = the same pixel order, 0 = unrelated. The map {verdict}.")
