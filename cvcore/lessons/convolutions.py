"""Lessons and questions of the convolution labs: convolution, pooling, volumes, 1x1/depthwise/separable,
transposed, dilated/1-D/3-D, and learning a filter."""

import torch

from cvcore.conv import (
    conv_cost,
    filter_bank,
    kernels,
    layer_parameters,
    output_size,
    same_padding,
    transpose_output_size,
)
from cvcore.lessons.base import LabLessons, Picker, Question, Step, register
from cvcore.teach import course, words

__all__ = ["conv_questions", "pool_questions", "volume_questions", "separable_questions", "transposed_questions",
           "dims_questions", "learn_questions"]


def _rows(grid_text: str) -> int:
    return max(1, len([r for r in str(grid_text).split("/") if r.strip()]))


def _input_side(s: dict, examples: dict) -> int:
    """The side of the lab's input: a course example's, a custom grid's rows, or the random grid's ``n``."""
    src = s.get("src")
    if src in examples:
        return len(examples[src].image)
    if src == "custom":
        return _rows(s.get("grid", ""))
    return int(s.get("n", 6))


def conv_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    n = _input_side(s, course.conv_examples()) if variant == 0 else pick.rng.randint(5, 12)
    f = (_rows(s.get("kgrid", "")) if s.get("kernel") == "custom" else int(s.get("ksize", 3))) if variant == 0 \
        else pick.rng.choice([1, 3, 5])
    stride, dilation = pick.int("stride", 1, 3), pick.int("dilation", 1, 2)
    mode = pick.choice("pad", ["valid", "same", "number"], "valid")
    if mode == "same":
        p = same_padding(f, dilation)[0] if f % 2 else 0
    else:
        p = 0 if mode == "valid" else pick.int("p", 0, 2)
    n = max(n, dilation * (f - 1) + 1 - 2 * p)  # the kernel must fit
    out = output_size(n, f, p, stride, dilation)
    span = dilation * (f - 1) + 1
    # A kernel two sizes up from the one on screen: its padding is not on screen yet (the one for f may be).
    odd_f = (f if f % 2 else f + 1) + 2
    same = same_padding(odd_f, dilation)[0]
    return [
        Question(f"{words.article(n, start=True)} {n}x{n} input, {words.article(f)} {f}x{f} kernel, padding p = {p}, stride s = {stride}, dilation d = {dilation}. "
                 "How many cells wide is the output?", out,
                 f"floor((n + 2p - d(f - 1) - 1) / s) + 1 = floor(({n} + {2 * p} - {span - 1} - 1) / {stride}) + 1 = {out}."),
        Question("How many multiplications does that layer's whole output take (one channel)?",
                 out * out * f * f, f"Every output cell multiplies {words.article(f)} {f}x{f} window: {out}² x {f * f} = {out * out * f * f}."),
        Question(f"Which padding p would keep the size of the input with a larger {odd_f}x{odd_f} kernel, dilation "
                 f"{dilation}, stride 1?",
                 same, f"'Same' padding is p = d(f - 1) / 2 = {dilation}·{odd_f - 1} / 2 = {same}: "
                       f"the output side n + 2p - d(f - 1) equals n."),
    ]


