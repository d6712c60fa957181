"""The course's worked examples, as data: the presets of the labs and the golden values of the tests.

Each example keeps what the course prints beside it, so a lab can point out where a slide
misprints a value (the 7x7 stride-2 example) while computing the true one. A note explains the
example's own settings: ``describes(trace)`` says whether a trace computes exactly the example, so a
lab shows the note only then (and ``settings_text`` says what the example's settings are).
"""

from dataclasses import dataclass

__all__ = ["ConvExample", "PoolExample", "conv_examples", "pool_examples"]

Grid = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class ConvExample:
    """A convolution worked example; ``printed`` is the output as the course prints it."""

    key: str
    title: str
    source: str
    image: Grid
    kernel: Grid
    stride: int = 1
    padding: int = 0
    printed: Grid | None = None
    note: str = ""

    @property
    def settings_text(self) -> str:
        """The example's settings in words, e.g. "the course's kernel, stride 2, no padding"."""
        pad = "no padding" if self.padding == 0 else f"zero padding p = {self.padding}"
        return f"the course's kernel, stride {self.stride}, {pad}"

    def describes(self, trace) -> bool:
        """Whether ``trace`` (a ``cvcore.conv.ConvTrace``) computes exactly this example: its input and kernel,
        its stride and padding (zeros), no dilation and no flip.

        >>> from cvcore.conv import conv_trace
        >>> import torch
        >>> ex = conv_examples()["stride_7x7"]
        >>> x, k = torch.tensor(ex.image), torch.tensor(ex.kernel)
        >>> ex.describes(conv_trace(x, k, stride=2)), ex.describes(conv_trace(x, k, stride=2, padding=1))
        (True, False)
        """
        return (_same(trace.input, self.image) and _same(trace.kernel, self.kernel)
                and tuple(trace.stride) == (self.stride, self.stride) and tuple(trace.padding) == (self.padding,) * 4
                and (self.padding == 0 or trace.padding_mode == "zeros")
                and tuple(trace.dilation) == (1, 1) and not trace.flip)


@dataclass(frozen=True)
class PoolExample:
    """A pooling worked example; ``printed`` is the output as the course prints it."""

    key: str
    title: str
    source: str
    image: Grid
    kind: str
    size: int
    stride: int
    printed: Grid | None = None
    note: str = ""

    @property
    def settings_text(self) -> str:
        """The example's settings in words, e.g. "max pooling, f = 2, s = 2, no padding"."""
        return f"{'max' if self.kind == 'max' else 'average'} pooling, f = {self.size}, s = {self.stride}, no padding"

    def describes(self, trace) -> bool:
        """Whether ``trace`` (a ``cvcore.conv.pooling.PoolTrace``) computes exactly this example: its input (one
        channel), kind, window, stride and no padding.

        >>> from cvcore.conv.pooling import pool_trace
        >>> import torch
        >>> ex = pool_examples()["max_4x4"]
        >>> x = torch.tensor(ex.image)
        >>> ex.describes(pool_trace(x, kind="max", size=2, stride=2)), ex.describes(pool_trace(x, kind="avg", size=2, stride=2))
        (True, False)
        """
        return (trace.input.shape[0] == 1 and _same(trace.input[0], self.image) and trace.kind == self.kind
                and tuple(trace.size) == (self.size, self.size) and tuple(trace.stride) == (self.stride, self.stride)
                and tuple(trace.padding) == (0, 0))


def _same(values, grid: Grid) -> bool:
    """Whether ``values`` (Tensor[H, W]) holds exactly the numbers of ``grid``."""
    return tuple(values.shape) == (len(grid), len(grid[0])) and values.tolist() == [list(row) for row in grid]


def _rows(text: str) -> Grid:
    return tuple(tuple(float(v) for v in row.split()) for row in text.strip().split("/"))


_VERTICAL = _rows("1 0 -1 / 1 0 -1 / 1 0 -1")
_HORIZONTAL = _rows("1 1 1 / 0 0 0 / -1 -1 -1")

