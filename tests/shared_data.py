"""Data and weights that live beside the repository in ``../shared`` (never copied into it).

Under ``CI=true`` a missing file fails the test loudly; elsewhere the test is skipped with the reason.
"""

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: this test needs the shared data and weights folder ../shared"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return path
