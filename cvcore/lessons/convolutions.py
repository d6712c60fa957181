"""Lessons and questions of the convolution labs: convolution, pooling, volumes, 1x1/depthwise/separable,
transposed, dilated/1-D/3-D, and learning a filter."""

import torch

from cvcore.conv import (
    bottleneck_cost,
    conv_cost,
    conv_trace,
    filter_bank,
    format_number,
    kernels,
    layer_parameters,
    output_size,
    same_padding,
    transpose_output_size,
)
from cvcore.conv.pooling import pool_trace
from cvcore.lessons.base import LabLessons, Picker, Question, Step, register
from cvcore.teach import course

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
        Question(f"A {n}x{n} input, a {f}x{f} kernel, padding p = {p}, stride s = {stride}, dilation d = {dilation}. "
                 "How many cells wide is the output?", out,
                 f"floor((n + 2p - d(f - 1) - 1) / s) + 1 = floor(({n} + {2 * p} - {span - 1} - 1) / {stride}) + 1 = {out}.", fact="out_side"),
        Question("How many multiplications does that layer's whole output take (one channel)?",
                 out * out * f * f, f"Every output cell multiplies a {f}x{f} window: {out}² x {f * f} = {out * out * f * f}.", fact="mults"),
        Question(f"Which padding p would keep the size of the input with a larger {odd_f}x{odd_f} kernel, dilation "
                 f"{dilation}, stride 1?",
                 same, f"'Same' padding is p = d(f - 1) / 2 = {dilation}·{odd_f - 1} / 2 = {same}: "
                       f"the output side n + 2p - d(f - 1) equals n.", fact="same_pad"),
    ]


