"""Lessons and questions of the Neural style transfer lab."""

import functools

import torch
from torchvision.models.feature_extraction import create_feature_extractor

from cvcore._fx_threads import traced
from cvcore.lessons.base import LabLessons, Picker, Question, Step, register
from cvcore.networks import architectures
from cvcore.style import gatys as style
from cvcore.style import nets as style_nets
from cvcore.teach import words

__all__ = ["layer_shape", "style_questions"]


@functools.lru_cache(maxsize=64)
def layer_shape(backbone: str, node: str, size: int) -> tuple[int, int, int]:
    """(n_H, n_W, n_C) of ``node``'s activation for a ``size`` x ``size`` image, measured on the meta device."""
    model = architectures.build(backbone, device="meta")
    out = traced(lambda: create_feature_extractor(model, return_nodes={node: "a"}))(
        torch.empty(1, 3, size, size, device="meta"))["a"]
    return int(out.shape[2]), int(out.shape[3]), int(out.shape[1])


def style_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    spec = style_nets.backbone(pick.choice("backbone", list(style_nets.BACKBONES), "mobilenet_v2"))
    node = spec.style_layers[0] if variant == 0 else pick.rng.choice(spec.style_layers)
    size = pick.int("size", 64, 768, 256) if variant == 0 else pick.rng.choice([128, 192, 256, 384])
    n_h, n_w, n_c = layer_shape(spec.name, node, size)
    gram = style.gram_matrix(torch.zeros(1, n_c, n_h, n_w))  # [1, n_C, n_C]
    entries = gram[0].numel()
    a = torch.tensor([[pick.rng.randint(0, 3) for _ in range(4)] for _ in range(2)], dtype=torch.float32)
    g01 = int(style.gram_matrix(a.reshape(1, 2, 2, 2))[0, 0, 1])
    label, network = spec.label_of(node), spec.label.split(" (")[0]
    return [
        Question(f"{network}'s style layer '{label}' gives {words.article(n_h)} {n_h}x{n_w}x{n_c} activation for {words.article(size)} {size} px image. "
                 "How many numbers are in its Gram matrix?", entries,
                 f"G is n_C x n_C = {n_c} x {n_c} = {entries}: one entry per pair of channels, whatever n_H and n_W "
                 "are. Where a texture appears is summed away; only which channels fire together is kept.", fact="gram_entries"),
        Question("The style cost of that layer is 1/(2 n_H n_W n_C)² ||G(S) - G(G)||². What is 2 n_H n_W n_C?",
                 2 * n_h * n_w * n_c, f"2 · {n_h} · {n_w} · {n_c} = {2 * n_h * n_w * n_c}; squared, it keeps the "
                                      "cost of a big layer comparable with that of a small one.", fact="norm"),
        Question(f"Channel 1's 2x2 map is {a[0].int().tolist()} and channel 2's is {a[1].int().tolist()} (cells in "
                 "reading order). What is the Gram entry G_12?", g01,
                 "G_12 = Σ_ij a_ijk a_ijk' = " + " + ".join(f"{int(x)}·{int(y)}" for x, y in zip(a[0], a[1], strict=True))
                 + f" = {g01}: large when the two channels are high in the same places.", fact="gram_entry"),
    ]


register(LabLessons("style", "Neural style transfer", (
    Step("Watch style emerge", {"view": "run", "content_sample": "chelsea", "style_kind": "generated",
                                "style_gen": "mosaic", "size": 128, "steps": 60, "optimizer": "lbfgs", "init": "content"},
         "Press Start: the cat stays where it is while the mosaic's colours and edges spread over it; the style "
         "cost falls by orders of magnitude, the content cost rises a little."),
    Step("More style, less content", {"view": "run", "size": 128, "steps": 60, "alpha": 30.0, "beta": 100000.0},
         "Ten times the style weight beta: the layout of the content dissolves further into the texture."),
    Step("Start from noise", {"view": "run", "size": 128, "steps": 80, "init": "noise"},
         "From random pixels the content cost pulls the cat's outline back; it takes more steps than starting from C."),
    Step("What is style?", {"view": "gram"},
         "The Gram matrices of the style and the generated image: after a run they look alike, although the "
         "pictures do not."),
    Step("What the layers keep", {"view": "layers"},
         "Rebuilt from a shallow layer's content the photo is almost exact; from a deep layer only its parts and "
         "layout survive. Style from shallow layers gives colours, from all layers whole textures."),
    Step("Activation smoothing", {"view": "run", "size": 128, "steps": 60, "smoothing": True},
         "A softmax over each map before the costs: MobileNetV2's result gets smoother and less grid-like."),
), style_questions))
