"""Build-your-own CNN: a list of layer settings checked layer by layer, turned into ``nn.Sequential``.

Every layer's output shape is worked out on PyTorch's "meta" device (nothing is allocated), so
a setting that shrinks a map below 1x1, a channel mismatch, a wrong ``Linear`` input size or an
absurdly large layer is reported on the offending layer before anything is built for real.
"""

from dataclasses import dataclass

import torch
from torch import nn

from cvcore.errors import InvalidParameter

__all__ = ["LAYER_KINDS", "LAYER_FIELDS", "LayerSpec", "LayerCheck", "ResidualBlock", "SeparableConv2d", "course_example", "check_network",
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
    """What a layer does to the shape: ``output_shape`` (C, H, W) or (N,), or the ``error`` that stops it."""

    index: int
    spec: LayerSpec
    output_shape: tuple[int, ...] | None
    params: int
    error: str | None = None


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
    """Each layer's output shape and parameters; the first failing layer carries the reason, later ones are unchecked."""
    checks, shape, failed = [], tuple(input_shape), False
    for i, spec in enumerate(specs):
        if failed:
            checks.append(LayerCheck(i, spec, None, 0, "not checked: an earlier layer has a problem"))
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
        except (InvalidParameter, RuntimeError, ValueError) as exc:
            message = str(exc).split("\n")[0]
            checks.append(LayerCheck(i, spec, None, 0, message))
            failed = True
    return checks


def build_network(specs: list[LayerSpec], input_shape: tuple[int, int, int], *, seed: int = 0) -> nn.Sequential:
    """The layers as a real ``nn.Sequential`` (random weights from ``seed``), after ``check_network`` passes.

    Raises:
        InvalidParameter: "layer 3 (maxpool): ..." for the first layer that does not fit.

    >>> net = build_network(course_example(), (1, 28, 28))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """
    if not specs:
        raise InvalidParameter("the network has no layers; expected at least one")
    checks = check_network(specs, input_shape)
    for check in checks:
        if check.error:
            raise InvalidParameter(f"layer {check.index + 1} ({check.spec.kind}): {check.error}")
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
