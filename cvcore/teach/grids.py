"""Number grids typed or pasted by a learner: parse them strictly, print them compactly."""

import re

import torch

from cvcore import _validate
from cvcore.errors import InvalidParameter

__all__ = ["MAX_GRID_SIDE", "parse_grid", "parse_grid_text", "grid_text", "grid_csv", "random_grid"]

MAX_GRID_SIDE = 64


def parse_grid(rows, name: str = "grid") -> torch.Tensor:
    """Rows of cells (numbers or strings, e.g. from a table editor) as Tensor[H, W] float64.

    Raises:
        InvalidParameter: ragged rows, an empty or non-numeric cell (named by row and column).

    >>> parse_grid([["1", "2"], [3, " 4 "]]).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    rows = [list(row) for row in rows]
    if not rows or not rows[0]:
        raise InvalidParameter(f"{name} is empty; expected at least one row and one column")
    width = len(rows[0])
    for r, row in enumerate(rows):
        if len(row) != width:
            raise InvalidParameter(f"{name} row {r + 1} has {len(row)} numbers; expected {width} like row 1")
    if len(rows) > MAX_GRID_SIDE or width > MAX_GRID_SIDE:
        raise InvalidParameter(f"{name} is {len(rows)}x{width}; expected at most {MAX_GRID_SIDE}x{MAX_GRID_SIDE}")
    values = [[_validate.parse_number(cell, r, c, name) for c, cell in enumerate(row)] for r, row in enumerate(rows)]
    return torch.tensor(values, dtype=torch.float64)


def parse_grid_text(text: str, name: str = "grid") -> torch.Tensor:
    """Text with one row per line (or rows separated by ';' or '/'), numbers by spaces or commas.

    >>> parse_grid_text("3 0 1 / 1 5 8").tolist()
    [[3.0, 0.0, 1.0], [1.0, 5.0, 8.0]]
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameter(f"{name} is empty; expected rows of numbers such as '1 0 -1 / 1 0 -1'")
    lines = [line for line in re.split(r"[\n;/]", text) if line.strip()]
    return parse_grid([re.split(r"[\s,]+", line.strip()) for line in lines], name)


def grid_text(grid: torch.Tensor) -> str:
    """The compact form used in links: rows joined by '/', numbers by ','.

    >>> grid_text(torch.tensor([[1.0, -0.5], [2.0, 3.0]]))
    '1,-0.5/2,3'
    """
    return "/".join(",".join(f"{float(v):.6g}" for v in row) for row in grid.tolist())


def grid_csv(grid: torch.Tensor) -> str:
    """A grid as CSV text, one row per line, full precision.

    >>> print(grid_csv(torch.tensor([[1.0, 2.5], [-3.0, 4.0]])), end="")
    1,2.5
    -3,4
    """
    return "".join(",".join(f"{float(v):.10g}" for v in row) + "\n" for row in grid.tolist())


def random_grid(height: int, width: int, *, low: int = 0, high: int = 9, seed: int = 0) -> torch.Tensor:
    """Random whole numbers in [low, high], reproducible from ``seed``.

    >>> random_grid(2, 3, seed=1).shape
    torch.Size([2, 3])
    """
    _validate.pair((height, width), "grid size", minimum=1)
    if max(height, width) > MAX_GRID_SIDE:
        raise InvalidParameter(f"grid size must be at most {MAX_GRID_SIDE}, got {height}x{width}")
    if low > high:
        raise InvalidParameter(f"low must be <= high, got low={low}, high={high}")
    gen = torch.Generator().manual_seed(int(seed))
    return torch.randint(int(low), int(high) + 1, (height, width), generator=gen).to(torch.float64)
