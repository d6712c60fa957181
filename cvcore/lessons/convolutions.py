"""Lessons and questions of the first convolution labs: convolution, pooling, volumes, and 1x1/depthwise/separable
(the transposed, dilated and learning-a-filter labs are in ``conv_variants``)."""

import torch

from cvcore.conv import (
    bottleneck_cost,
    conv_cost,
    conv_trace,
    filter_bank,
    format_number,
    layer_parameters,
    output_size,
    same_padding,
)
from cvcore.conv.pooling import pool_trace
from cvcore.lessons.base import LabLessons, Picker, Question, Step, answers, register
from cvcore.teach import course, words

__all__ = ["conv_questions", "pool_questions", "volume_questions", "separable_questions"]


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
                 f"floor((n + 2p - d(f - 1) - 1) / s) + 1 = floor(({n} + {2 * p} - {span - 1} - 1) / {stride}) + 1 = {out}.", fact="out_side"),
        Question("How many multiplications does that layer's whole output take (one channel)?",
                 out * out * f * f, f"Every output cell multiplies {words.article(f)} {f}x{f} window: {out}² x {f * f} = {out * out * f * f}.", fact="mults"),
        Question(f"Which padding p would keep the size of the input with a larger {odd_f}x{odd_f} kernel, dilation "
                 f"{dilation}, stride 1?",
                 same, f"'Same' padding is p = d(f - 1) / 2 = {dilation}·{odd_f - 1} / 2 = {same}: "
                       f"the output side n + 2p - d(f - 1) equals n.", fact="same_pad"),
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
                 f"floor(({n} + {2 * p} - {f}) / {stride}) + 1 = {out}.", fact="out_side"),
        Question(f"The input has {words.count(c, 'channel')} of {n}x{n}. How many numbers does the pooled output hold?", out * out * c,
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
    if variant:  # practice: no input cell skipped (s <= f), and no more padding than 'same' needs
        stride, p = min(stride, f), min(p, f // 2)
    n = max(n, f - 2 * p)
    out = output_size(n, f, p, stride)
    params = layer_parameters(f, c, k)
    return [
        Question(f"{words.article(n, start=True)} {n}x{n}x{c} input, {k} filters of {f}x{f}x{c}, stride {stride}, padding {p}. "
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
        Question(f"{words.article(h, start=True)} {h}x{h}x{cin} input, {cout} filters of {kf}x{kf} (no padding). How many multiplications does the "
                 "depthwise-separable version take?", separable.multiplications,
                 f"Depthwise: {side}·{side} positions x {kf}·{kf} x {cin} channels = {side * side * kf * kf * cin}; "
                 f"pointwise: {side}·{side} x {cin} x {cout} = {side * side * cin * cout}; in all "
                 f"{separable.multiplications}, against {standard.multiplications} for the standard layer.", fact="sep_mults"),
    ]


def _grid_text(grid: torch.Tensor) -> str:
    return " / ".join(" ".join(f"{v:g}" for v in row) for row in grid.tolist())


def _conv_notes(s: dict) -> dict:
    """The Convolution lab's numbers at state ``s``: input and kernel sides, padding, the output's side and its first
    cell, and the dilated window's width."""
    examples = course.conv_examples()
    f = _rows(s.get("kgrid", "")) if s.get("kernel") == "custom" else int(s.get("ksize", 3))
    d = int(s.get("dilation", 1))
    values = {"n": _input_side(s, examples), "f": f, "stride": int(s.get("stride", 1)), "d": d,
              "p": same_padding(f, d)[0], "weights": f * f, "span": d * (f - 1) + 1, **answers(conv_questions(s))}
    if s.get("src") in examples:
        ex = examples[s["src"]]
        out = conv_trace(torch.tensor(ex.image, dtype=torch.float64), torch.tensor(ex.kernel, dtype=torch.float64),
                         stride=int(ex.stride)).output
        values |= {"first": format_number(out[0, 0]), "edge": format_number(out.max()), "flat": format_number(out.min())}
    return values


def _pool_notes(s: dict) -> dict:
    examples = course.pool_examples()
    values = {"n": _input_side(s, examples), "f": int(s.get("size", 2)), "stride": int(s.get("stride", 2)),
              "channels": int(s.get("channels", 1)), **answers(pool_questions(s))}
    if s.get("src") in examples:
        trace = pool_trace(torch.tensor(examples[s["src"]].image, dtype=torch.float64), kind=s.get("kind", "max"),
                           size=values["f"], stride=values["stride"])
        values["out_count.grid"] = _grid_text(trace.output)  # the output itself: hidden with its count
    return values


def _volume_notes(s: dict) -> dict:
    c = int(s.get("channels", 3))
    bank = s.get("bank", "random")
    k, f = (filter_bank(bank, c).shape[0], filter_bank(bank, c).shape[2]) if bank != "random" else \
        (int(s.get("k", 2)), int(s.get("f", 3)))
    return {"n": int(s.get("n", 5)), "c": c, "k": k, "f": f, "two_p": 2 * int(s.get("padding", 0)),
            "stride": int(s.get("stride", 1)), "per_filter": f * f * c + 1, **answers(volume_questions(s))}


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
            "fold": round(standard.multiplications / bottleneck.multiplications), **answers(separable_questions(s))}


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
         "Each {f}x{f} window keeps its largest value: {out_count.grid}. The {n}x{n} map shrinks to an output {out_side} "
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
