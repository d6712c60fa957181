"""Lessons and predict-then-reveal questions: every step is a valid state of its lab, and every answer agrees
with PyTorch (shapes, parameter counts) or torchvision (IoU, NMS)."""

import random
import re

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from cvcore import lessons
from cvcore.lessons import applications, conv_variants, convolutions, networks
from cvcore.lessons import faces as face_lessons
from cvcore.lessons import style as style_lessons
from cvcore.style import nets as style_nets
from labs import LABS, lab_settings
from tests.conftest import ROOT


def _lab_settings() -> dict[str, type]:
    """page -> the lab's settings class (``labs/<lab>/settings.py``)."""
    return {lab.page: lab_settings(lab.slug) for lab in LABS}


MODULES = _lab_settings()


def test_every_lab_page_has_a_lesson_of_three_to_six_steps():
    assert len(MODULES) >= 13
    for page, module in MODULES.items():
        entry = lessons.lessons_for(module.NS)
        assert entry is not None, page
        assert 3 <= len(entry.steps) <= 6 and all(step.notice and step.title for step in entry.steps)


@pytest.mark.parametrize("page", sorted(MODULES))
def test_every_step_sets_valid_settings_of_its_lab(page):
    settings = MODULES[page]
    for step in lessons.lessons_for(settings.NS).steps:
        assert step.settings, step.title
        assert settings.problems(step.settings) == [], step.title


@pytest.mark.parametrize("page", sorted(MODULES))
def test_every_lab_asks_at_least_two_answerable_questions_in_every_variant(page):
    module = MODULES[page]
    for variant in range(6):
        questions = lessons.questions_for(module.NS, module.defaults(), variant)
        assert len(questions) >= 2
        for q in questions:
            assert lessons.check_answer(q, q.answer) and q.explanation
            if q.choices:
                assert q.answer in q.choices
                assert not lessons.check_answer(q, next(c for c in q.choices if c != q.answer))
            else:
                assert not lessons.check_answer(q, float(q.answer) + q.tolerance + 1)
    steps = lessons.lessons_for(module.NS).steps
    for step in steps:  # every prepared state asks questions too
        assert len(lessons.questions_for(module.NS, {**module.defaults(), **step.settings})) >= 2


def test_check_answer_reads_numbers_and_refuses_junk():
    q = lessons.Question("?", 4, "")
    assert lessons.check_answer(q, "4") and lessons.check_answer(q, 4.0)
    assert not lessons.check_answer(q, None) and not lessons.check_answer(q, "four") and not lessons.check_answer(q, "nan")


def _side(x: torch.Tensor) -> int:
    return int(x.shape[-1])


def test_convolution_questions_agree_with_conv2d():
    rng = random.Random(0)
    for _ in range(40):
        n, f, s, d = rng.randint(9, 12), rng.choice([1, 3, 5]), rng.randint(1, 3), rng.randint(1, 2)
        pad = rng.choice(["valid", "same", "number"])
        p = {"valid": 0, "same": d * (f - 1) // 2, "number": rng.randint(0, 2)}[pad]
        settings = {"src": "random", "n": n, "ksize": f, "kernel": "box_blur", "stride": s, "dilation": d, "pad": pad, "p": p}
        size, mults, same = convolutions.conv_questions(settings)
        out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f), stride=s, padding=p, dilation=d)
        assert size.answer == _side(out) and mults.answer == out.numel() * f * f
        g = (f if f % 2 else f + 1) + 2  # a kernel larger than the one on screen
        assert _side(F.conv2d(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, g, g), padding=same.answer, dilation=d)) == 9
    size = convolutions.conv_questions({"src": "edge_6x6", "ksize": 3, "stride": 1, "dilation": 1, "pad": "valid"})[0]
    assert size.answer == 4 and "6x6" in size.prompt  # the course's example


