"""The Convolution lab's displays: the size formula, one step, a real photo, and the check."""

import io

import streamlit as st
import torch
from PIL import Image

from cvcore import conv, images
from cvcore.conv import ConvTrace
from cvcore.errors import CvcoreError
from cvcore.teach import grids
from cvcore.viz import conv_figures
from labs.convolution.settings import ConvSettings
from ui.check import check_expander as show_check
from ui.figures import show_chart
from ui.image_input import image_input, selected_sample
from ui.lazy import lazy_expander
from ui.lessons import awaited, hidden_note
from ui.presenter import STEPTHROUGH, is_presenting

__all__ = ["size_formula", "step_panel", "photo_panel", "computation_expander", "check_expander"]

_CHART = {"displayModeBar": False}
_SIZE = "out_side"  # "How many cells wide is the output?" (cvcore.lessons.convolutions.conv_questions)


def _predicting_size() -> bool:
    return awaited(ConvSettings.NS, _SIZE) is not None


def _axis_formula(axis: str, n: int, f: int, pads: tuple[int, int], s: int, d: int, hide: bool = False) -> str:
    before, after = pads
    two_p = f"2 \\cdot {before}" if before == after else f"({before} + {after})"
    inner = n + before + after - d * (f - 1) - 1
    value = inner // s + 1 if inner >= 0 else None
    if hide:  # the learner is predicting it
        result = "= \\;?"
    elif value is not None:
        result = f"= \\lfloor {inner} / {s} \\rfloor + 1 = {value}"
    else:
        result = f"= \\lfloor {inner} / {s} \\rfloor + 1 \\le 0"
    return (f"n_{{{axis}}}' = \\left\\lfloor \\frac{{{n} + {two_p} - {d}\\,({f} - 1) - 1}}{{{s}}} \\right\\rfloor + 1 {result}")


def size_formula(image: torch.Tensor, kernel: torch.Tensor, conv_kwargs: dict) -> None:
    """The course's output-size formula with the current numbers, for height and width."""
    st.markdown(r"**Output size** $\;n' = \left\lfloor \dfrac{n + 2p - d(f-1) - 1}{s} \right\rfloor + 1$ "
                r"(with d = 1 this is the course's $\lfloor \frac{n + 2p - f}{s} + 1 \rfloor$)")
    try:
        top, bottom, left, right = conv.resolve_padding(conv_kwargs["padding"], tuple(kernel.shape),
                                                        conv_kwargs["stride"], conv_kwargs["dilation"])
    except CvcoreError:
        return
    s, d = conv_kwargs["stride"], conv_kwargs["dilation"]
    hide = _predicting_size()
    height = _axis_formula("H", image.shape[0], kernel.shape[0], (top, bottom), s, d, hide)
    width = _axis_formula("W", image.shape[1], kernel.shape[1], (left, right), s, d, hide)
    if height.replace("n_{H}", "n_{W}") == width:  # a square case: one line says it
        st.latex(width.replace("n_{W}'", "n_H' = n_W'"))
    else:
        st.latex(height)
        st.latex(width)


def step_panel(trace: ConvTrace, index: int) -> None:
    """The padded input with the window, the kernel and the output so far, and the sum written out."""
    with st.container(key=f"{STEPTHROUGH}_conv"):  # kept on one screen in presenter mode (ui.presenter)
        _step_body(trace, index)


def _step_body(trace: ConvTrace, index: int) -> None:
    step = trace.step(index)
    fig_in, fig_k, fig_out = conv_figures(trace, index)
    if is_presenting() and trace.padded.shape[1] <= 16:  # side by side, each as wide as its grid, to fit the screen
        left, middle, right = st.columns([fig.layout.width or 1 for fig in (fig_in, fig_k, fig_out)], gap="small")
    elif trace.padded.shape[1] <= 12:
        left, middle, right = st.columns([3, 1.4, 2.4])
    else:  # a big grid gets the full width, kernel and output go below it
        left = st.container()
        middle, right = st.columns([1, 3])
    show_chart(left, fig_in, config=_CHART, key="conv_fig_in", width="content")
    show_chart(middle, fig_k, config=_CHART, key="conv_fig_k", width="content")
    if not hidden_note(right, ConvSettings.NS, _SIZE):
        show_chart(right, fig_out, config=_CHART, key="conv_fig_out", width="content")
    top, left_pad = trace.padding[0], trace.padding[2]  # axes count from the image's corner; padding is negative
    st.markdown(f"**Output cell (row {step.row}, column {step.col})**: the window covers rows "
                f"{step.rows[0] - top}..{step.rows[-1] - top} and columns {step.cols[0] - left_pad}..{step.cols[-1] - left_pad}"
                f"{' (negative numbers and numbers past the edge are padding)' if any(trace.padding) else ''}:")
    st.code(step.expression(), language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, max_entries=32)