def pool_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    n = _input_side(s, course.pool_examples()) if variant == 0 else pick.rng.randint(4, 16)
    if variant == 0:  # the lab's own window
        f, stride = pick.int("size", 1, 4), pick.int("stride", 1, 4)
    else:  # a practice window as layers use them: at least 2x2, and no input cell skipped (s <= f)
        f = pick.rng.randint(2, 4)
        stride = pick.rng.randint(1, f)
    p = min(pick.int("padding", 0, 2), f // 2)  # PyTorch allows padding up to half the window
    n = max(n, f)
    c = pick.int("channels", 1, 4)
    out = output_size(n, f, p, stride)
    kind = pick.choice("kind", ["max", "avg"], "max")
    return [
        Question(f"{'Max' if kind == 'max' else 'Average'} pooling with f = {f}, s = {stride}, padding {p} on "
                 f"{words.article(n)} {n}x{n} map. How many cells wide is the output?", out,
                 f"The same formula as a convolution: floor((n + 2p - f) / s) + 1 = "
                 f"floor(({n} + {2 * p} - {f}) / {stride}) + 1 = {out}."),
        Question(f"The input has {words.count(c, 'channel')} of {n}x{n}. How many numbers does the pooled output hold?", out * out * c,
                 f"Pooling works on every channel separately and keeps their number: {out} x {out} x {c} = {out * out * c}."),
        Question(f"How many input numbers does one output number of this {f}x{f} pooling summarise?", f * f,
                 f"One {f}x{f} window of one channel: {f} x {f} = {f * f}. Pooling never mixes channels, and it "
                 "learns nothing: f and s are fixed by hand."),
    ]


def volume_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    n, c = pick.int("n", 3, 12), pick.int("channels", 1, 4)
    if variant == 0 and s.get("src") == "photo":
        c = 3  # the lab's photo crop is RGB
    f, k = pick.int("f", 1, 5), pick.int("k", 1, 4)
    bank = s.get("bank", "random") if variant == 0 else "random"
    if bank in ("colour_edges", "brightness_edges"):  # ready-made banks: their own number and size of filters
        k, _, f, _ = filter_bank(bank, c).shape
    stride, p = pick.int("stride", 1, 3), pick.int("padding", 0, 2)
    if variant:  # practice: no input cell skipped (s <= f), and no more padding than 'same' needs
        stride, p = min(stride, f), min(p, f // 2)
    n = max(n, f - 2 * p)
    out = output_size(n, f, p, stride)
    params = layer_parameters(f, c, k)
    return [
        Question(f"{words.article(n, start=True)} {n}x{n}x{c} input, {k} filters of {f}x{f}x{c}, stride {stride}, padding {p}. "
                 "How many cells wide is each output map?", out,
                 f"floor((n + 2p - f) / s) + 1 = floor(({n} + {2 * p} - {f}) / {stride}) + 1 = {out}; the output is "
                 f"{out}x{out}x{k}: one map per filter."),
        Question(f"How many learnable parameters do those {k} filters of {f}x{f}x{c} have, with one bias each?", params,
                 f"(f x f x n_C + 1) x filters = ({f}·{f}·{c} + 1) x {k} = {params}, whatever the size of the input."),
    ]


def separable_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    c, k, f, n = pick.int("c", 1, 8), pick.int("k", 1, 8), pick.int("f", 1, 5), pick.int("n", 3, 8)
    n = max(n, f)
    op = pick.choice("op", ["pointwise", "depthwise", "separable", "grouped"], "pointwise")
    if op == "grouped":
        g = pick.int("g", 1, 8)
        while c % g or k % g:
            g -= 1
        cost = conv_cost(n, n, c, k, f, groups=g, bias=False)
        what, why = (f"a grouped convolution ({g} groups) from {c} to {k} channels with {f}x{f} filters",
                     f"each of the {k} filters sees {c}/{g} = {c // g} channels: {f}·{f}·{c // g} x {k}")
    elif op == "depthwise":
        cost = conv_cost(n, n, c, c, f, kind="depthwise", bias=False)
        what, why = f"a depthwise {f}x{f} convolution of {c} channels", f"one {f}x{f} filter per channel: {f}·{f} x {c}"
    elif op == "separable":
        cost = conv_cost(n, n, c, k, f, kind="depthwise_separable", bias=False)
        what, why = (f"a depthwise-separable convolution ({f}x{f} depthwise, then 1x1) from {c} to {k} channels",
                     f"depthwise {f}·{f} x {c} plus pointwise {c} x {k}")
    else:
        cost = conv_cost(n, n, c, k, 1, kind="pointwise", bias=False)
        what, why = f"a 1x1 convolution from {c} to {k} channels", f"one weight per input channel per filter: {c} x {k}"
    h, cin, cout, kf = pick.int("h", 4, 64), pick.int("cin", 1, 64), pick.int("cout", 1, 256), pick.int("kf", 1, 7)
    h = max(h, kf)
    standard = conv_cost(h, h, cin, cout, kf)
    separable = conv_cost(h, h, cin, cout, kf, kind="depthwise_separable")
    side = standard.output_shape[0]
    return [
        Question(f"How many weights (no bias) has {what}?", cost.parameters, f"{why} = {cost.parameters}."),
        Question(f"{words.article(h, start=True)} {h}x{h}x{cin} input, {cout} filters of {kf}x{kf} (no padding). How many multiplications does the "
                 "depthwise-separable version take?", separable.multiplications,
                 f"Depthwise: {side}·{side} positions x {kf}·{kf} x {cin} channels = {side * side * kf * kf * cin}; "
                 f"pointwise: {side}·{side} x {cin} x {cout} = {side * side * cin * cout}; in all "
                 f"{separable.multiplications}, against {standard.multiplications} for the standard layer."),
    ]


_TCONV_KERNEL_SIDES = {"ones2": 2, "ones3": 3, "bilinear": 4, "vertical_edge": 3}


def transposed_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    if variant == 0:
        src = s.get("src", "two_by_two")
        n = 2 if src == "two_by_two" else _rows(s.get("grid", "")) if src == "custom" else int(s.get("n", 3))
        kernel = s.get("kernel", "ones3")
        f = _TCONV_KERNEL_SIDES.get(kernel) or _rows(s.get("kgrid", ""))
    else:
        n, f = pick.rng.randint(2, 5), pick.rng.choice([2, 3, 4])
    stride, dilation = pick.int("stride", 1, 3), pick.int("dilation", 1, 2)
    p = pick.int("padding", 0, 2)
    out_pad = min(pick.int("out_pad", 0, 3), max(stride, dilation) - 1)
    p = min(p, (dilation * (f - 1) + (n - 1) * stride + out_pad) // 2)  # keep the output at least one cell
    out = transpose_output_size(n, f, p, stride, dilation, out_pad)
    stuffed = (n - 1) * stride + 1
    return [
        Question(f"A transposed convolution: {n}x{n} input, {f}x{f} kernel, stride {stride}, padding {p}, "
                 f"output padding {out_pad}, dilation {dilation}. How many cells wide is the output?", out,
                 f"(n - 1)s - 2p + d(f - 1) + output_padding + 1 = ({n} - 1)·{stride} - {2 * p} + {dilation}·{f - 1} "
                 f"+ {out_pad} + 1 = {out}."),
        Question(f"With stride {stride}, {words.count(stride - 1, 'zero')} {'goes' if stride == 2 else 'go'} between neighbouring cells of the {n}x{n} input. "
                 "How wide is the stuffed grid before the kernel slides over it?", stuffed,
                 f"{n} cells and {n - 1} gaps of {stride - 1}: (n - 1)s + 1 = {stuffed}."),
    ]


def dims_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    f, d, layers = pick.int("f", 2, 5), pick.int("d", 1, 4), pick.int("layers", 1, 6)
    span = d * (f - 1) + 1
    seen = 1 + layers * d * (f - 1)
    volume = 14 if variant == 0 else pick.rng.choice([10, 12, 14, 16])
    f3 = 5 if variant == 0 else pick.rng.choice([3, 5])
    out3 = output_size(volume, f3)
    return [
        Question(f"{words.article(f, start=True)} {f}x{f} kernel with dilation {d}: how many cells wide is the window it sees?", span,
                 f"d(f - 1) + 1 = {d}·{f - 1} + 1 = {span}, with still only {f * f} weights."),
        Question(f"{layers} stacked {f}x{f} convolutions, each with dilation {d} and stride 1: how many input cells "
                 "(per side) does one output cell depend on?", seen,
                 f"Each layer adds d(f - 1) = {d * (f - 1)} cells: 1 + {layers}·{d * (f - 1)} = {seen}."),
        Question(f"{words.article(f3, start=True)} {f3}x{f3}x{f3} 3-D filter slides over {words.article(volume)} {volume}x{volume}x{volume} volume (no padding, stride 1). "
                 "How many cells along each side has the output?", out3,
                 f"The same formula in every dimension: {volume} - {f3} + 1 = {out3}."),
    ]


_LEARN_TARGETS = ("sobel_x", "sobel_y", "scharr_x", "vertical_edge", "horizontal_edge", "laplacian", "sharpen", "emboss")


def _target_kernel(name: str, grid_text: str) -> torch.Tensor:
    if name == "custom":
        rows = [[float(v) for v in r.replace(",", " ").split()] for r in grid_text.split("/") if r.strip()]
        return torch.tensor(rows, dtype=torch.float64)
    return kernels.make_kernel(name, 3)


def learn_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    size = pick.choice("size", [48, 64, 96, 128], 96)
    name = pick.choice("target", [*_LEARN_TARGETS, "custom"] if variant == 0 else _LEARN_TARGETS, "sobel_x")
    try:
        target = _target_kernel(name, str(s.get("tgrid", "")))
    except ValueError:
        name, target = "sobel_x", kernels.make_kernel("sobel_x", 3)
    total = float(target.sum())
    out = output_size(size, target.shape[0])
    label = "your kernel" if name == "custom" else name
    return [
        Question(f"The target is {label} ({'; '.join(' '.join(f'{v:g}' for v in r) for r in target.tolist())}). "
                 "What does it output on a flat patch where every pixel is 1?", round(total, 4),
                 f"On a flat patch the output is the sum of the weights: {total:g}. Edge detectors sum to 0, so flat "
                 "regions give 0 and only changes in brightness light up.", tolerance=1e-3),
        Question(f"The learner's {target.shape[0]}x{target.shape[1]} kernel slides over the {size}x{size} photo without "
                 "padding. How many cells wide is the output that gradient descent compares with the target's?", out,
                 f"n - f + 1 = {size} - {target.shape[0]} + 1 = {out}; the loss is the mean squared difference over "
                 f"those {out * out} cells."),
        Question("How many numbers does gradient descent adjust to learn the filter?", int(target.numel()),
                 f"The {target.shape[0]}x{target.shape[1]} weights: {target.numel()} (the lab learns no bias)."),
    ]


register(LabLessons("conv", "Convolution", (
    Step("The course's edge example", {"src": "edge_6x6", "kernel": "vertical_edge", "ksize": 3, "step": 1},
         "The first output cell is 3×1 + 1×1 + 2×1 + ... = -5: element-wise products, added up. 6x6 with 3x3 gives 4x4."),
    Step("Where the edge is", {"src": "bright_dark", "kernel": "vertical_edge", "ksize": 3, "step": 1},
         "Bright on the left, dark on the right: the middle columns of the output are 30, the flat parts 0. "
         "The filter answers 'is there a vertical edge here?'"),
    Step("Padding keeps the size", {"src": "edge_6x6", "pad": "same", "step": 1},
         "With 'same' padding (p = 1 for f = 3) the 6x6 input gives a 6x6 output: the border pixels count as often "
         "as the others."),
    Step("Stride skips positions", {"src": "stride_7x7", "kernel": "custom", "kgrid": "3,4,4/1,0,2/-1,0,3",
                                    "stride": 2, "step": 1},
         "Stride 2 on a 7x7 input: floor((7 - 3) / 2) + 1 = 3, so a 3x3 output. The kernel jumps two cells at a time."),
    Step("Dilation spreads the kernel", {"src": "random", "n": 9, "dilation": 2, "step": 1},
         "Dilation 2 spreads the 9 weights over a 5x5 window: 9 - 5 + 1 = 5, so the 9x9 input gives 5x5."),
), conv_questions))

register(LabLessons("pool", "Pooling", (
    Step("Max pooling", {"src": "max_4x4", "kind": "max", "size": 2, "stride": 2, "step": 1},
         "Each 2x2 window keeps its largest value: 9 2 / 6 3. A 4x4 map becomes 2x2."),
    Step("Average pooling", {"src": "avg_4x4", "kind": "avg", "size": 2, "stride": 2, "step": 1},
         "The same windows, the mean instead of the maximum: the output is smoother."),
    Step("Overlapping windows", {"src": "max_5x5_f3", "kind": "max", "size": 3, "stride": 1, "step": 1},
         "f = 3, s = 1: windows overlap and a 5x5 map becomes 3x3; the largest value shows up in several windows."),
    Step("Channels stay separate", {"src": "random", "n": 6, "channels": 3, "kind": "max", "size": 2, "stride": 2},
         "Three channels in, three channels out: pooling never mixes channels and has no weights to learn."),
), pool_questions))

register(LabLessons("vol", "Convolution over volumes", (
    Step("An RGB input, two filters", {"src": "random", "n": 5, "channels": 3, "k": 2, "f": 3},
         "Each filter is 3x3x3: it spans all the input's channels, and gives one 3x3 map. Two filters: 3x3x2."),
    Step("Colour edges", {"src": "random", "bank": "colour_edges", "k": 2},
         "Filters that weight the red and blue channels differently respond to edges between colours."),
    Step("Stride and padding", {"src": "random", "n": 7, "stride": 2, "padding": 1, "k": 3},
         "floor((7 + 2 - 3) / 2) + 1 = 4: a 4x4x3 output. Depth in = channels of the input; depth out = number of filters."),
    Step("One channel only", {"src": "random", "channels": 1, "k": 4, "f": 3},
         "With one input channel each filter has 3·3·1 + 1 = 10 parameters; four filters have 40."),
), volume_questions))

register(LabLessons("sep", "1x1, depthwise and separable", (
    Step("A 1x1 convolution", {"op": "pointwise", "c": 4, "k": 2},
         "A 1x1 convolution mixes channels at each pixel: 4 channels in, 2 out, 4 x 2 = 8 weights; the size stays."),
    Step("Depthwise", {"op": "depthwise", "c": 4, "f": 3},
         "One 3x3 filter per channel: 4 channels in, 4 out, 36 weights; nothing flows between channels."),
    Step("Depthwise-separable", {"op": "separable", "c": 4, "k": 2, "f": 3},
         "Depthwise 3x3, then 1x1: 36 + 8 weights instead of 3·3·4·2 = 72 for a standard convolution."),
    Step("The course's cost example", {"preset": "course_separable"},
         "12x12x3 to 8x8x256 with 5x5 filters: 1,228,800 multiplications, against 53,952 for the separable version."),
    Step("The Inception bottleneck", {"preset": "course_inception"},
         "A 1x1 bottleneck to 16 channels before the 5x5 convolution cuts the cost about tenfold."),
), separable_questions))

register(LabLessons("tconv", "Transposed convolution", (
    Step("A 2x2 input grows", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "padding": 0, "view": "stuffed"},
         "Zeros go between the cells (stride 2), then a 3x3 kernel slides: (2 - 1)·2 + 3 = 5, a 5x5 output."),
    Step("Stamping kernels", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "view": "scatter"},
         "The same result seen the other way: each input cell stamps a scaled copy of the kernel; overlaps add up."),
    Step("Padding trims", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "padding": 1},
         "In a transposed convolution padding removes border cells: (2 - 1)·2 - 2 + 3 = 3."),
    Step("Smooth 2x up-sampling", {"src": "random", "n": 3, "kernel": "bilinear", "stride": 2, "padding": 1},
         "A 4x4 bilinear kernel with s = 2, p = 1 doubles the size exactly: 3x3 becomes 6x6, without a checkerboard."),
), transposed_questions))

