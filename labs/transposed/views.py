"""The Transposed-convolution lab: controls, the two views, and the check."""

import streamlit as st
import torch

from cvcore.conv import TransposeTrace, conv_transpose_trace, format_number
from cvcore.conv.transposed import reference_output as transpose_reference
from cvcore.errors import CvcoreError
from cvcore.teach import words
from cvcore.viz import conv_figures, scatter_figures, stuffed_text
from labs.transposed.settings import KERNELS
from labs.transposed.settings import TransposedSettings as S
from ui.check import check_expander
from ui.figures import show_chart
from ui.grid_input import grid_editor, random_input
from ui.lazy import lazy_expander
from ui.lessons import hidden_note, shown

__all__ = ["controls", "size_formula", "trace_or_error", "stuffed_panel", "scatter_panel", "check", "explain"]

_SIZE = "out_side"  # what cvcore.lessons.conv_variants.transposed_questions asks first: the output's side


def controls() -> tuple[torch.Tensor | None, torch.Tensor | None, S]:
    """The input, the kernel (each None after an error) and every setting's value after the widgets."""
    a, b, c = st.columns([1.2, 1.2, 1], gap="medium")
    with a:
        src = S.widget("src")
        if src == "two_by_two":
            x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
        elif src == "random":
            x = random_input(S)
        else:
            x = grid_editor(S.key("grid"), label="input grid", max_side=6, fallback=torch.ones(2, 2, dtype=torch.float64))
    with b:
        name = S.widget("kernel")
        k = KERNELS[name][1] if name != "custom" else grid_editor(S.key("kgrid"), label="kernel", max_side=5)
    with c:
        s1, s2 = st.columns(2)
        S.widget("stride", s1)
        S.widget("padding", s2)
        S.widget("out_pad", s1)
        S.widget("dilation", s2)
        S.widget("view")
    return x, k, S.current()


def size_formula(x: torch.Tensor, k: torch.Tensor, values: S) -> None:
    s = values.transpose_kwargs
    st.markdown(r"**Output size** $\;n' = (n - 1)\,s - 2p + d\,(f - 1) + \text{output\_padding} + 1$")
    square = x.shape[0] == x.shape[1] and k.shape[0] == k.shape[1]
    for axis, name in ((0, "n_H' = n_W'"),) if square else ((0, "n_H'"), (1, "n_W'")):
        n, f = x.shape[axis], k.shape[axis]
        value = (n - 1) * s["stride"] - 2 * s["padding"] + s["dilation"] * (f - 1) + s["output_padding"] + 1
        result = shown(S.NS, _SIZE, str(value), r"\;?")
        st.latex(f"{name} = ({n} - 1) \\cdot {s['stride']} - 2 \\cdot {s['padding']} + {s['dilation']} \\cdot ({f} - 1) "
                 f"+ {s['output_padding']} + 1 = {result}")


def trace_or_error(x: torch.Tensor, k: torch.Tensor, values: S) -> TransposeTrace | None:
    try:
        return conv_transpose_trace(x, k, **values.transpose_kwargs)
    except CvcoreError as exc:
        st.error(f"No output for these settings: {exc}")
        return None


def stuffed_panel(trace: TransposeTrace, index: int) -> None:
    h, w = trace.source.shape
    title = f"{h}x{w} input, {words.count(trace.up_stride[0] - 1, 'zero')} between cells, padded: {trace.input.shape[0]}x{trace.input.shape[1]}"
    fig_in, fig_k, fig_out = conv_figures(trace, index, input_text=stuffed_text(trace), input_title=title)
    left, mid, right = st.columns([3, 1.3, 2.2])
    for col, fig, key in ((left, fig_in, "in"), (mid, fig_k, "k"), (right, fig_out, "out")):
        if key != "out" or not hidden_note(col, S.NS, _SIZE):
            show_chart(col, fig, config={"displayModeBar": False}, key=f"tconv_{key}", width="content")
    st.code(trace.step(index).expression(), language=None, wrap_lines=True)


def scatter_panel(trace: TransposeTrace, index: int) -> None:
    fig_in, fig_stamp, fig_out = scatter_figures(trace, index)
    left, mid, right = st.columns([1.5, 1.5, 2.5])
    for col, fig, key in ((left, fig_in, "in"), (mid, fig_stamp, "stamp"), (right, fig_out, "out")):
        if key != "out" or not hidden_note(col, S.NS, _SIZE):
            show_chart(col, fig, config={"displayModeBar": False}, key=f"tconv_s_{key}", width="content")
    i, j = divmod(index, trace.source.shape[1])
    st.markdown(f"Input cell ({i}, {j}) = {format_number(trace.source[i, j])} stamps the kernel times "
                f"{format_number(trace.source[i, j])} at row {i * trace.up_stride[0] - trace.up_padding[0]}, column "
                f"{j * trace.up_stride[1] - trace.up_padding[1]} of the output; where stamps overlap they add up.")


def explain() -> None:
    with lazy_expander("How it is computed", "tconv.open_how") as is_open:
        if not is_open:
            return
        st.markdown(
            "A transposed convolution goes the other way from a strided convolution: from a small map to a large one. "
            "**View 1**: put s - 1 zeros between the input cells, pad every side with d(f - 1) - p zeros (output "
            "padding adds rows at the bottom and right), and run an ordinary stride-1 convolution with the kernel "
            "**rotated by 180 degrees**. **View 2**: every input cell places a copy of the kernel, multiplied by its "
            "value, at s-cell spacing; overlapping copies add; p rows and columns are then cut from each border. "
            "Both give the same numbers, and so does PyTorch's `conv_transpose2d`. Decoders of segmentation networks "
            "use it to grow feature maps back to the image size.")


def check(trace: TransposeTrace) -> None:
    def compute():
        ref = transpose_reference(trace)
        return "F.conv_transpose2d", ref.shape, {"view 1": float((ref - trace.output).abs().max()),
                                                 "view 2": float((ref - trace.stamps.sum(0)).abs().max())}

    check_expander("tconv.open_check", compute)
