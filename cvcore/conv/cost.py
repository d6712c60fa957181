"""What a convolutional layer costs: multiplications and learnable parameters, from its settings.

The course's arithmetic, done by the engine: a standard layer does
``n_H' x n_W' x n_C' x (f x f x n_C / groups)`` multiplications and has
``(f x f x n_C / groups + 1) x n_C'`` parameters (with bias). A depthwise-separable layer
is a depthwise step (one f x f filter per channel) followed by a pointwise (1x1) step; an
Inception "bottleneck" is a 1x1 step that shrinks the channels before the big filter.
"""

from dataclasses import dataclass

from cvcore import _validate
from cvcore.conv.trace import output_size
from cvcore.errors import InvalidParameter

__all__ = ["ConvCost", "COST_KINDS", "conv_cost", "bottleneck_cost"]

COST_KINDS = ("standard", "depthwise", "pointwise", "depthwise_separable")


@dataclass(frozen=True)
class ConvCost:
    """The cost of one layer (or of a chain of layers, listed in ``parts``).

    Shapes are (n_H, n_W, n_C), the course's order.
    """

    label: str
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    multiplications: int
    parameters: int
    parts: "tuple[ConvCost, ...]" = ()


def _layer(label, n_h, n_w, c_in, c_out, f, stride, padding, groups, bias) -> ConvCost:
    if c_in % groups or c_out % groups:
        raise InvalidParameter(
            f"groups must divide both channel counts: got groups={groups} for n_C={c_in} -> n_C'={c_out}"
        )
    out_h = output_size(n_h, f, padding, stride)
    out_w = output_size(n_w, f, padding, stride)
    per_output = f * f * (c_in // groups)  # one output number multiplies this many pairs
    return ConvCost(
        label=label,
        input_shape=(n_h, n_w, c_in),
        output_shape=(out_h, out_w, c_out),
        multiplications=out_h * out_w * c_out * per_output,
        parameters=per_output * c_out + (c_out if bias else 0),
    )


def conv_cost(n_h: int, n_w: int, c_in: int, c_out: int, f: int, *, stride: int = 1, padding: int = 0,
              groups: int = 1, bias: bool = True, kind: str = "standard") -> ConvCost:
    """Multiplications and parameters of a layer taking n_H x n_W x n_C to n_H' x n_W' x n_C'.

    kind: "standard" (with ``groups``), "depthwise" (one f x f filter per channel, so
    n_C' = n_C), "pointwise" (1x1) or "depthwise_separable" (depthwise f x f, then 1x1 to n_C').

    >>> c = conv_cost(12, 12, 3, 256, 5)                 # the course's 256 kernels of 5x5x3
    >>> c.output_shape, c.multiplications
    ((8, 8, 256), 1228800)
    >>> conv_cost(12, 12, 3, 256, 5, kind="depthwise_separable").multiplications   # 4,800 + 49,152
    53952
    >>> conv_cost(32, 32, 1, 6, 5).parameters            # 6 filters of 5x5x1, with bias
    156
    """
    for name, value in (("n_H", n_h), ("n_W", n_w), ("n_C", c_in), ("n_C'", c_out), ("f", f), ("stride", stride),
                        ("groups", groups)):
        _validate.pair(value, name, minimum=1)
    _validate.pair(padding, "padding", minimum=0)
    if max(n_h, n_w) > 100_000 or max(c_in, c_out) > 100_000 or f > 1_000:
        raise InvalidParameter(f"sizes must be realistic (at most 100,000 pixels or channels, f <= 1000), got "
                               f"{n_h}x{n_w}x{c_in} -> {c_out} with f={f}")
    if kind not in COST_KINDS:
        raise InvalidParameter(f"kind must be one of {list(COST_KINDS)}, got {kind!r}")
    if kind == "standard":
        return _layer(f"{c_out} filters of {f}x{f}x{c_in // groups}", n_h, n_w, c_in, c_out, f, stride, padding, groups, bias)
    if kind == "pointwise":
        return _layer(f"{c_out} filters of 1x1x{c_in}", n_h, n_w, c_in, c_out, 1, stride, 0, 1, bias)
    depthwise = _layer(f"{c_in} filters of {f}x{f}x1 (depthwise)", n_h, n_w, c_in, c_in, f, stride, padding, c_in, bias)
    if kind == "depthwise":
        return depthwise
    oh, ow, _ = depthwise.output_shape
    pointwise = _layer(f"{c_out} filters of 1x1x{c_in} (pointwise)", oh, ow, c_in, c_out, 1, 1, 0, 1, bias)
    return ConvCost(
        label="depthwise-separable",
        input_shape=depthwise.input_shape,
        output_shape=pointwise.output_shape,
        multiplications=depthwise.multiplications + pointwise.multiplications,
        parameters=depthwise.parameters + pointwise.parameters,
        parts=(depthwise, pointwise),
    )


def bottleneck_cost(n_h: int, n_w: int, c_in: int, c_mid: int, c_out: int, f: int, *, padding: int | None = None,
                    bias: bool = True) -> ConvCost:
    """A 1x1 "bottleneck" to ``c_mid`` channels, then f x f convolution to ``c_out``.

    ``padding`` of the f x f step defaults to 'same' ((f - 1) / 2), as in Inception.

    >>> b = bottleneck_cost(28, 28, 192, 16, 32, 5)       # the course's Inception example
    >>> [p.multiplications for p in b.parts], b.multiplications
    ([2408448, 10035200], 12443648)
    >>> conv_cost(28, 28, 192, 32, 5, padding=2).multiplications   # without the bottleneck
    120422400
    """
    first = conv_cost(n_h, n_w, c_in, c_mid, 1, bias=bias)
    second = conv_cost(n_h, n_w, c_mid, c_out, f, padding=(f - 1) // 2 if padding is None else padding, bias=bias)
    return ConvCost(
        label=f"1x1 bottleneck, then {f}x{f}",
        input_shape=first.input_shape,
        output_shape=second.output_shape,
        multiplications=first.multiplications + second.multiplications,
        parameters=first.parameters + second.parameters,
        parts=(first, second),
    )
