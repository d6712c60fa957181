"""Build-your-own CNN: a list of layer settings checked layer by layer, turned into ``nn.Sequential``.

Every layer's output shape is worked out on PyTorch's "meta" device (nothing is allocated), so
a setting that shrinks a map below 1x1, a channel mismatch, a wrong ``Linear`` input size or an
absurdly large layer is reported on the offending layer before anything is built for real.
"""

from dataclasses import dataclass

import torch
from torch import nn

from cvcore.errors import InvalidParameter

__all__ = ["LAYER_KINDS", "LAYER_FIELDS", "LayerSpec", "LayerCheck", "layer_name", "ResidualBlock", "SeparableConv2d", "course_example", "check_network",
           "build_network", "sequential_code", "with_batchnorm", "with_residuals", "specs_text", "parse_specs"]

LAYER_KINDS = {
    "conv": "Conv2d (filters, kernel, stride, padding)",
    "separable": "Depthwise-separable conv (filters, kernel, stride, padding)",
    "residual": "Residual block (two 3x3 convs + shortcut)",
    "maxpool": "MaxPool2d (kernel, stride)",
    "avgpool": "AvgPool2d (kernel, stride)",
    "batchnorm": "BatchNorm2d",
    "relu": "ReLU",
    "tanh": "Tanh",
    "dropout": "Dropout (p)",
    "flatten": "Flatten",
    "linear": "Linear (units)",
}
# The ``LayerSpec`` settings each kind reads (the others are ignored for that kind).
LAYER_FIELDS: dict[str, tuple[str, ...]] = {
    "conv": ("size", "kernel", "stride", "padding"),
    "separable": ("size", "kernel", "stride", "padding"),
    "maxpool": ("kernel", "stride", "padding"),
    "avgpool": ("kernel", "stride", "padding"),
    "linear": ("size",),
    "dropout": ("p",),
    **dict.fromkeys(("residual", "batchnorm", "relu", "tanh", "flatten"), ()),
}
_MAX_PARAMS = 20_000_000
_MAX_ACTIVATION = 20_000_000


@dataclass(frozen=True)
class LayerSpec:
    """One row of the editor. ``size`` is filters (conv) or units (linear); ``p`` is the dropout rate."""

    kind: str
    size: int = 0
    kernel: int = 3
    stride: int = 1
    padding: int = 0
    p: float = 0.5


@dataclass(frozen=True)
class LayerCheck:
    """What a layer does to the shape: ``output_shape`` (C, H, W) or (N,), or the ``error`` that stops it.

    ``error`` is the reason alone; ``message`` is the sentence a learner reads: which layer, what it gets, why it
    does not fit and what to change."""

    index: int
    spec: LayerSpec
    output_shape: tuple[int, ...] | None
    params: int
    error: str | None = None
    message: str | None = None


class SeparableConv2d(nn.Sequential):
    """Depthwise f x f (one filter per channel), then pointwise 1x1 to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1, padding: int = 0):
        super().__init__(nn.Conv2d(in_channels, in_channels, kernel, stride, padding, groups=in_channels),
                         nn.Conv2d(in_channels, out_channels, 1))


class ResidualBlock(nn.Module):
    """``a[l+2] = relu(z[l+2] + a[l])``: two 3x3 'same' convolutions with batch norm, plus the shortcut."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + x)


def course_example() -> list[LayerSpec]:
    """The course's Keras model on 28x28x1: conv 32 - pool - conv 64 - pool - conv 128 - flatten - dense 64 - dense 10."""
    return [LayerSpec("conv", 32, 3), LayerSpec("relu"), LayerSpec("maxpool", kernel=2, stride=2),
            LayerSpec("conv", 64, 3), LayerSpec("relu"), LayerSpec("maxpool", kernel=2, stride=2),
            LayerSpec("conv", 128, 3), LayerSpec("relu"), LayerSpec("flatten"),
            LayerSpec("linear", 64), LayerSpec("relu"), LayerSpec("linear", 10)]


