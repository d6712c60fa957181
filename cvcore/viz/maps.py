"""Pictures of what happens inside a CNN: colour maps, channel mosaics, filters, heatmap overlays, and charts.

Images come back as uint8 arrays (for ``st.image``); charts as plotly figures. Colour maps are
viridis-like by default (readable by colour-blind viewers); diverging maps only for signed values.
"""

import base64

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image
from plotly.colors import sample_colorscale

from cvcore.errors import InvalidParameter
from cvcore.images import png_bytes
from cvcore.viz.axes import LEGEND_ROOM, legend_above

__all__ = ["COLORMAPS", "colorize", "overlay", "colour_key", "mosaic", "mosaic_figure", "filter_patches", "signed_mosaic",
           "top5_figure", "curves_figure", "objective_figure", "patch_crops"]

COLORMAPS = ("viridis", "cividis", "inferno", "jet", "gray")
_PLOTLY_NAMES = {"viridis": "Viridis", "cividis": "Cividis", "inferno": "Inferno", "jet": "Jet", "gray": "Greys_r",
                 "signed": "RdBu_r"}
_LUTS: dict[str, np.ndarray] = {}
_NO_TEMPLATE = {"layout": {}}


def _lut(name: str) -> np.ndarray:
    if name not in _PLOTLY_NAMES:
        raise InvalidParameter(f"colormap must be one of {COLORMAPS}, got {name!r}")
    if name not in _LUTS:
        colors = sample_colorscale(_PLOTLY_NAMES[name], [i / 255 for i in range(256)], colortype="tuple")
        _LUTS[name] = (np.array(colors) * (255 if max(map(max, colors)) <= 1 else 1)).round().astype(np.uint8)
    return _LUTS[name]