def test_pooling_questions_agree_with_max_pool2d():
    rng = random.Random(1)
    for _ in range(30):
        n, f, s, c = rng.randint(4, 16), rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)
        p = rng.randint(0, f // 2)
        size, count, window = convolutions.pool_questions({"src": "random", "n": n, "size": f, "stride": s,
                                                            "padding": p, "channels": c})
        out = F.max_pool2d(torch.zeros(1, c, n, n), f, s, p)
        assert size.answer == _side(out) and count.answer == out.numel()
        assert window.answer == F.unfold(torch.zeros(1, 1, n, n), f, stride=s, padding=p).shape[1]
    assert convolutions.pool_questions({"src": "max_4x4", "size": 2, "stride": 2, "padding": 0})[0].answer == 2


def test_volume_and_architecture_questions_agree_with_conv2d_modules():
    rng = random.Random(2)
    for _ in range(20):
        n, c, f, k, s, p = rng.randint(5, 12), rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 4), \
            rng.randint(1, 3), rng.randint(0, 2)
        layer = nn.Conv2d(c, k, f, stride=s, padding=p)
        side, params = convolutions.volume_questions({"n": n, "channels": c, "f": f, "k": k, "stride": s, "padding": p})
        assert side.answer == _side(layer(torch.zeros(1, c, n, n)))
        assert params.answer == sum(t.numel() for t in layer.parameters())
        a_params, a_side, a_dense = networks.architecture_questions({"n": n + 5, "c": c, "f": f, "k": k})
        out = nn.Conv2d(c, k, f)(torch.zeros(1, c, n + 5, n + 5))
        assert a_params.answer == sum(t.numel() for t in nn.Conv2d(c, k, f).parameters())
        assert a_side.answer == _side(out)
        assert a_dense.answer == sum(t.numel() for t in nn.Linear(out.numel(), 10).parameters())


def test_separable_questions_agree_with_grouped_conv2d():
    for op, c, k, g, f in [("pointwise", 4, 2, 1, 3), ("depthwise", 4, 4, 1, 3), ("separable", 4, 2, 1, 3),
                           ("grouped", 6, 4, 2, 3), ("grouped", 6, 4, 4, 5)]:
        weights, mults = convolutions.separable_questions({"op": op, "c": c, "k": k, "g": g, "f": f, "n": 6,
                                                           "h": 12, "cin": 3, "cout": 256, "kf": 5})
        if op == "pointwise":
            layers = [nn.Conv2d(c, k, 1, bias=False)]
        elif op == "depthwise":
            layers = [nn.Conv2d(c, c, f, groups=c, bias=False)]
        elif op == "separable":
            layers = [nn.Conv2d(c, c, f, groups=c, bias=False), nn.Conv2d(c, k, 1, bias=False)]
        else:
            groups = 2  # the largest that divides both 6 and 4 (a requested 4 does not)
            layers = [nn.Conv2d(c, k, f, groups=groups, bias=False)]
        assert weights.answer == sum(t.numel() for m in layers for t in m.parameters()), op
        # 12x12x3, 5x5: depthwise 8·8·25·3 plus pointwise 8·8·3·256 (the course's 53,952)
        depthwise = nn.Conv2d(3, 3, 5, groups=3)(torch.zeros(1, 3, 12, 12))
        assert mults.answer == depthwise.numel() * 25 + _side(depthwise) ** 2 * 3 * 256 == 53952


def test_transposed_questions_agree_with_conv_transpose2d():
    rng = random.Random(3)
    for _ in range(30):
        n, s, d, p = rng.randint(1, 6), rng.randint(1, 3), rng.randint(1, 2), rng.randint(0, 2)
        kernel = rng.choice(["ones2", "ones3", "bilinear", "vertical_edge"])
        f = {"ones2": 2, "ones3": 3, "bilinear": 4, "vertical_edge": 3}[kernel]
        op = rng.randint(0, max(s, d) - 1)
        size, stuffed = conv_variants.transposed_questions({"src": "random", "n": n, "kernel": kernel, "stride": s,
                                                           "padding": p, "out_pad": op, "dilation": d})
        p_used = int(re.search(r"padding (\d+)", size.prompt).group(1))
        layer = nn.ConvTranspose2d(1, 1, f, stride=s, padding=p_used, output_padding=op, dilation=d)
        assert size.answer == _side(layer(torch.zeros(1, 1, n, n)))
        grid = torch.zeros(stuffed.answer)
        grid[::s] = 1
        assert int(grid.sum()) == n and grid[-1] == 1  # n cells with s - 1 zeros between them
    assert conv_variants.transposed_questions({"src": "two_by_two", "kernel": "ones3", "stride": 2})[0].answer == 5


