"""One output value of a trained network, recomputed by hand: the *Convolution over volumes* step for a real layer.

A convolution unit is a ``Conv2d`` with the batch norm and activation that follow it (MobileNetV2's
``Conv2dNormActivation``, its linear 1x1 projection ``Conv2d`` + ``BatchNorm2d``, or ``Conv2d``, ``ReLU`` in a
digits ``nn.Sequential``). For output channel k at (row, col) the value is

    s = sum over the input channels the filter sees (all of them, or one for a depthwise filter)
        of window x weights, plus the bias (if the convolution has one)
    y = (s - running_mean[k]) / sqrt(running_var[k] + eps) * gamma[k] + beta[k]     (if a batch norm follows)
    a = ReLU6(y), ReLU(y), tanh(y) or y                                                 (the activation, if any)

The window is cut from the previous layer's activations (zero padding outside), which, like the network's own
value, come from ``cvcore.inside.features.extract``: the shared model is read, never hooked or changed.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from cvcore.errors import InvalidParameter
from cvcore.inside import features
from cvcore.teach.words import plain, signed

__all__ = ["ConvUnit", "UnitTrace", "conv_units", "unit_activations", "trace_unit", "ACTIVATIONS"]

ACTIVATIONS = {nn.ReLU: "ReLU", nn.ReLU6: "ReLU6", nn.Tanh: "tanh"}
_TOP = 8
CONTEXT = 2  # rows and columns of activations kept around the window, for the pictures


@dataclass(frozen=True)
class ConvUnit:
    """A convolution with what follows it, as module paths of the model.

    ``name`` is how the lab calls the unit (the ``Conv2dNormActivation``, or the ``Conv2d`` itself);
    ``output`` is the node whose activations are the unit's values, ``input`` the node whose activations it
    reads (None: the network's input). ``block`` and ``shortcut`` are set when a residual addition follows:
    the block's output node and the node that is added (the block's input).
    """

    name: str
    conv: str
    bn: str | None
    activation: str | None  # "ReLU6", "ReLU", "tanh" or None (linear)
    output: str
    input: str | None
    stage: str
    block: str | None = None
    shortcut: str | None = None

    def nodes(self) -> dict[str, str]:
        """The activations a trace of this unit reads, by role: "output", then "input", "block" and "shortcut" where
        the unit has them."""
        roles = {"output": self.output, "input": self.input}
        if self.block is not None:
            roles |= {"block": self.block, "shortcut": self.shortcut}
        return {role: node for role, node in roles.items() if node is not None}

    def kind(self, model: nn.Module) -> str:
        """'depthwise 3x3', '1x1 expansion', '1x1 projection (linear)', '3x3' ... for labels."""
        conv = model.get_submodule(self.conv)
        kh, kw = conv.kernel_size
        size = f"{kh}x{kw}"
        if conv.groups > 1 and conv.groups == conv.in_channels:
            return f"depthwise {size}"
        if (kh, kw) == (1, 1):
            if self.activation is None:
                return "1x1 projection (linear)"
            return "1x1 expansion" if conv.out_channels > conv.in_channels else "1x1"
        return size + (f", groups {conv.groups}" if conv.groups > 1 else "")


@dataclass(frozen=True)
class UnitTrace:
    """One output value of ``unit``: channel ``channel`` at (``row``, ``col``), every number on the way.

    ``channels`` are the input channels the filter sees; ``window``, ``weights`` and ``products`` are
    Tensor[len(channels), kh, kw] (float64), ``channel_sums`` Tensor[len(channels)]. ``rows``/``cols`` are the
    input rows and columns of the window (negative or past the edge: zero padding); ``context`` holds the seen
    channels' activations from ``CONTEXT`` rows and columns before the window to as many after it. ``network_value`` is the
    network's own activation at the same place; ``shortcut_value``/``block_value``/``network_block_value`` are
    set when a residual addition follows.
    """

    unit: ConvUnit
    channel: int
    row: int
    col: int
    channels: tuple[int, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    window: torch.Tensor
    weights: torch.Tensor
    products: torch.Tensor
    channel_sums: torch.Tensor
    total: float  # the sum of every product
    bias: float | None
    pre_norm: float  # total + bias
    norm: tuple[float, float, float, float, float] | None  # running mean, running var, eps, gamma, beta
    normed: float
    value: float  # after the activation
    network_value: float
    context: torch.Tensor | None = None  # [C_g, kh + 2 CONTEXT, kw + 2 CONTEXT] around the window, zeros outside
    shortcut_value: float | None = None
    block_value: float | None = None
    network_block_value: float | None = None

    @property
    def products_count(self) -> int:
        return self.products.numel()

    def top_channels(self, n: int = _TOP) -> list[int]:
        """Positions in ``channels`` of the ``n`` largest contributions (by |channel sum|), largest first."""
        order = torch.argsort(self.channel_sums.abs(), descending=True, stable=True)
        return order[:n].tolist()

    def lines(self) -> list[str]:
        """The computation after the products, one line per stage, numbers filled in (a negative term is taken
        away, "- 0.25", not added as "+ -0.25"; nothing is written as -0.000000)."""
        out = [f"sum of the {self.products_count} products = {plain(self.total)}"]
        if self.bias is not None:
            out.append(f"bias: {plain(self.total)} {signed(self.bias)} = {plain(self.pre_norm)}")
        if self.norm is not None:
            mean, var, eps, gamma, beta = self.norm
            out.append(f"batch norm: ({plain(self.pre_norm)} {signed(-mean)}) / sqrt({plain(var)} + {eps:g}) "
                       f"x {plain(gamma)} {signed(beta)} = {plain(self.normed)}")
        act = self.unit.activation
        if act == "ReLU6":
            out.append(f"ReLU6: min(max({plain(self.normed)}, 0), 6) = {plain(self.value)}")
        elif act == "ReLU":
            out.append(f"ReLU: max({plain(self.normed)}, 0) = {plain(self.value)}")
        elif act == "tanh":
            out.append(f"tanh({plain(self.normed)}) = {plain(self.value)}")
        else:
            out.append(f"no activation (a linear layer): {plain(self.value)}")
        if self.block_value is not None:
            out.append(f"then the block adds its input at the same place: {plain(self.value)} "
                       f"{signed(self.shortcut_value)} = {plain(self.block_value)}")
        return out


def _leaves(model: nn.Module) -> set[str]:
    """Modules that the feature extractor traces as one node (their insides have no node of their own)."""
    nodes = set(features._node_names(model))  # the same graph the extractor uses
    return {n for n in nodes if not any(other.startswith(n + ".") for other in nodes)}


def _stage_of(path: str, stages: list[str]) -> str:
    for stage in stages:
        if path == stage or path.startswith(stage + "."):
            return stage
    return path.split(".")[0]


def conv_units(model: nn.Module) -> list[ConvUnit]:
    """Every convolution unit of ``model`` in the order it runs, for networks built from ``nn.Sequential``
    containers (a digits CNN), MobileNetV2-style inverted residual blocks and ``Conv2dNormActivation`` blocks.
    Other modules (pooling, residual blocks of other kinds, linear layers) are passed over as a whole.

    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 4, 1), nn.BatchNorm2d(4))
    >>> [(u.name, u.input, u.output, u.activation) for u in conv_units(net)]
    [('0', None, '1', 'ReLU'), ('3', '2', '4', None)]
    """
    leaves = _leaves(model)
    stages = [name for name, _ in features._blocks(model)]  # the lab's stages
    units: list[ConvUnit] = []
    _walk(model, "", None, leaves, stages, units)
    return units


def _walk(container: nn.Module, path: str, prev: str | None, leaves: set[str], stages: list[str],
          units: list[ConvUnit]) -> None:
    """Adds the units of ``container``'s children to ``units``, in order; ``prev`` is the node its input comes from."""
    children = [(f"{path}.{name}" if path else name, child) for name, child in container.named_children()]
    i = 0
    while i < len(children):
        here, child = children[i]
        i += 1
        if isinstance(child, nn.Conv2d):
            bn, act, last, i = _followers(children, i, None, None, here)
            units.append(ConvUnit(here, here, bn, act, last, prev, _stage_of(here, stages)))
            prev = last
            continue
        if here in leaves and isinstance(child, nn.Sequential) and len(child) and isinstance(child[0], nn.Conv2d):
            bn = f"{here}.1" if len(child) > 1 and isinstance(child[1], nn.BatchNorm2d) else None
            at = 2 if bn else 1
            act = ACTIVATIONS.get(type(child[at])) if len(child) > at else None
            units.append(ConvUnit(here, f"{here}.0", bn, act, here, prev, _stage_of(here, stages)))
        elif isinstance(child, nn.Sequential) and here not in leaves:
            first = len(units)
            _walk(child, here, prev, leaves, stages, units)
            inner = units[-1] if len(units) > first else None
            if inner is not None and inner.output == f"{here}.{len(child) - 1}" and inner.bn is None \
                    and inner.activation is None:  # e.g. a separable convolution followed by batch norm and ReLU
                bn, act, last, i = _followers(children, i, None, None, here)
                if last != here:
                    units[-1] = ConvUnit(inner.name, inner.conv, bn, act, last, inner.input, inner.stage)
                    prev = last
                    continue
        elif isinstance(getattr(child, "conv", None), nn.Sequential) and here not in leaves:  # an inverted residual
            first = len(units)
            _walk(child.conv, f"{here}.conv", prev, leaves, stages, units)
            if getattr(child, "use_res_connect", False) and len(units) > first:
                last = units[-1]
                units[-1] = ConvUnit(last.name, last.conv, last.bn, last.activation, last.output, last.input,
                                     last.stage, block=here, shortcut=prev)
        prev = here