def pool_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    n = _input_side(s, course.pool_examples()) if variant == 0 else pick.rng.randint(4, 16)
    f, stride = pick.int("size", 1, 4), pick.int("stride", 1, 4)
    p = min(pick.int("padding", 0, 2), f // 2)  # PyTorch allows padding up to half the window
    n = max(n, f)
    c = pick.int("channels", 1, 4)
    out = output_size(n, f, p, stride)
    kind = pick.choice("kind", ["max", "avg"], "max")
    return [
        Question(f"{'Max' if kind == 'max' else 'Average'} pooling with f = {f}, s = {stride}, padding {p} on a "
                 f"{n}x{n} map. How many cells wide is the output?", out,
                 f"The same formula as a convolution: floor((n + 2p - f) / s) + 1 = "
                 f"floor(({n} + {2 * p} - {f}) / {stride}) + 1 = {out}.", fact="out_side"),
        Question(f"The input has {c} channel(s) of {n}x{n}. How many numbers does the pooled output hold?", out * out * c,
                 f"Pooling works on every channel separately and keeps their number: {out} x {out} x {c} = {out * out * c}.", fact="out_count"),
        Question(f"How many input numbers does one output number of this {f}x{f} pooling summarise?", f * f,
                 f"One {f}x{f} window of one channel: {f} x {f} = {f * f}. Pooling never mixes channels, and it "
                 "learns nothing: f and s are fixed by hand.", fact="window_count"),
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
    n = max(n, f - 2 * p)
    out = output_size(n, f, p, stride)
    params = layer_parameters(f, c, k)
    return [
        Question(f"A {n}x{n}x{c} input, {k} filters of {f}x{f}x{c}, stride {stride}, padding {p}. "
                 "How many cells wide is each output map?", out,
                 f"floor((n + 2p - f) / s) + 1 = floor(({n} + {2 * p} - {f}) / {stride}) + 1 = {out}; the output is "
                 f"{out}x{out}x{k}: one map per filter.", fact="out_side"),
        Question(f"How many learnable parameters do those {k} filters of {f}x{f}x{c} have, with one bias each?", params,
                 f"(f x f x n_C + 1) x filters = ({f}·{f}·{c} + 1) x {k} = {params}, whatever the size of the input.", fact="params"),
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
        Question(f"How many weights (no bias) has {what}?", cost.parameters, f"{why} = {cost.parameters}.", fact="weights"),
        Question(f"A {h}x{h}x{cin} input, {cout} filters of {kf}x{kf} (no padding). How many multiplications does the "
                 "depthwise-separable version take?", separable.multiplications,
                 f"Depthwise: {side}·{side} positions x {kf}·{kf} x {cin} channels = {side * side * kf * kf * cin}; "
                 f"pointwise: {side}·{side} x {cin} x {cout} = {side * side * cin * cout}; in all "
                 f"{separable.multiplications}, against {standard.multiplications} for the standard layer.", fact="sep_mults"),
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
                 f"+ {out_pad} + 1 = {out}.", fact="out_side"),
        Question(f"With stride {stride}, {stride - 1} zero(s) go between neighbouring cells of the {n}x{n} input. "
                 "How wide is the stuffed grid before the kernel slides over it?", stuffed,
                 f"{n} cells and {n - 1} gaps of {stride - 1}: (n - 1)s + 1 = {stuffed}.", fact="stuffed_side"),
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
        Question(f"A {f}x{f} kernel with dilation {d}: how many cells wide is the window it sees?", span,
                 f"d(f - 1) + 1 = {d}·{f - 1} + 1 = {span}, with still only {f * f} weights.", fact="window_side"),
        Question(f"{layers} stacked {f}x{f} convolutions, each with dilation {d} and stride 1: how many input cells "
                 "(per side) does one output cell depend on?", seen,
                 f"Each layer adds d(f - 1) = {d * (f - 1)} cells: 1 + {layers}·{d * (f - 1)} = {seen}.", fact="seen_side"),
        Question(f"A {f3}x{f3}x{f3} 3-D filter slides over a {volume}x{volume}x{volume} volume (no padding, stride 1). "
                 "How many cells along each side has the output?", out3,
                 f"The same formula in every dimension: {volume} - {f3} + 1 = {out3}.", fact="out3_side"),
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
                 "regions give 0 and only changes in brightness light up.", tolerance=1e-3, fact="flat_output"),
        Question(f"The learner's {target.shape[0]}x{target.shape[1]} kernel slides over the {size}x{size} photo without "
                 "padding. How many cells wide is the output that gradient descent compares with the target's?", out,
                 f"n - f + 1 = {size} - {target.shape[0]} + 1 = {out}; the loss is the mean squared difference over "
                 f"those {out * out} cells.", fact="out_side"),
        Question("How many numbers does gradient descent adjust to learn the filter?", int(target.numel()),
                 f"The {target.shape[0]}x{target.shape[1]} weights: {target.numel()} (the lab learns no bias).", fact="weights"),
    ]


def _facts(questions: list[Question]) -> dict:
    """What the questions about a state ask, by fact: the numbers a note names that a question may be waiting on."""
    return {q.fact: q.answer for q in questions if q.fact}


def _grid_text(grid: torch.Tensor) -> str:
    return " / ".join(" ".join(f"{v:g}" for v in row) for row in grid.tolist())


def _conv_notes(s: dict) -> dict:
    """The Convolution lab's numbers at state ``s``: input and kernel sides, padding, the output's side and its first
    cell, and the dilated window's width."""
    examples = course.conv_examples()
    f = _rows(s.get("kgrid", "")) if s.get("kernel") == "custom" else int(s.get("ksize", 3))
    d = int(s.get("dilation", 1))
    values = {"n": _input_side(s, examples), "f": f, "stride": int(s.get("stride", 1)), "d": d,
              "p": same_padding(f, d)[0], "weights": f * f, "span": d * (f - 1) + 1, **_facts(conv_questions(s))}
    if s.get("src") in examples:
        ex = examples[s["src"]]
        out = conv_trace(torch.tensor(ex.image, dtype=torch.float64), torch.tensor(ex.kernel, dtype=torch.float64),
                         stride=int(ex.stride)).output
        values |= {"first": format_number(out[0, 0]), "edge": format_number(out.max()), "flat": format_number(out.min())}
    return values