def layer_name(spec: LayerSpec) -> str:
    """The layer as a learner names it: ``conv 5x5``, ``maxpool 2x2``, ``flatten``.

    >>> layer_name(LayerSpec("conv", 8, 5)), layer_name(LayerSpec("relu"))
    ('conv 5x5', 'relu')
    """
    if spec.kind in ("conv", "separable", "maxpool", "avgpool"):
        return f"{spec.kind} {spec.kernel}x{spec.kernel}"
    return spec.kind


def _padding(spec: LayerSpec) -> int:
    """The padding the layer really adds: a pooling layer takes at most half its window (PyTorch's limit)."""
    return min(spec.padding, spec.kernel // 2) if spec.kind in ("maxpool", "avgpool") else spec.padding


def _misfit(specs: list[LayerSpec], index: int, shape: tuple[int, ...]) -> tuple[str, str] | None:
    """Why layer ``index``'s kernel or window does not fit in its input ``shape`` (C, H, W): the reason alone and
    the learner's sentence (the layer, its input, why, what to change); None when it fits (or the layer has no
    kernel, or a setting that ``_module`` refuses, or the input is not a map)."""
    spec = specs[index]
    if spec.kind not in ("conv", "separable", "maxpool", "avgpool") or len(shape) != 3 or spec.kernel < 1 \
            or spec.padding < 0:
        return None
    h, w = shape[1:]
    k, p = spec.kernel, _padding(spec)
    if k <= min(h, w) + 2 * p:
        return None
    pool = spec.kind in ("maxpool", "avgpool")
    what = "window" if pool else "kernel"
    if p == 0:
        why = f"a {k}x{k} {what} does not fit in {h}x{w}{'' if pool else ' without padding'}."
    else:
        why = f"padded by {p} it is {h + 2 * p}x{w + 2 * p}, and a {k}x{k} {what} does not fit in that."
    fixes = [f"a window of {min(h, w) + 2 * p} or less"] if pool else \
        [f"padding {-(-(k - min(h, w)) // 2)} or more", "a smaller kernel"]
    before = specs[:index]
    if any(s.kind in ("maxpool", "avgpool") for s in before):
        fixes.append("remove a pooling layer before it")
    elif any(s.kind in ("conv", "separable") and s.stride > 1 for s in before):
        fixes.append("use stride 1 in the convolutions before it")
    elif any(s.kind in ("conv", "separable") and s.kernel > 1 for s in before):
        fixes.append("pad the convolutions before it so that they shrink the map less")
    advice = fixes[0] if len(fixes) == 1 else f"{', '.join(fixes[:-1])}, or {fixes[-1]}"
    return (f"a {k}x{k} {what} does not fit in its {h}x{w} input",
            f"Layer {index + 1} ({layer_name(spec)}) gets a {h}x{w} input: {why} Give it {advice}.")


def _module(spec: LayerSpec, shape: tuple[int, ...]) -> nn.Module:
    kind = spec.kind
    needs_map = kind in ("conv", "separable", "residual", "maxpool", "avgpool", "batchnorm")
    if needs_map and len(shape) != 3:
        raise InvalidParameter(f"{kind} needs a C x H x W map, but the input here is a flat vector of {shape[0]}")
    for name in ("kernel", "stride"):
        if kind in ("conv", "separable", "maxpool", "avgpool") and getattr(spec, name) < 1:
            raise InvalidParameter(f"{name} must be >= 1, got {getattr(spec, name)}")
    if kind in ("conv", "separable", "linear") and spec.size < 1:
        raise InvalidParameter(f"{'units' if kind == 'linear' else 'filters'} must be >= 1, got {spec.size}")
    if spec.padding < 0:
        raise InvalidParameter(f"padding must be >= 0, got {spec.padding}")
    if kind == "conv":
        return nn.Conv2d(shape[0], spec.size, spec.kernel, spec.stride, spec.padding)
    if kind == "separable":
        return SeparableConv2d(shape[0], spec.size, spec.kernel, spec.stride, spec.padding)
    if kind == "residual":
        return ResidualBlock(shape[0])
    if kind in ("maxpool", "avgpool"):
        pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
        return pool(spec.kernel, spec.stride, min(spec.padding, spec.kernel // 2))
    if kind == "batchnorm":
        return nn.BatchNorm2d(shape[0])
    if kind == "dropout":
        if not 0 <= spec.p < 1:
            raise InvalidParameter(f"dropout p must be in [0, 1), got {spec.p}")
        return nn.Dropout(spec.p)
    if kind == "linear":
        if len(shape) != 1:
            raise InvalidParameter(f"Linear needs a flat vector: add a Flatten layer before it (the input is {shape})")
        return nn.Linear(shape[0], spec.size)
    if kind in ("relu", "tanh", "flatten"):
        return {"relu": nn.ReLU, "tanh": nn.Tanh, "flatten": nn.Flatten}[kind]()
    raise InvalidParameter(f"layer must be one of {list(LAYER_KINDS)}, got {kind!r}")


def check_network(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> list[LayerCheck]:
    """Each layer's output shape and parameters; the first failing layer carries the reason, later ones are unchecked.

    The first layer whose kernel or window does not fit in its input is worked out here, from the shapes (never
    PyTorch's text); any other problem is named with its layer too.

    >>> specs = parse_specs("conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0_maxpool-0-2-2-0_conv-8-5-1-0")
    >>> print(check_network(specs, (1, 28, 28))[4].message)
    Layer 5 (conv 5x5) gets a 4x4 input: a 5x5 kernel does not fit in 4x4 without padding. Give it padding 1 or \
more, a smaller kernel, or remove a pooling layer before it.
    """
    checks, shape, failed = [], tuple(input_shape), False
    for i, spec in enumerate(specs):
        if failed:
            checks.append(LayerCheck(i, spec, None, 0, "not checked: an earlier layer has a problem"))
            continue
        misfit = _misfit(specs, i, shape)
        if misfit is not None:
            checks.append(LayerCheck(i, spec, None, 0, *misfit))
            failed = True
            continue
        try:
            with torch.device("meta"):
                module = _module(spec, shape)
                params = sum(p.numel() for p in module.parameters())
                if params > _MAX_PARAMS:
                    raise InvalidParameter(f"{params:,} parameters in one layer; expected at most {_MAX_PARAMS:,}")
                out = module.eval()(torch.zeros(1, *shape))
            shape = tuple(int(s) for s in out.shape[1:])
            if min(shape) < 1:
                raise InvalidParameter(f"the output would be {shape}: the map shrank below 1x1")
            if torch.Size(shape).numel() > _MAX_ACTIVATION:
                raise InvalidParameter(f"the output {shape} has more than {_MAX_ACTIVATION:,} numbers")
            checks.append(LayerCheck(i, spec, shape, params))
        except InvalidParameter as exc:  # our own words, written for the learner
            message = f"Layer {i + 1} ({layer_name(spec)}): {exc}"
            checks.append(LayerCheck(i, spec, None, 0, str(exc), message if message.endswith(".") else f"{message}."))
            failed = True
        except (RuntimeError, ValueError):  # PyTorch's words are not the learner's: say what is known
            reason = f"this layer cannot run on its {' x '.join(map(str, shape))} input"
            checks.append(LayerCheck(i, spec, None, 0, reason, f"Layer {i + 1} ({layer_name(spec)}): {reason}; "
                                                              "check its settings against that size."))
            failed = True
    return checks


def build_network(specs: list[LayerSpec], input_shape: tuple[int, int, int], *, seed: int = 0) -> nn.Sequential:
    """The layers as a real ``nn.Sequential`` (random weights from ``seed``), after ``check_network`` passes.

    Raises:
        InvalidParameter: the first failing layer's ``LayerCheck.message`` ("Layer 3 (maxpool 2x2) gets ...").

    >>> net = build_network(course_example(), (1, 28, 28))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """
    if not specs:
        raise InvalidParameter("the network has no layers; expected at least one")
    checks = check_network(specs, input_shape)
    for check in checks:
        if check.error:
            raise InvalidParameter(check.message or f"Layer {check.index + 1} ({layer_name(check.spec)}): {check.error}")
    torch.manual_seed(seed)
    layers, shape = [], tuple(input_shape)
    for spec, check in zip(specs, checks, strict=True):
        layers.append(_module(spec, shape))
        shape = check.output_shape
    return nn.Sequential(*layers)


def with_batchnorm(specs: list[LayerSpec]) -> list[LayerSpec]:
    """The same network with BatchNorm2d after every convolution (the course's best practice)."""
    out = []
    for spec in specs:
        out.append(spec)
        if spec.kind in ("conv", "separable"):
            out.append(LayerSpec("batchnorm"))
    return out


def with_residuals(specs: list[LayerSpec]) -> list[LayerSpec]:
    """The same network with a residual block after every convolution's activation (deeper, still trainable)."""
    out = []
    for i, spec in enumerate(specs):
        out.append(spec)
        follows_conv = i > 0 and specs[i - 1].kind in ("conv", "separable")
        if spec.kind in ("relu", "tanh") and follows_conv:
            out.append(LayerSpec("residual"))
    return out


def specs_text(specs: list[LayerSpec]) -> str:
    """A compact text form for links: ``conv-32-3-1-0_relu_maxpool-0-2-2-0``.

    >>> parse_specs(specs_text(course_example())) == course_example()
    True
    """
    def one(s: LayerSpec) -> str:
        if s.kind == "dropout":
            return f"dropout-{s.p:g}"
        if s.kind in ("relu", "tanh", "flatten", "batchnorm", "residual"):
            return s.kind
        return f"{s.kind}-{s.size}-{s.kernel}-{s.stride}-{s.padding}"
    return "_".join(one(s) for s in specs)


def parse_specs(text: str) -> list[LayerSpec]:
    """The inverse of ``specs_text``; raises ``InvalidParameter`` for anything it cannot read."""
    specs = []
    for part in (p for p in text.split("_") if p):
        kind, *numbers = part.split("-")
        if kind not in LAYER_KINDS:
            raise InvalidParameter(f"layer must be one of {list(LAYER_KINDS)}, got {kind!r}")
        try:
            if kind == "dropout":
                specs.append(LayerSpec("dropout", p=float(numbers[0]) if numbers else 0.5))
            elif numbers:
                size, kernel, stride, padding = (int(n) for n in numbers)
                specs.append(LayerSpec(kind, size, kernel, stride, padding))
            else:
                specs.append(LayerSpec(kind))
        except ValueError:
            raise InvalidParameter(f"could not read the layer {part!r}") from None
    return specs


def sequential_code(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> str:
    """Runnable PyTorch code for the network (after ``check_network`` passes)."""
    lines, shape = [], tuple(input_shape)
    needs_blocks = any(s.kind in ("separable", "residual") for s in specs)
    for spec, check in zip(specs, check_network(specs, input_shape), strict=True):
        if check.error:
            break
        c = shape[0]
        text = {
            "conv": f"nn.Conv2d({c}, {spec.size}, kernel_size={spec.kernel}, stride={spec.stride}, padding={spec.padding})",
            "separable": f"SeparableConv2d({c}, {spec.size}, {spec.kernel}, {spec.stride}, {spec.padding})",
            "residual": f"ResidualBlock({c})",
            "maxpool": f"nn.MaxPool2d({spec.kernel}, stride={spec.stride})",
            "avgpool": f"nn.AvgPool2d({spec.kernel}, stride={spec.stride})",
            "batchnorm": f"nn.BatchNorm2d({c})", "relu": "nn.ReLU()", "tanh": "nn.Tanh()", "flatten": "nn.Flatten()",
            "dropout": f"nn.Dropout({spec.p:g})", "linear": f"nn.Linear({shape[0]}, {spec.size})",
        }[spec.kind]
        lines.append(f"    {text},  # -> {' x '.join(map(str, check.output_shape))}")
        shape = check.output_shape
    header = ["import torch", "from torch import nn", ""]
    if needs_blocks:
        header += ["from cvcore.networks.builder import ResidualBlock, SeparableConv2d  # or copy their definitions", ""]
    return "\n".join(header + ["model = nn.Sequential(", *lines, ")",
                               f"print(model(torch.zeros(1, {', '.join(map(str, input_shape))})).shape)", ""])