register(LabLessons("dims", "Dilated, 1-D and 3-D", (
    Step("Holes in the kernel", {"part": "dilation", "f": 3, "d": 2, "layers": 3},
         "9 weights spread 2 apart see a 5x5 window; three such layers see 13 cells per side."),
    Step("Growing the dilation", {"part": "dilation", "f": 3, "d": 4, "layers": 4},
         "With d = 4 one layer sees 9x9; the table compares doubling the dilation layer by layer."),
    Step("A 1-D signal", {"part": "1d", "signal": "heartbeat", "k1": "edge"},
         "A 1-D kernel slides along time: an edge kernel 1, 0, -1 marks where the heartbeat rises and falls."),
    Step("A 3-D volume", {"part": "3d", "k3": "edge", "depth": 5},
         "A 5x5x5 filter slides in depth too: 14x14x14 gives 10x10x10, then 6x6x6 after the second layer."),
), dims_questions))

register(LabLessons("learn", "Learning a filter", (
    Step("Learn Sobel x", {"target": "sobel_x", "opt": "sgd", "lr": 0.1, "steps": 300},
         "Press Train: from random numbers, plain gradient descent finds 1 0 -1 / 2 0 -2 / 1 0 -1 by itself."),
    Step("Too large a step", {"target": "sobel_x", "opt": "sgd", "lr": 2.0, "steps": 100},
         "A learning rate twenty times larger: watch whether the loss still falls smoothly, or jumps as the "
         "steps overshoot."),
    Step("Adam", {"target": "laplacian", "opt": "adam", "lr": 0.1, "steps": 300},
         "Adam scales each weight's step by its own history; compare its loss curve with plain SGD's."),
    Step("Another photo, smaller", {"target": "sharpen", "pic": "coins", "size": 64},
         "The filter is learned from a small photo: any image with enough edges pins all nine numbers down."),
), learn_questions))