def _pool_notes(s: dict) -> dict:
    examples = course.pool_examples()
    values = {"n": _input_side(s, examples), "f": int(s.get("size", 2)), "stride": int(s.get("stride", 2)),
              "channels": int(s.get("channels", 1)), **_facts(pool_questions(s))}
    if s.get("src") in examples:
        trace = pool_trace(torch.tensor(examples[s["src"]].image, dtype=torch.float64), kind=s.get("kind", "max"),
                           size=values["f"], stride=values["stride"])
        values["pooled"] = _grid_text(trace.output)
    return values


def _volume_notes(s: dict) -> dict:
    c = int(s.get("channels", 3))
    bank = s.get("bank", "random")
    k, f = (filter_bank(bank, c).shape[0], filter_bank(bank, c).shape[2]) if bank != "random" else \
        (int(s.get("k", 2)), int(s.get("f", 3)))
    return {"n": int(s.get("n", 5)), "c": c, "k": k, "f": f, "two_p": 2 * int(s.get("padding", 0)),
            "stride": int(s.get("stride", 1)), "per_filter": f * f * c + 1, **_facts(volume_questions(s))}


def _separable_notes(s: dict) -> dict:
    c, k, f = int(s.get("c", 4)), int(s.get("k", 2)), int(s.get("f", 3))
    h, cin, cout, kf = (int(s.get(name, 1)) for name in ("h", "cin", "cout", "kf"))
    pad, mid = int(s.get("pad", 0)), int(s.get("mid", 16))
    standard = conv_cost(h, h, cin, cout, kf, padding=pad)
    bottleneck = bottleneck_cost(h, h, cin, mid, cout, kf, padding=pad)
    side = standard.output_shape[0]
    return {"c": c, "k": k, "f": f, "standard": conv_cost(5, 5, c, k, f, bias=False).parameters,
            "h": h, "cin": cin, "cout": cout, "kf": kf, "side": side, "mid": mid,
            "standard_mults": standard.multiplications,
            "fold": round(standard.multiplications / bottleneck.multiplications), **_facts(separable_questions(s))}


def _transposed_notes(s: dict) -> dict:
    n = 2 if s.get("src", "two_by_two") == "two_by_two" else int(s.get("n", 3))
    return {"n": n, "f": _TCONV_KERNEL_SIDES.get(s.get("kernel", "ones3"), 3), "stride": int(s.get("stride", 2)),
            "p": int(s.get("padding", 0)), "two_p": 2 * int(s.get("padding", 0)), **_facts(transposed_questions(s))}


def _dims_notes(s: dict) -> dict:
    f, d = int(s.get("f", 3)), int(s.get("d", 1))
    volume, f3 = 14, 5  # the course's 3-D example, which the lab's table and its random filter follow
    first = output_size(volume, f3)
    return {"f": f, "d": d, "layers": int(s.get("layers", 3)), "weights": f * f, "volume": volume, "f3": f3,
            "second": output_size(first, f3), "edge": ", ".join(f"{v:g}" for v in _EDGE_1D),
            **_facts(dims_questions(s))}


_EDGE_1D = (1.0, 0.0, -1.0)  # the 1-D edge kernel of the Dilated lab


def _learn_notes(s: dict) -> dict:
    name = s.get("target", "sobel_x")
    target = _target_kernel(name, str(s.get("tgrid", "")))
    return {"target": _grid_text(target), "lr": float(s.get("lr", 0.1)), **_facts(learn_questions(s))}


