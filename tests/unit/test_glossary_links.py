"""A lab's words link to the glossary: every technical term the labs use has an entry, and the first mention of
each in a text links to it once."""

import ast
import re
from pathlib import Path

from cvcore.lessons import TERMS
from labs import LABS
from ui.glossary import link_terms

ROOT = Path(__file__).resolve().parents[2]

# Technical words a learner may not know yet; each that a lab's text uses must be in the glossary.
KNOWN = ("softmax", "Adam", "SGD", "logit", "logits", "epoch", "epochs", "batch", "batch norm", "BatchNorm", "ReLU",
         "ReLU6", "Conv2dNormActivation", "learning rate", "cross-entropy", "Grad-CAM", "IoU", "NMS",
         "non-max suppression", "anchor box", "anchor boxes", "Gram matrix", "Gram matrices", "embedding",
         "triplet loss", "fine-tune", "fine-tuning", "depthwise", "pointwise", "dilation", "stride", "padding",
         "receptive field", "feature map", "feature maps", "kernel", "bias", "channel", "max pooling",
         "average pooling", "transposed convolution", "bottleneck", "residual block", "inverted residual",
         "fully connected", "flatten", "dropout", "back-propagation", "gradient descent", "momentum", "L-BFGS",
         "ImageNet", "MobileNetV2", "YOLO", "sliding window", "target vector", "bounding box", "U-Net", "encoder",
         "decoder", "semantic segmentation", "instance segmentation", "Siamese", "one-shot", "ROC",
         "confusion matrix", "validation", "saliency", "Integrated Gradients", "class activation map", "Sobel",
         "Scharr", "multiply-adds", "grouped", "activation", "logit")


def _links(text: str) -> list[tuple[str, str]]:
    return re.findall(r"\[([^\]]+)\]\(glossary#([^)]+)\)", text)


def test_the_first_mention_of_a_term_is_linked_once_in_its_own_words():
    text = link_terms("Feature maps come out of the **ReLU**; each feature map is a channel. ReLU again, relu too.")
    assert _links(text) == [("Feature maps", "feature-map"), ("ReLU", "relu"), ("channel", "channel")]
    assert text.startswith("[Feature maps](glossary#feature-map) come out of the **[ReLU](glossary#relu)**;")


def test_the_longest_spelling_wins_and_capitals_are_kept_to():
    # 'batch norm' is its own term, not a mention of 'batch'; 'ReLU6' is not 'ReLU'; 'nms' in lower case is a word
    assert _links(link_terms("batch norm over the batch, then ReLU6 and ReLU")) == [
        ("batch norm", "batch-normalisation"), ("batch", "batch"), ("ReLU6", "relu6"), ("ReLU", "relu")]
    assert _links(link_terms("nms of the roc")) == []
    assert _links(link_terms("NMS keeps Grad-CAM's best")) == [("NMS", "non-max-suppression"), ("Grad-CAM", "grad-cam")]


def test_code_latex_and_links_are_left_alone_and_linked_terms_are_skipped():
    assert link_terms("`x.stride(0)` and $stride$ and [stride](x)") == "`x.stride(0)` and $stride$ and [stride](x)"
    assert link_terms("a `Conv2dNormActivation`") == "a [`Conv2dNormActivation`](glossary#conv2dnormactivation)"
    linked = {"stride"}
    assert link_terms("stride and padding", linked) == "stride and [padding](glossary#padding)"
    assert linked == {"stride", "padding"}
    assert link_terms("padding again", linked) == "padding again"


def test_every_anchor_and_spelling_names_one_term():
    anchors = [t.anchor for t in TERMS]
    assert len(set(anchors)) == len(anchors) and all(re.fullmatch(r"[a-z0-9-]+", a) for a in anchors)
    spellings = [s.lower() for t in TERMS for s in t.spellings]
    assert len(set(spellings)) == len(spellings)


def _texts(path: Path) -> str:
    """The string literals of a module (f-strings' literal parts too), joined: what its page can show."""
    tree = ast.parse(path.read_text())
    return "\n".join(node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_every_known_term_a_lab_uses_is_in_the_glossary():
    sources = [*ROOT.glob("labs/*/*.py"), *ROOT.glob("labs/*.py"), *ROOT.glob("cvcore/lessons/*.py")]
    text = "\n".join(_texts(p) for p in sources if p.parent.name != "glossary" and p.name != "glossary.py")
    used = [w for w in KNOWN if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.I)]
    assert len(used) > 60
    covered = {s.lower() for t in TERMS for s in t.spellings}
    missing = [w for w in used if w.lower() not in covered]
    assert not missing, f"terms the labs use with no glossary entry: {missing}"


def _intros() -> dict[str, str]:
    """Each lab's intro as its page passes it to ``start_lab`` (settings, title, intro)."""
    out = {}
    for lab in LABS:
        tree = ast.parse((ROOT / lab.page).read_text())
        call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "start_lab")
        out[lab.slug] = ast.literal_eval(call.args[2])
    return out


def test_every_lab_intro_links_its_terms():
    for slug, intro in _intros().items():
        linked = _links(link_terms(intro))
        assert len(linked) >= 2, (slug, linked)
        assert len({anchor for _, anchor in linked}) == len(linked)  # each term once
    assert ("IoU", "iou") in _links(link_terms(_intros()["detection"]))
