"""Lessons and questions of the convolution labs that change the operation itself: transposed convolution, dilated,
1-D and 3-D convolutions, and learning a filter by gradient descent."""

import torch

from cvcore.conv import kernels, output_size, transpose_output_size
from cvcore.lessons.base import LabLessons, Picker, Question, Step, answers, register
from cvcore.teach import words

__all__ = ["transposed_questions", "dims_questions", "learn_questions"]


def _rows(grid_text: str) -> int:
    return max(1, len([r for r in str(grid_text).split("/") if r.strip()]))


def _grid_text(grid: torch.Tensor) -> str:
    return " / ".join(" ".join(f"{v:g}" for v in row) for row in grid.tolist())


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
        Question(f"With stride {stride}, {words.count(stride - 1, 'zero')} {'goes' if stride == 2 else 'go'} between neighbouring cells of the {n}x{n} input. "
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
        Question(f"{words.article(f, start=True)} {f}x{f} kernel with dilation {d}: how many cells wide is the window it sees?", span,
                 f"d(f - 1) + 1 = {d}·{f - 1} + 1 = {span}, with still only {f * f} weights.", fact="window_side"),
        Question(f"{layers} stacked {f}x{f} convolutions, each with dilation {d} and stride 1: how many input cells "
                 "(per side) does one output cell depend on?", seen,
                 f"Each layer adds d(f - 1) = {d * (f - 1)} cells: 1 + {layers}·{d * (f - 1)} = {seen}.", fact="seen_side"),
        Question(f"{words.article(f3, start=True)} {f3}x{f3}x{f3} 3-D filter slides over {words.article(volume)} {volume}x{volume}x{volume} volume (no padding, stride 1). "
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


def _transposed_notes(s: dict) -> dict:
    n = 2 if s.get("src", "two_by_two") == "two_by_two" else int(s.get("n", 3))
    return {"n": n, "f": _TCONV_KERNEL_SIDES.get(s.get("kernel", "ones3"), 3), "stride": int(s.get("stride", 2)),
            "p": int(s.get("padding", 0)), "two_p": 2 * int(s.get("padding", 0)), **answers(transposed_questions(s))}


def _dims_notes(s: dict) -> dict:
    f, d = int(s.get("f", 3)), int(s.get("d", 1))
    volume, f3 = 14, 5  # the course's 3-D example, which the lab's table and its random filter follow
    first = output_size(volume, f3)
    return {"f": f, "d": d, "layers": int(s.get("layers", 3)), "weights": f * f, "volume": volume, "f3": f3,
            "second": output_size(first, f3), "edge": ", ".join(f"{v:g}" for v in _EDGE_1D),
            **answers(dims_questions(s))}


_EDGE_1D = (1.0, 0.0, -1.0)  # the 1-D edge kernel of the Dilated lab


def _learn_notes(s: dict) -> dict:
    name = s.get("target", "sobel_x")
    target = _target_kernel(name, str(s.get("tgrid", "")))
    return {"target": _grid_text(target), "lr": float(s.get("lr", 0.1)), **answers(learn_questions(s))}


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