register(LabLessons("conv", "Convolution", (
    Step("The course's edge example", {"src": "edge_6x6", "kernel": "vertical_edge", "ksize": 3, "step": 1},
         "The first output cell adds up the window's element-wise products: {first}. Count the positions the "
         "{f}x{f} kernel fits in along the {n}x{n} input: that is the output's side, {out_side}.", _conv_notes),
    Step("Where the edge is", {"src": "bright_dark", "kernel": "vertical_edge", "ksize": 3, "step": 1},
         "Bright on the left, dark on the right: the middle columns of the output are {edge}, the flat parts {flat}. "
         "The filter answers 'is there a vertical edge here?'", _conv_notes),
    Step("Padding keeps the size", {"src": "edge_6x6", "kernel": "vertical_edge", "ksize": 3, "pad": "same", "step": 1},
         "With 'same' padding (p = {p} for f = {f}) the {n}x{n} input gives an output {out_side} cells wide: the "
         "border pixels count as often as the others.", _conv_notes),
    Step("Stride skips positions", {"src": "stride_7x7", "kernel": "custom", "kgrid": "3,4,4/1,0,2/-1,0,3",
                                    "stride": 2, "step": 1},
         "Stride {stride} on a {n}x{n} input: the kernel jumps {stride} cells at a time, so the output is "
         "floor(({n} - {f}) / {stride}) + 1 = {out_side} cells wide.", _conv_notes),
    Step("Dilation spreads the kernel", {"src": "random", "n": 9, "ksize": 3, "dilation": 2, "step": 1},
         "Dilation {d} spreads the {weights} weights over a {span}x{span} window: the {n}x{n} input gives an output "
         "{n} - {span} + 1 = {out_side} cells wide.", _conv_notes),
), conv_questions))

register(LabLessons("pool", "Pooling", (
    Step("Max pooling", {"src": "max_4x4", "kind": "max", "size": 2, "stride": 2, "step": 1},
         "Each {f}x{f} window keeps its largest value: {pooled}. The {n}x{n} map shrinks to an output {out_side} "
         "cells wide.", _pool_notes),
    Step("Average pooling", {"src": "avg_4x4", "kind": "avg", "size": 2, "stride": 2, "step": 1},
         "The same windows, the mean instead of the maximum: the output is smoother."),
    Step("Overlapping windows", {"src": "max_5x5_f3", "kind": "max", "size": 3, "stride": 1, "step": 1},
         "f = {f}, s = {stride}: windows overlap and the {n}x{n} map gives an output {out_side} cells wide; the "
         "largest value shows up in several windows.", _pool_notes),
    Step("Channels stay separate", {"src": "random", "n": 6, "channels": 3, "kind": "max", "size": 2, "stride": 2},
         "{channels} channels in, {channels} channels out: pooling never mixes channels and has no weights to learn.",
         _pool_notes),
), pool_questions))

register(LabLessons("vol", "Convolution over volumes", (
    Step("An RGB input, two filters", {"src": "random", "n": 5, "channels": 3, "bank": "random", "k": 2, "f": 3},
         "Each filter is {f}x{f}x{c}: it spans all the input's channels and gives one map, {out_side} cells wide. "
         "{k} filters give {k} maps.", _volume_notes),
    Step("Colour edges", {"src": "random", "channels": 3, "bank": "colour_edges"},
         "Filters that weight the red and blue channels differently respond to edges between colours."),
    Step("Stride and padding", {"src": "random", "n": 7, "channels": 3, "bank": "random", "f": 3, "stride": 2,
                                "padding": 1, "k": 3},
         "floor(({n} + {two_p} - {f}) / {stride}) + 1 = {out_side}: each of the {k} maps is {out_side} cells wide. "
         "Depth in = channels of the input; depth out = number of filters.", _volume_notes),
    Step("One channel only", {"src": "random", "channels": 1, "bank": "random", "k": 4, "f": 3},
         "With one input channel each filter has {f}·{f}·{c} + 1 = {per_filter} parameters; {k} filters have "
         "{params}.", _volume_notes),
), volume_questions))