_CONV = (
    ConvExample(
        "edge_6x6",
        "6x6 image, vertical edge filter",
        "CNN slides, 'Edge detection example'",
        _rows("3 0 1 2 7 4 / 1 5 8 9 3 1 / 2 7 2 5 1 3 / 0 1 3 1 7 8 / 4 2 1 6 2 8 / 2 4 5 2 3 9"),
        _VERTICAL,
        printed=_rows("-5 -4 0 8 / -10 -2 2 3 / 0 -2 -4 -7 / -3 -2 -3 -16"),
        note="The first cell is 3×1 + 1×1 + 2×1 + 0×0 + 5×0 + 7×0 + 1×(-1) + 8×(-1) + 2×(-1) = -5.",
    ),
    ConvExample(
        "bright_dark",
        "Bright | dark: a vertical edge",
        "CNN slides, 'Vertical edge detection'",
        _rows(" / ".join(["10 10 10 0 0 0"] * 6)),
        _VERTICAL,
        printed=_rows(" / ".join(["0 30 30 0"] * 4)),
        note="The bright column of 30s in the middle is the edge; in a 6x6 image it looks thick.",
    ),
    ConvExample(
        "dark_bright",
        "Dark | bright: the edge reversed",
        "CNN slides, 'Vertical edge detection examples'",
        _rows(" / ".join(["0 0 0 10 10 10"] * 6)),
        _VERTICAL,
        printed=_rows(" / ".join(["0 -30 -30 0"] * 4)),
        note="The same filter gives -30: the sign tells a dark-to-bright edge from a bright-to-dark one.",
    ),
    ConvExample(
        "horizontal_checker",
        "Checkerboard, horizontal edge filter",
        "CNN slides, 'Vertical and Horizontal Edge Detection'",
        _rows(" / ".join(["10 10 10 0 0 0"] * 3 + ["0 0 0 10 10 10"] * 3)),
        _HORIZONTAL,
        printed=_rows("0 0 0 0 / 30 10 -10 -30 / 30 10 -10 -30 / 0 0 0 0"),
        note="The 10 and -10 are windows that straddle both the horizontal and the vertical edge.",
    ),
    ConvExample(
        "lecture_5x5",
        "5x5 image, the lecture's example giving 6",
        "Lecture, 'Convolution numerical example'",
        _rows("7 2 3 3 8 / 4 5 3 8 4 / 3 3 2 8 4 / 2 8 7 2 7 / 5 4 4 5 4"),
        _VERTICAL,
        note="The lecture works out only the first cell: 7×1 + 4×1 + 3×1 + 2×0 + 5×0 + 3×0 + 3×(-1) + 3×(-1) + 2×(-1) = 6.",
    ),
    ConvExample(
        "stride_7x7",
        "7x7 image, stride 2",
        "CNN slides, 'Strided convolution'",
        _rows(
            "2 3 7 4 6 2 9 / 6 6 9 8 7 4 3 / 3 4 8 3 8 9 7 / 7 8 3 6 6 3 4 / "
            "4 2 1 8 3 4 6 / 3 2 4 1 9 8 3 / 0 1 3 9 2 1 4"
        ),
        _rows("3 4 4 / 1 0 2 / -1 0 3"),
        stride=2,
        printed=_rows("91 100 83 / 69 91 127 / 44 72 74"),
        note="The slide prints 83 and 127; worked out by hand (and by PyTorch) they are 88 and 117.",
    ),
)

_POOL = (
    PoolExample(
        "max_4x4",
        "Max pooling, f = 2, s = 2",
        "CNN slides, 'Pooling layer: Max pooling'",
        _rows("1 3 2 1 / 2 9 1 1 / 1 3 2 3 / 5 6 1 2"),
        "max",
        2,
        2,
        printed=_rows("9 2 / 6 3"),
        note="Each 2x2 region keeps its largest value: 'is the feature there anywhere in this region?'",
    ),
    PoolExample(
        "avg_4x4",
        "Average pooling, f = 2, s = 2",
        "CNN slides, 'Pooling layer: Average pooling'",
        _rows("1 3 2 1 / 2 9 1 1 / 1 4 2 3 / 5 6 1 2"),
        "avg",
        2,
        2,
        printed=_rows("3.75 1.25 / 4 2"),
        note="Each 2x2 region is replaced by its mean, e.g. (1 + 3 + 2 + 9) / 4 = 3.75.",
    ),
    PoolExample(
        "max_5x5_f3",
        "Max pooling, f = 3, s = 1 (overlapping)",
        "A built-in example (not in the slides)",
        _rows("1 3 2 1 3 / 2 9 1 1 5 / 1 3 2 3 2 / 8 3 5 1 0 / 5 6 1 2 9"),
        "max",
        3,
        1,
        note="Windows may overlap: with f = 3 and s = 1 neighbouring windows share cells, so one large value can win several.",
    ),
)


def conv_examples() -> dict[str, ConvExample]:
    """The course's convolution examples by key, in course order."""
    return {ex.key: ex for ex in _CONV}


def pool_examples() -> dict[str, PoolExample]:
    """The course's pooling examples by key, in course order."""
    return {ex.key: ex for ex in _POOL}