def _followers(children: list[tuple[str, nn.Module]], i: int, bn: str | None, act: str | None,
               last: str) -> tuple[str | None, str | None, str, int]:
    """The batch norm and the activation that follow a convolution among ``children`` from position ``i``:
    (bn path, activation name, the last path of the unit, the next position)."""
    if i < len(children) and isinstance(children[i][1], nn.BatchNorm2d):
        bn = last = children[i][0]
        i += 1
    if i < len(children) and type(children[i][1]) in ACTIVATIONS:
        act, last = ACTIVATIONS[type(children[i][1])], children[i][0]
        i += 1
    return bn, act, last, i


def unit_activations(model: nn.Module, x: torch.Tensor, unit: ConvUnit) -> dict[str, torch.Tensor]:
    """The activations a trace of ``unit`` reads, for one image ``x`` (Tensor[1, C, H, W]), in one forward pass:
    ``"input"`` (Tensor[C_in, H_in, W_in]), ``"output"`` (Tensor[C_out, H', W']) and, after a residual addition,
    ``"shortcut"`` and ``"block"``. Float32 on the CPU."""
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, C, H, W], got shape {tuple(x.shape)}")
    wanted = unit.nodes()
    got = features.extract(model, x, sorted(set(wanted.values())))
    out = {key: got[node][0].detach().float().cpu().clone() for key, node in wanted.items()}  # not inference tensors
    if unit.input is None:
        out["input"] = x[0].detach().float().cpu()
    if unit.block is not None and unit.shortcut is None:
        out["shortcut"] = x[0].detach().float().cpu()
    return out