def _receptive_field(layers: int, f: int, d: int) -> int:
    net = nn.Sequential(*[nn.Conv2d(1, 1, f, dilation=d, bias=False) for _ in range(layers)])
    for m in net:
        nn.init.ones_(m.weight)
    x = torch.zeros(1, 1, 64, 64, requires_grad=True)
    y = net(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    touched = torch.nonzero(x.grad[0, 0].abs().sum(0)).flatten()
    return int(touched[-1] - touched[0] + 1)


def test_dimension_questions_agree_with_gradients_and_conv3d():
    for f, d, layers in [(3, 1, 1), (3, 2, 3), (5, 3, 2), (2, 4, 4)]:
        span, seen, volume = conv_variants.dims_questions({"f": f, "d": d, "layers": layers})
        assert span.answer == _receptive_field(1, f, d) and seen.answer == _receptive_field(layers, f, d)
        assert volume.answer == _side(nn.Conv3d(1, 1, 5)(torch.zeros(1, 1, 14, 14, 14))) == 10


def test_learning_questions_agree_with_conv2d():
    for target, tgrid in [("sobel_x", ""), ("laplacian", ""), ("sharpen", ""), ("custom", "1,2,3/0,0,0/0,0,1")]:
        flat, side, count = conv_variants.learn_questions({"target": target, "tgrid": tgrid, "size": 64})
        kernel = conv_variants._target_kernel(target, tgrid)
        value = F.conv2d(torch.ones(1, 1, 5, 5, dtype=torch.float64), kernel[None, None])[0, 0, 1, 1]
        torch.testing.assert_close(torch.tensor(float(flat.answer)), value.float(), rtol=0, atol=1e-4)
        assert side.answer == _side(F.conv2d(torch.zeros(1, 1, 64, 64), kernel[None, None].float()))
        assert count.answer == kernel.numel() == 9
    assert conv_variants.learn_questions({"target": "sobel_x"})[0].answer == 0


def test_build_questions_agree_with_the_built_network():
    text = "conv-32-3-1-0_relu_maxpool-0-2-2-0_conv-64-3-1-0_relu_flatten_linear-10-3-1-0"
    params, side = networks.build_questions({"layers": text})
    layer = nn.Conv2d(1, 32, 3)
    assert params.answer == sum(t.numel() for t in layer.parameters()) == 320
    assert side.answer == _side(layer(torch.zeros(1, *networks.BUILD_INPUT))) == 26
    assert len(networks.build_questions({"layers": "relu_flatten_linear-10-3-1-0"}, 0)) == 2  # no conv: a made-up one
    from labs.build_cnn.views import INPUT

    assert networks.BUILD_INPUT == INPUT


def test_inside_questions_agree_with_torchvision_mobilenet():
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    with torch.no_grad():
        x = model.features[:7](torch.zeros(1, 3, 224, 224))
        bigger = model.features[:7](torch.zeros(1, 3, 320, 320))
        last = model.features(torch.zeros(1, 3, 224, 224))
    numbers, other_side, cam = networks.inside_questions({"layer": "features.6"})
    assert numbers.answer == x.numel() == 32 * 28 * 28 and other_side.answer == _side(bigger) == 40
    assert cam.answer == 224 // _side(last) == 32
    assert networks.inside_questions({"layer": "features.3"})[0].answer == 24 * 56 * 56


def test_detection_questions_agree_with_torchvision_ops():
    rng = random.Random(4)
    for variant in range(25):
        settings = {"ax1": 1.0, "ay1": 1.0, "ax2": 5.0, "ay2": 4.0, "bx1": 3.0, "by1": 2.0, "bx2": 7.0, "by2": 6.0,
                    "iou": round(rng.uniform(0.05, 0.6), 2)}
        iou_q, nms_q = applications.detection_questions(settings, variant)
        a, b = (torch.tensor([[float(v) for v in re.findall(r"[\d.]+", m)]]) for m in
                re.findall(r"= \(([^)]*)\)", iou_q.prompt))
        reference = float(torchvision.ops.box_iou(a, b)[0, 0])
        assert abs(iou_q.answer - reference) <= 0.005 + 1e-6  # rounded to two decimals
        threshold = float(re.search(r"threshold ([\d.]+)", nms_q.prompt).group(1))
        keep = torchvision.ops.nms(torch.cat([a, b]), torch.tensor([0.9, 0.8]), threshold)
        assert nms_q.answer == ("kept" if 1 in keep.tolist() else "removed")
    iou_q, _ = applications.detection_questions({"ax1": 1.0, "ay1": 1.0, "ax2": 5.0, "ay2": 4.0,
                                                 "bx1": 3.0, "by1": 2.0, "bx2": 7.0, "by2": 6.0, "iou": 0.5})
    assert iou_q.answer == 0.17  # 4 / (12 + 16 - 4), by hand


def test_segmentation_questions_agree_with_the_network_and_the_iou_formula():
    from cvcore.detect.segmentation import TinyFCN

    model = TinyFCN().eval()
    with torch.no_grad():
        x = torch.zeros(1, 3, 128, 128)
        for down in model.down:
            x = down(x)
    for seed in (0, 7, 2000011):
        bottleneck, up, iou = applications.segmentation_questions({"seed": seed})
        assert bottleneck.answer == x.shape[-1] == 8
        assert up.answer == _side(nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1)(torch.zeros(1, 1, 8, 8))) == 16
        both, pred_only, true_only = map(int, re.findall(r"(\d+) (?:pixels|more|are true)", iou.prompt))
        assert abs(iou.answer - both / (both + pred_only + true_only)) <= 0.005 + 1e-6