def _filtered_sample(name: str, kernel_rows: tuple, kwarg_items: tuple, gray: bool):
    image = images.fit_within(images.sample_image(name), 512)[0]
    return _filter(image, kernel_rows, kwarg_items, gray)


def _filter(image, kernel_rows, kwarg_items, gray):
    """(input JPEG, output PNG, their sizes, signed?): encoded once so reruns only send bytes."""
    img = image.convert("L") if gray else image.convert("RGB")
    out = conv.apply_kernel(images.to_tensor(img) * 255, torch.tensor(kernel_rows), **dict(kwarg_items))  # [C, H', W']
    signed = bool(out.min() < 0)
    result = Image.fromarray(images.to_uint8(out, symmetric=signed))
    return _jpeg(img), images.png_bytes(result), img.size, result.size, signed


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def photo_panel(kernel: torch.Tensor, conv_kwargs: dict) -> None:
    """The chosen kernel applied to a whole photo, shown beside it."""
    gray = ConvSettings.widget("pic_gray")
    image = image_input("conv.pic", default_sample="chelsea", label="Photo")
    if image is None:
        return
    real = dict(conv_kwargs, padding="same" if conv_kwargs["stride"] == 1 else conv_kwargs["padding"])
    items, rows = tuple(sorted(real.items())), tuple(map(tuple, kernel.tolist()))
    try:
        sample = selected_sample("conv.pic")
        if sample is not None:
            before, after, size_in, size_out, signed = _filtered_sample(sample, rows, items, gray)
        else:
            before, after, size_in, size_out, signed = _filter(images.fit_within(image, 512)[0], rows, items, gray)
    except CvcoreError as exc:
        st.error(str(exc))
        return
    a, b = st.columns(2)
    a.image(before, caption=f"Input {size_in[0]}x{size_in[1]}", width="stretch")
    note = " (grey = 0, bright = positive, dark = negative)" if signed else ""
    b.image(after, caption=f"Output {size_out[0]}x{size_out[1]}{note}", width="stretch")
    b.download_button("Download the output (PNG)", lambda: after, file_name="convolved.png", mime="image/png", key="conv.dl_png")
    st.caption("'same' padding is used at stride 1 so the output lines up with the photo." if conv_kwargs["stride"] == 1 else
               "At stride > 1 the output is smaller than the photo, as the size formula says.")


def computation_expander(trace: ConvTrace, index: int) -> None:
    with lazy_expander("How it is computed", "conv.open_how") as is_open:
        if not is_open:
            return
        # Downloads are built on click (a callable), not on every rerun.
        st.download_button("Download the output grid (CSV)", lambda: grids.grid_csv(trace.output), file_name="conv_output.csv",
                           mime="text/csv", key="conv.dl_csv")
        step = trace.step(index)
        sh, sw = trace.stride
        dh, dw = trace.dilation
        st.markdown(
            "Each output cell is the sum of the window times the kernel, element by element:\n\n"
            f"$$\\text{{out}}[i, j] = \\sum_{{m,n}} x_{{\\text{{pad}}}}[i \\cdot {sh} + m \\cdot {dh},\\; "
            f"j \\cdot {sw} + n \\cdot {dw}] \\cdot w[m, n]$$"
        )
        st.markdown(f"For cell ({step.row}, {step.col}): `{step.expression()}`")
        if trace.flip:
            st.markdown("**True convolution**: the kernel is rotated by 180 degrees before sliding. "
                        "The course's note: deep-learning libraries skip the flip (cross-correlation); since the "
                        "weights are learned, a flipped kernel is learned just as well.")
        else:
            st.markdown("This is **cross-correlation**, what deep learning calls convolution. The course's technical "
                        "note: a textbook convolution first flips the kernel (turn on *True convolution* to see it), "
                        "which makes it associative, (A * B) * C = A * (B * C); CNNs do not need that property.")


@st.cache_data(show_spinner=False, max_entries=256)
def _check(image_text: str, kernel_text: str, kwarg_items: tuple) -> tuple[tuple[int, ...], float]:
    """(shape, largest difference) of PyTorch's conv2d against the trace, remembered per setting."""
    trace = conv.conv_trace(grids.parse_grid_text(image_text), grids.parse_grid_text(kernel_text), **dict(kwarg_items))
    ref = conv.reference_output(trace)
    return tuple(ref.shape), float((ref - trace.output).abs().max())


def check_expander(trace: ConvTrace) -> None:
    top, bottom, left, right = trace.padding
    padding = (top, left) if (top, left) == (bottom, right) else "same"  # only 'same' pads unevenly
    kwarg_items = (("stride", trace.stride), ("padding", padding), ("dilation", trace.dilation),
                   ("padding_mode", trace.padding_mode), ("flip", trace.flip))

    def compute():
        shape, diff = _check(grids.grid_text(trace.input), grids.grid_text(trace.kernel), kwarg_items)
        return "torch.nn.functional.conv2d", shape, {"the step-by-step result": diff}

    show_check("conv.open_check", compute)