register(LabLessons("sep", "1x1, depthwise and separable", (
    Step("A 1x1 convolution", {"op": "pointwise", "c": 4, "k": 2},
         "A 1x1 convolution mixes channels at each pixel: {c} channels in, {k} out, {c} x {k} = {weights} weights; "
         "the size stays.", _separable_notes),
    Step("Depthwise", {"op": "depthwise", "c": 4, "f": 3},
         "One {f}x{f} filter per channel: {c} channels in, {c} out, {weights} weights; nothing flows between "
         "channels.", _separable_notes),
    Step("Depthwise-separable", {"op": "separable", "c": 4, "k": 2, "f": 3},
         "Depthwise {f}x{f}, then 1x1: {weights} weights instead of {f}·{f}·{c}·{k} = {standard} for a standard "
         "convolution.", _separable_notes),
    Step("The course's cost example", {"preset": "course_separable", "h": 12, "w": 12, "cin": 3, "cout": 256, "kf": 5,
                                       "pad": 0, "mid": 16, "cg": 1},
         "{h}x{h}x{cin} to {side}x{side}x{cout} with {kf}x{kf} filters: {standard_mults} multiplications, against "
         "{sep_mults} for the separable version.", _separable_notes),
    Step("The Inception bottleneck", {"preset": "course_inception", "h": 28, "w": 28, "cin": 192, "cout": 32,
                                      "kf": 5, "pad": 2, "mid": 16, "cg": 1},
         "A 1x1 bottleneck to {mid} channels before the {kf}x{kf} convolution cuts the cost about {fold}-fold.",
         _separable_notes),
), separable_questions))

register(LabLessons("tconv", "Transposed convolution", (
    Step("A 2x2 input grows", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "padding": 0, "view": "stuffed"},
         "Zeros go between the cells (stride {stride}), then a {f}x{f} kernel slides: ({n} - 1)·{stride} + {f} = "
         "{out_side}, the output's side.", _transposed_notes),
    Step("Stamping kernels", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "padding": 0, "view": "scatter"},
         "The same result seen the other way: each input cell stamps a scaled copy of the kernel; overlaps add up."),
    Step("Padding trims", {"src": "two_by_two", "kernel": "ones3", "stride": 2, "padding": 1},
         "In a transposed convolution padding removes border cells: ({n} - 1)·{stride} - {two_p} + {f} = {out_side}.",
         _transposed_notes),
    Step("Smooth 2x up-sampling", {"src": "random", "n": 3, "kernel": "bilinear", "stride": 2, "padding": 1},
         "A {f}x{f} bilinear kernel with s = {stride}, p = {p} doubles the size exactly: the {n}x{n} input gives an "
         "output {out_side} cells wide, without a checkerboard.", _transposed_notes),
), transposed_questions))

register(LabLessons("dims", "Dilated, 1-D and 3-D", (
    Step("Holes in the kernel", {"part": "dilation", "f": 3, "d": 2, "layers": 3},
         "{weights} weights spread {d} apart see a window {window_side} cells wide; {layers} such layers see {seen_side} cells "
         "per side.", _dims_notes),
    Step("Growing the dilation", {"part": "dilation", "f": 3, "d": 4, "layers": 4},
         "With d = {d} one layer sees a window {window_side} cells wide; the table compares doubling the dilation layer by "
         "layer.", _dims_notes),
    Step("A 1-D signal", {"part": "1d", "signal": "heartbeat", "k1": "edge"},
         "A 1-D kernel slides along time: an edge kernel {edge} marks where the heartbeat rises and falls.",
         _dims_notes),
    Step("A 3-D volume", {"part": "3d", "k3": "random", "depth": 5},
         "A {f3}x{f3}x{f3} filter slides in depth too: the {volume}x{volume}x{volume} volume gives an output {out3_side} "
         "cells along each side, then {second} after the second layer.", _dims_notes),
), dims_questions))

register(LabLessons("learn", "Learning a filter", (
    Step("Learn Sobel x", {"target": "sobel_x", "opt": "sgd", "lr": 0.1, "steps": 300},
         "Press Train: from random numbers, plain gradient descent finds {target} by itself.", _learn_notes),
    Step("Too large a step", {"target": "sobel_x", "opt": "sgd", "lr": 2.0, "steps": 100},
         "A learning rate of {lr}, twenty times larger: watch whether the loss still falls smoothly, or jumps as "
         "the steps overshoot.", _learn_notes),
    Step("Adam", {"target": "laplacian", "opt": "adam", "lr": 0.1, "steps": 300},
         "Adam scales each weight's step by its own history; compare its loss curve with plain SGD's."),
    Step("Another photo, smaller", {"target": "sharpen", "pic": "coins", "size": 64},
         "The filter is learned from a small photo: any image with enough edges pins all {weights} numbers down.",
         _learn_notes),
), learn_questions))
