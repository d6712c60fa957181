"""Tolerances worked out from the computation, and the comparisons that use them.

Every device test runs one engine path on ``--device`` in float32 and compares it with a reference computed on the CPU,
in float64 where the engine path takes float64 inputs and models (then the reference is exact to about 1e-16 and the
difference is the device's rounding alone), else in float32. The tolerance is the rounding the float32 computation may
accumulate:

- A sum of n terms rounded at each addition is off by at most n u times the sum of the terms' magnitudes
  (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., eq. 3.5, gamma_n ~ n u), with u the unit
  roundoff: 2**-24 for float32, 2**-53 for float64, and 2**-11 for TF32's 10-bit mantissa (its inputs are rounded
  to it; the sum is still float32).
- A network is a chain of such sums: each convolution or linear layer adds its fan-in (the terms of one output) times
  u, relative to the scale of its activations; ``network_terms`` adds them up along the forward pass. This is a
  first-order worst case (errors of every layer add up, none cancel, each layer keeps the scale of its input), so it
  is far above what is seen: rounding errors are random and grow like sqrt(n), not n.
- The backward pass of a layer sums over the outputs that read an input (its fan-out), about as many terms again:
  a gradient costs twice the forward's terms.
- An iterative job (SGD, Adam, L-BFGS) repeats that per step, so its bound grows with the number of steps.

What this does not cover are discontinuities: an arg-max, a threshold or a ReLU whose input lies within the rounding
of the switch point. Where a test compares such a choice (a class, a kept box), it first measures the reference's
margin from the switch and compares only where the margin is above the bound.
"""

import torch
from torch import nn

U32 = 2.0 ** -24  # float32
U64 = 2.0 ** -53  # float64
U_TF32 = 2.0 ** -11  # TF32 inputs (10 explicit mantissa bits)


def unit_roundoff(dtype: torch.dtype) -> float:
    return {torch.float32: U32, torch.float64: U64}[dtype]


def network_terms(model: nn.Module, upto: str | None = None) -> int:
    """The terms summed along the forward pass: the fan-in of every convolution and linear layer, in the order the
    modules are declared (the order they run in for the sequential networks here), up to and including ``upto``
    and its submodules."""
    total, inside = 0, False
    for name, module in model.named_modules():
        if upto is not None:
            if inside and not name.startswith(upto + "."):
                break  # past the last submodule of ``upto``
            inside = inside or name == upto
        if isinstance(module, nn.modules.conv._ConvNd):
            k = 1
            for side in module.kernel_size:
                k *= side
            total += (module.in_channels // module.groups) * k
        elif isinstance(module, nn.Linear):
            total += module.in_features
    return total


def f64(value) -> torch.Tensor:
    """Any tensor (or number, or list of numbers) as a float64 tensor on the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float64)
    return torch.as_tensor(value, dtype=torch.float64)


def scale(want) -> float:
    """The reference's largest magnitude: what a relative bound multiplies."""
    w = f64(want)
    return float(w.abs().max()) if w.numel() else 0.0


def assert_close(got, want, bound: float, what: str) -> None:
    """``got`` (any device) within ``bound`` of ``want`` everywhere, same shape, NaN where the reference has NaN."""
    g, w = f64(got), f64(want)
    assert g.shape == w.shape, f"{what}: shape {tuple(g.shape)} on the device, {tuple(w.shape)} on the reference"
    torch.testing.assert_close(g, w, rtol=0, atol=bound, equal_nan=True,
                               msg=lambda m: f"{what}: beyond the bound {bound:.2e}\n{m}")


def assert_relative(got, want, terms: float, what: str, u: float = U32) -> None:
    """Within ``terms`` x u x max|reference|: a float32 result of ``terms`` accumulated roundings."""
    assert_close(got, want, terms * u * scale(want), what)


def assert_trajectory(got: list[float], want: list[float], first_bound: float, what: str) -> None:
    """An optimisation's per-step values: the first step tightly, the later ones loosely.

    Both runs start from the same point, so the first step is one deterministic computation and must agree within
    ``first_bound``. After it the runs may part: a rounding difference in one update changes the next gradient, and an
    optimiser like Adam, which divides by the gradient's own size, turns a difference in the last bit of a gradient near
    0 into a full step of ``lr``. How far apart the runs get is then bounded by how far the job moves at all, not by
    rounding: step k must be within ``first_bound`` plus the distance the reference itself travelled from its first
    step (|want[k] - want[0]|), twice over (one run may have gone that far in one direction, the other in the other).
    That catches a device that computes something else (a wrong sign, a stalled or a diverging run), not a rounding.
    """
    assert len(got) == len(want), f"{what}: {len(got)} steps on the device, {len(want)} on the reference"
    assert abs(got[0] - want[0]) <= first_bound, (
        f"{what}: first step {got[0]!r} on the device, {want[0]!r} on the reference, beyond {first_bound:.2e}")
    for k in range(1, len(want)):
        travelled = max(abs(w - want[0]) for w in want[: k + 1])
        limit = first_bound + 2 * travelled
        assert abs(got[k] - want[k]) <= limit, (
            f"{what}: step {k + 1}: {got[k]!r} on the device, {want[k]!r} on the reference, beyond {limit:.2e} "
            f"(the reference moved {travelled:.2e} since its first step)")


def assert_same_where_decided(got: torch.Tensor, want: torch.Tensor, decided: torch.Tensor, what: str) -> None:
    """Choices (classes, kept boxes) equal wherever the reference's margin from the switch point is above the bound."""
    g, w = got.detach().cpu(), want.detach().cpu()
    assert g.shape == w.shape, f"{what}: shape {tuple(g.shape)} on the device, {tuple(w.shape)} on the reference"
    differ = (g != w) & decided.cpu()
    assert not bool(differ.any()), f"{what}: {int(differ.sum())} of {int(decided.sum())} clear choices differ"


def margins(scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """The gap between the largest and the second largest score along ``dim``: how far an arg-max is from flipping."""
    top = f64(scores).topk(2, dim=dim).values
    return top.select(dim, 0) - top.select(dim, 1)


def assert_close_but(got, want, bound: float, allowed: int, what: str) -> None:
    """As ``assert_close``, but up to ``allowed`` elements may lie beyond the bound: those a switch near its point
    (a ReLU at 0) may change, counted from the reference (see ``test_inside.switch_footprint``)."""
    g, w = f64(got), f64(want)
    assert g.shape == w.shape, f"{what}: shape {tuple(g.shape)} on the device, {tuple(w.shape)} on the reference"
    beyond = int(((g - w).abs() > bound).sum())
    assert beyond <= allowed, (f"{what}: {beyond} elements beyond the bound {bound:.2e} (largest difference "
                               f"{float((g - w).abs().max()):.2e}), {allowed} allowed by the ReLUs near their switch")
