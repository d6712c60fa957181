"""Input checks shared by the engine's public functions (messages say expected and got)."""

import math

import torch

from cvcore.errors import InvalidParameter


def pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a (height, width) pair."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise InvalidParameter(f"{name} must be an int or a pair of ints, got {value!r}")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not float(item).is_integer():
            raise InvalidParameter(f"{name} must be a whole number, got {item!r}")
        if int(item) < minimum:
            raise InvalidParameter(f"{name} must be >= {minimum}, got {int(item)}")
        out.append(int(item))
    return out[0], out[1]


def matrix(values, name: str) -> torch.Tensor:
    """A non-empty 2-D array of finite numbers as Tensor[H, W] float64."""
    try:
        t = torch.as_tensor(values, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InvalidParameter(f"{name} must be a 2-D grid of numbers, got {type(values).__name__}") from exc
    if t.ndim != 2:
        raise InvalidParameter(f"{name} must be 2-D (rows x columns), got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise InvalidParameter(f"{name} must not be empty, got shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise InvalidParameter(f"{name} must contain only finite numbers, got NaN or infinity")
    return t


def parse_number(cell, row: int, col: int, name: str) -> float:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise InvalidParameter(f"{name} cell (row {row + 1}, column {col + 1}) is empty; expected a number")
    if isinstance(cell, bool):
        raise InvalidParameter(f"{name} cell (row {row + 1}, column {col + 1}) is {cell!r}; expected a number")
    try:
        value = float(cell.strip()) if isinstance(cell, str) else float(cell)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} cell (row {row + 1}, column {col + 1}) is {cell!r}; expected a number") from None
    if math.isnan(value) and not isinstance(cell, str):
        raise InvalidParameter(f"{name} cell (row {row + 1}, column {col + 1}) is empty; expected a number")
    if not math.isfinite(value):
        raise InvalidParameter(f"{name} cell (row {row + 1}, column {col + 1}) is {cell!r}; expected a finite number")
    return value