def test_transfer_questions_agree_with_the_network_and_the_split(entry):
    from cvcore.networks import transfer

    features = sum(t.numel() for t in torchvision.models.mobilenet_v2(weights=None).features.parameters())
    for classes, case in [(3, "small"), (5, "large"), (2, "medium")]:
        head, trainable, images = applications.transfer_questions({"n_classes": classes, "case": case, "per_class": 8})
        assert head.answer == sum(t.numel() for t in nn.Linear(1280, classes).parameters())
        if case == "small":
            assert trainable.answer == head.answer
        if case == "large":
            assert trainable.answer == features + head.answer
    data = transfer.image_set(dict(list(transfer.texture_set(per_class=8).items())[:3]), entry)
    _, _, images = applications.transfer_questions({"n_classes": 3, "per_class": 8})
    assert images.answer == len(data.train_y) == 18


def test_style_questions_agree_with_torchvision_activations_and_a_hand_sum():
    from torchvision.models.feature_extraction import create_feature_extractor

    nets = {"mobilenet_v2": torchvision.models.mobilenet_v2(weights=None).eval(),
            "vgg19": torchvision.models.vgg19(weights=None).eval()}
    cases = [({"backbone": "mobilenet_v2", "size": 256}, v) for v in range(4)] + [({"backbone": "vgg19", "size": 128}, 0),
                                                                                 ({"backbone": "vgg19"}, 1)]
    for settings, variant in cases:
        gram_q, norm_q, entry_q = style_lessons.style_questions(settings, variant)
        spec = next(b for b in map(style_nets.backbone, style_nets.BACKBONES) if gram_q.prompt.startswith(b.label.split(" (")[0]))
        label = re.search(r"style layer '([^']*)'", gram_q.prompt).group(1)
        node = next(n for n, text in spec.layers.items() if text == label)
        h, w, c, size = map(int, re.search(r"gives an? (\d+)x(\d+)x(\d+) activation for an? (\d+) px", gram_q.prompt).groups())
        if size > 256 and spec.name == "vgg19":
            continue
        with torch.no_grad():
            a = create_feature_extractor(nets[spec.name], {node: "a"})(torch.zeros(1, 3, size, size))["a"]
        assert tuple(a.shape[1:]) == (c, h, w)
        assert gram_q.answer == torch.einsum("bchw,bdhw->bcd", a, a)[0].numel() == c * c
        assert norm_q.answer == 2 * h * w * c
        one, two = (list(map(int, m)) for m in re.findall(r"\[(\d+), (\d+), (\d+), (\d+)\]", entry_q.prompt))
        assert entry_q.answer == sum(x * y for x, y in zip(one, two, strict=True))  # by hand


def test_face_questions_agree_with_torch_triplet_margin_loss_and_the_cosine():
    for variant in range(8):
        settings = {"margin": 0.2, "tau": 0.6}
        triplet_q, cosine_q, verdict_q = face_lessons.faces_questions(settings, variant)
        d_ap, d_an, margin = map(float, re.search(r"d\(A, P\) = ([\d.]+), d\(A, N\) = ([\d.]+), margin alpha = (\d+(?:\.\d+)?)",
                                                  triplet_q.prompt).groups())
        a, p, n = torch.zeros(1, 2), torch.tensor([[d_ap, 0.0]]), torch.tensor([[0.0, d_an]])
        reference = float(F.triplet_margin_loss(a, p, n, margin=margin, p=2, eps=0.0))
        assert abs(triplet_q.answer - reference) <= 0.005 + 1e-6
        angle = float(re.search(r"are (\d+) degrees apart", cosine_q.prompt).group(1))
        u = torch.tensor([[1.0, 0.0]])
        v = torch.tensor([[torch.cos(torch.deg2rad(torch.tensor(angle))), torch.sin(torch.deg2rad(torch.tensor(angle)))]])
        distance = 1 - float(F.cosine_similarity(u, v))
        assert abs(cosine_q.answer - distance) <= 0.005 + 1e-6
        tau = float(re.search(r"tau = ([\d.]+)", verdict_q.prompt).group(1))
        assert verdict_q.answer == ("same" if distance <= tau else "different")
    assert face_lessons.faces_questions({"margin": 0.2, "tau": 0.6})[2].prompt.endswith("same person or different?")