def _find(model: nn.Module, name: str) -> ConvUnit:
    units = conv_units(model)
    for unit in units:
        if unit.name == name:
            return unit
    names = [u.name for u in units]
    raise InvalidParameter(f"unit must be a convolution of the model (e.g. {names[len(names) // 2]!r}), got {name!r}"
                           if names else "the model has no convolution to trace")


def trace_unit(model: nn.Module, unit: ConvUnit | str, channel: int, row: int, col: int, *,
               x: torch.Tensor | None = None, activations: dict[str, torch.Tensor] | None = None) -> UnitTrace:
    """Recompute the value of ``unit``'s output channel ``channel`` at (``row``, ``col``) from the previous
    activations and the layer's own weights, in float64.

    Give the image ``x`` (Tensor[1, C, H, W]) or the ``activations`` of ``unit_activations`` (cached by a page).

    Raises:
        InvalidParameter: an unknown unit, a channel or cell outside the output, or a padding mode other than zeros.

    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReLU()).eval()
    >>> with torch.no_grad(): _ = net[0].weight.fill_(1.0), net[0].bias.fill_(-1.0)
    >>> t = trace_unit(net, "0", 0, 0, 0, x=torch.ones(1, 1, 4, 4))
    >>> t.rows, t.cols, t.total, t.value, t.network_value
    ((-1, 0, 1), (-1, 0, 1), 4.0, 3.0, 3.0)
    """
    unit = _find(model, unit) if isinstance(unit, str) else unit
    if activations is None:
        if x is None:
            raise InvalidParameter("trace_unit needs the image x or its activations, got neither")
        activations = unit_activations(model, x, unit)
    conv = model.get_submodule(unit.conv)
    if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        raise InvalidParameter(f"the convolution must pad with zeros by a number of pixels, got {conv.padding_mode!r} "
                               f"padding {conv.padding!r}")
    out = activations["output"]  # [K, H', W']
    k_total, out_h, out_w = out.shape
    for what, value, top in (("channel", channel, k_total), ("row", row, out_h), ("col", col, out_w)):
        if not 0 <= int(value) < top:
            raise InvalidParameter(f"{what} must be between 0 and {top - 1}, got {value}")
    a = activations["input"].to(torch.float64)  # [C_in, H, W]
    weight = conv.weight.detach().to("cpu", torch.float64)  # [K, C_in / groups, kh, kw]
    per_group = weight.shape[1]
    group = channel // (k_total // conv.groups)
    channels = tuple(range(group * per_group, (group + 1) * per_group))
    (sh, sw), (ph, pw), (dh, dw) = conv.stride, conv.padding, conv.dilation
    kh, kw = weight.shape[2:]
    rows = tuple(row * sh - ph + i * dh for i in range(kh))
    cols = tuple(col * sw - pw + j * dw for j in range(kw))
    seen = a[channels[0]:channels[-1] + 1]  # [C_g, H, W]
    window = torch.zeros(per_group, kh, kw, dtype=torch.float64)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if 0 <= r < a.shape[1] and 0 <= c < a.shape[2]:
                window[:, i, j] = seen[:, r, c]
    top, left = rows[0] - CONTEXT, cols[0] - CONTEXT
    bottom, right = rows[-1] + CONTEXT + 1, cols[-1] + CONTEXT + 1
    context = torch.zeros(per_group, bottom - top, right - left, dtype=torch.float64)
    r0, r1, c0, c1 = max(top, 0), min(bottom, a.shape[1]), max(left, 0), min(right, a.shape[2])
    if r1 > r0 and c1 > c0:
        context[:, r0 - top:r1 - top, c0 - left:c1 - left] = seen[:, r0:r1, c0:c1]
    weights = weight[channel]  # [C_g, kh, kw]
    products = window * weights
    channel_sums = products.sum(dim=(1, 2))
    total = float(channel_sums.sum())
    bias = None if conv.bias is None else float(conv.bias.detach()[channel])
    pre = total + (bias or 0.0)
    norm, normed = None, pre
    if unit.bn is not None:
        bn = model.get_submodule(unit.bn)
        mean, var = float(bn.running_mean[channel]), float(bn.running_var[channel])
        gamma = float(bn.weight.detach()[channel]) if bn.weight is not None else 1.0
        beta = float(bn.bias.detach()[channel]) if bn.bias is not None else 0.0
        norm = (mean, var, float(bn.eps), gamma, beta)
        normed = (pre - mean) / math.sqrt(var + bn.eps) * gamma + beta
    value = {"ReLU6": lambda v: min(max(v, 0.0), 6.0), "ReLU": lambda v: max(v, 0.0), "tanh": math.tanh}.get(
        unit.activation, lambda v: v)(normed)
    extra = {}
    if unit.block is not None:
        shortcut = float(activations["shortcut"][channel, row, col])
        extra = {"shortcut_value": shortcut, "block_value": value + shortcut,
                 "network_block_value": float(activations["block"][channel, row, col])}
    return UnitTrace(unit=unit, channel=int(channel), row=int(row), col=int(col), channels=channels, rows=rows,
                     cols=cols, window=window, weights=weights, products=products, channel_sums=channel_sums,
                     total=total, bias=bias, pre_norm=pre, norm=norm, normed=normed, value=value,
                     network_value=float(out[channel, row, col]), context=context, **extra)