def colorize(values: torch.Tensor, colormap: str = "viridis") -> np.ndarray:
    """A map (Tensor[H, W]) with values in [0, 1] as an RGB uint8 array [H, W, 3].

    >>> colorize(torch.tensor([[0.0, 1.0]]), "gray").tolist()
    [[[0, 0, 0], [255, 255, 255]]]
    """
    index = (values.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()
    return _lut(colormap)[index]


def overlay(image: np.ndarray, heat: torch.Tensor, *, alpha: float = 0.5, colormap: str = "viridis") -> np.ndarray:
    """``heat`` (Tensor[H, W] in [0, 1]) coloured and blended over ``image`` (uint8 [H, W, 3]) with opacity ``alpha``."""
    if not 0 <= alpha <= 1:
        raise InvalidParameter(f"alpha must be in [0, 1], got {alpha}")
    if image.shape[:2] != tuple(heat.shape):
        raise InvalidParameter(f"heat must be [{image.shape[0]}, {image.shape[1]}] like the image, got {tuple(heat.shape)}")
    rgb = image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    blended = (1 - alpha) * rgb.astype(np.float32) + alpha * colorize(heat, colormap).astype(np.float32)
    return blended.round().astype(np.uint8)


def colour_key(colormap: str = "viridis", *, low: str = "low", high: str = "high", width: int = 320,
               alpha: float = 1.0) -> np.ndarray:
    """The colour key of a heatmap drawn as a picture (``overlay``, ``mosaic``): a bar from 0 to 1 in ``colormap``
    (blended over mid-grey at ``alpha``, as an overlay blends it), ``low`` written under its left end and ``high``
    under its right end. Returns uint8 [34, width, 3].

    >>> key = colour_key("gray", width=100)
    >>> key.shape, key[4, 0].tolist(), key[4, 99].tolist()
    ((34, 100, 3), [0, 0, 0], [255, 255, 255])
    """
    from PIL import ImageDraw

    if width < 40:
        raise InvalidParameter(f"width must be at least 40 pixels, got {width}")
    bar = colorize(torch.linspace(0, 1, width)[None].expand(16, width), colormap).astype(np.float32)
    bar = ((1 - alpha) * 128 + alpha * bar).round().astype(np.uint8)
    picture = Image.new("RGB", (width, 34), "white")
    picture.paste(Image.fromarray(bar), (0, 0))
    draw = ImageDraw.Draw(picture)
    draw.text((1, 19), low, fill="black")
    draw.text((width - 1 - draw.textlength(high), 19), high, fill="black")
    return np.asarray(picture)


def _normalized(maps: torch.Tensor, shared: bool) -> torch.Tensor:
    """Scale [N, H, W] to [0, 1], each map on its own range or all on one."""
    m = maps.detach().float()
    low = m.amin() if shared else m.flatten(1).amin(1)[:, None, None]
    high = m.amax() if shared else m.flatten(1).amax(1)[:, None, None]
    span = high - low
    return torch.where(span > 0, (m - low) / torch.where(span > 0, span, torch.ones_like(span)), torch.zeros_like(m))


def _tiled(tiles: np.ndarray, cols: int, gap: int = 2) -> np.ndarray:
    """Equal-size RGB tiles (uint8 [N, t, t, 3]) in rows of ``cols`` on a white canvas."""
    n, tile = tiles.shape[0], tiles.shape[1]
    rows = max(1, -(-n // cols))
    canvas = np.full((rows * (tile + gap) - gap, min(n, cols) * (tile + gap) - gap, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[r * (tile + gap): r * (tile + gap) + tile, c * (tile + gap): c * (tile + gap) + tile] = tiles[i]
    return canvas


def mosaic(maps: torch.Tensor, *, cols: int = 8, shared: bool = False, colormap: str = "viridis", tile: int = 64,
           gap: int = 2) -> np.ndarray:
    """Feature maps (Tensor[N, h, w]) side by side in rows of ``cols``, each resized to ``tile`` px: uint8 [H, W, 3].

    ``shared=False`` scales every map to its own range (shows its pattern); ``True`` uses one range
    for all (shows which maps are strong).
    """
    scaled = _normalized(maps, shared)
    tiles = torch.nn.functional.interpolate(scaled[:, None], size=(tile, tile), mode="nearest")[:, 0]
    return _tiled(colorize(tiles, colormap), cols, gap)


def data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image, compress_level=1)).decode()


def mosaic_figure(maps: torch.Tensor, labels: list[int], *, title: str, cols: int = 8, shared: bool = False,
                  colormap: str = "viridis", tile: int = 64) -> go.Figure:
    """A ``mosaic`` as a plotly figure: hovering a tile names its channel, clicking one selects it
    (each tile has a point whose ``customdata`` is the channel index)."""
    picture = mosaic(maps, cols=cols, shared=shared, colormap=colormap, tile=tile)
    step = tile + 2
    xs = [(i % cols) * step + tile / 2 for i in range(len(labels))]
    ys = [(i // cols) * step + tile / 2 for i in range(len(labels))]
    height, width = picture.shape[:2]
    return go.Figure(
        data=[go.Image(source=data_uri(picture), hoverinfo="skip"),
              go.Scatter(x=xs, y=ys, mode="markers", customdata=labels, marker={
                  "size": tile * 0.9, "symbol": "square", "opacity": 0.01, "color": [0.0] * len(labels),
                  "colorscale": _PLOTLY_NAMES[colormap], "cmin": 0, "cmax": 1, "showscale": True,  # the tiles' key
                  "colorbar": {"tickvals": [0, 1], "ticktext": ["lowest", "highest"], "thickness": 12,
                               "title": {"text": "one scale" if shared else "each tile", "side": "right"}}},
                  hovertemplate="channel %{customdata}<extra></extra>")],
        layout={"template": _NO_TEMPLATE, "title": {"text": title}, "height": int(height * 1.02) + 70,
                "width": width + 110, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "clickmode": "event+select",
                "xaxis": {"visible": False, "range": [-1, width]}, "dragmode": False, "showlegend": False,
                "yaxis": {"visible": False, "range": [height, -1], "scaleanchor": "x"}},
    )


def filter_patches(weights: torch.Tensor, *, cols: int = 8, tile: int = 48) -> np.ndarray:
    """First-layer filters (Tensor[N, 3, k, k]) as RGB patches: each scaled so 0 is mid-grey and its largest
    magnitude reaches black or full colour, then enlarged without smoothing."""
    w = weights.detach().float().cpu()
    scale = w.flatten(1).abs().amax(1).clamp(min=1e-12)[:, None, None, None]
    rgb = (0.5 + 0.5 * w / scale).clamp(0, 1)  # [N, 3, k, k]
    tiles = torch.nn.functional.interpolate(rgb, size=(tile, tile), mode="nearest")
    return _tiled((tiles.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8), cols)


def signed_mosaic(weights: torch.Tensor, *, cols: int = 8, tile: int = 48) -> np.ndarray:
    """One filter's slices (Tensor[C_in, k, k]) as heatmaps on one symmetric scale: blue < 0 < red."""
    w = weights.detach().float()
    top = float(w.abs().max()) or 1.0
    tiles = torch.nn.functional.interpolate(((w / top + 1) / 2)[:, None], size=(tile, tile), mode="nearest")[:, 0]
    return _tiled(colorize(tiles, "signed"), cols)


def patch_crops(image_batch: list[np.ndarray], patches, *, tile: int = 96) -> list[np.ndarray]:
    """The receptive-field crop of each ``units.Patch`` from its uint8 image, resized to ``tile`` px."""
    crops = []
    for p in patches:
        x1, y1, x2, y2 = p.box
        crop = Image.fromarray(image_batch[p.image][y1:y2, x1:x2])
        crops.append(np.asarray(crop.resize((tile, tile), Image.Resampling.BICUBIC)))
    return crops


def top5_figure(predictions) -> go.Figure:
    """A horizontal bar chart of ``features.Prediction``s, the most likely class on top."""
    # a class named by its index (a digit) is not written twice: "7", not "7 (7)"
    names = [p.label if p.label == str(p.index) else f"{p.label} ({p.index})" for p in predictions][::-1]
    probs = [p.probability for p in predictions][::-1]
    return go.Figure(
        data=[go.Bar(x=probs, y=names, orientation="h", text=[f"{v:.1%}" for v in probs], textposition="auto",
                     marker={"color": "#3b528b"}, hovertemplate="%{y}: %{x:.2%}<extra></extra>")],
        layout={"template": _NO_TEMPLATE, "title": {"text": "Top-5 classes"}, "height": 260,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
                "xaxis": {"title": {"text": "probability (softmax)"}, "range": [0, 1], "tickformat": ".0%"},
                "yaxis": {"title": {"text": "class"}, "automargin": True}},
    )


def curves_figure(fractions: list[float], curves: dict[str, list[float]], *, title: str, xaxis: str) -> go.Figure:
    """Probability curves (deletion or insertion), one line per heatmap method, named with their areas."""
    traces = [go.Scatter(x=fractions, y=ys, mode="lines+markers", name=name) for name, ys in curves.items()]
    return go.Figure(
        data=traces,
        layout={"template": _NO_TEMPLATE, "title": {"text": title}, "height": 320,
                "margin": {"l": 10, "r": 10, "t": LEGEND_ROOM, "b": 40}, "legend": legend_above(),
                "xaxis": {"title": {"text": xaxis}, "tickformat": ".0%", "range": [0, 1]},
                "yaxis": {"title": {"text": "probability of the class"}, "rangemode": "tozero"}},
    )


def objective_figure(values: list[float]) -> go.Figure:
    """The channel's mean activation over the optimisation steps."""
    return go.Figure(
        data=[go.Scatter(x=list(range(1, len(values) + 1)), y=values, mode="lines", name="objective")],
        layout={"template": _NO_TEMPLATE, "title": {"text": "Mean activation of the channel"}, "height": 260,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
                "xaxis": {"title": {"text": "step"}}, "yaxis": {"title": {"text": "mean activation"}}},
    )