def test_the_glossary_covers_the_course_and_names_real_labs():
    titles = {lab.title for lab in LABS}
    names = {t.name for t in lessons.TERMS}
    assert len(lessons.TERMS) >= 25 and len(names) == len(lessons.TERMS)
    assert all(t.lab in titles and t.definition for t in lessons.TERMS)
    for wanted in ("Padding", "Stride", "Receptive field", "Anchor box", "Gram matrix", "Triplet loss"):
        assert wanted in names
    assert any(t.name.startswith("IoU") for t in lessons.TERMS)


def test_the_lessons_engine_never_imports_streamlit():
    import subprocess
    import sys

    code = "import sys, cvcore.lessons; assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


# Digits a note may hold outside its fields: parts of names, and the constants of the course's size formulas (the
# "+ 1" of floor((n - f) / s) + 1), not numbers about the state.
_NAMES_WITH_DIGITS = ("1x1", "LeNet-5", "VGG-16", "ResNet-50", "MobileNetV2", "1-D", "3-D", "2x up-sampling", "c_1",
                      "c_2", "c_3", "+ 1", "- 1)")


@pytest.mark.parametrize("page", sorted(MODULES))
def test_every_number_in_a_note_comes_from_its_fields_and_the_engine(page):
    settings = MODULES[page]
    for step in lessons.lessons_for(settings.NS).steps:
        literal = re.sub(r"\{[^{}]*\}", "", step.notice)  # the template less its fields
        for name in _NAMES_WITH_DIGITS:
            literal = literal.replace(name, "")
        assert not re.search(r"\d", literal), (step.title, literal)
        fields = lessons.note_fields(step.notice)
        if not fields:
            continue
        state = {**settings.defaults(), **step.settings}
        values = step.values(state)
        assert set(fields) <= set(values), (step.title, set(fields) - set(values))
        note = lessons.note(step.notice, values)
        assert "{" not in note, (step.title, note)
        # A field named after what a question asks is that question's answer for the step's state.
        for q in lessons.questions_for(settings.NS, state):
            if q.fact in values:  # as precise as the note writes it, within what the question accepts
                assert lessons.check_answer(q, values[q.fact]), (step.title, q.fact, values[q.fact], q.answer)


def test_a_note_hides_the_fields_of_open_questions_and_nothing_else():
    step = lessons.lessons_for("conv").steps[0]
    state = {**MODULES["labs/convolution/page.py"].defaults(), **step.settings}
    shown = lessons.note(step.notice, step.values(state))
    hidden = lessons.note(step.notice, step.values(state), {"out_side"})
    assert "output's side, 4" in shown and "output's side, ?" in hidden
    assert "6x6 input" in hidden and "-5" in hidden  # what is not asked stays


def test_the_lessons_notes_match_their_steps():
    """Volumes step 4 counts the filters of its own random bank; Architectures step 1 describes the network it shows
    and sets the layer calculator to that network's first convolution."""
    vol = lessons.lessons_for("vol").steps[3]
    values = vol.values({**MODULES["labs/volumes/page.py"].defaults(), **vol.settings})
    assert vol.settings["bank"] == "random" and values["k"] == 4 and values["params"] == (3 * 3 * 1 + 1) * 4 == 40
    arch = lessons.lessons_for("arch").steps[0]
    state = {**MODULES["labs/architectures/page.py"].defaults(), **arch.settings}
    note = lessons.note(arch.notice, arch.values(state))
    first = nn.Conv2d(3, 8, 5)(torch.zeros(1, 3, 32, 32))  # the course's LeNet-5-like network's first layer
    assert note.startswith(f"32x32x3 -> {_side(first)}x{_side(first)}x8 -> ")


def test_a_question_in_another_state_has_another_digest():
    a = lessons.questions_for("conv", {"src": "edge_6x6", "ksize": 3})[1]  # "How many multiplications ...?"
    b = lessons.questions_for("conv", {"src": "random", "n": 9, "ksize": 3, "dilation": 2})[1]
    assert a.prompt == b.prompt and a.answer != b.answer
    assert lessons.digest(a) != lessons.digest(b)
