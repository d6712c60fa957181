"""The digits CNN the project ships: the course's network (Build your own CNN's starting layers), trained by
``scripts/train_digits.py`` on the bundled digits, so the drawing canvas and *Inside a trained CNN* have a digits
network before the learner has trained one.

The file ``assets/digits_cnn.pt`` holds the ``state_dict``, the layer list (``builder.specs_text``) and the
validation accuracy; its sha256 is recorded here and checked before it is loaded.
"""

from pathlib import Path

import torch

from cvcore import zoo
from cvcore.errors import WeightsUnavailable
from cvcore.networks import builder

__all__ = ["ASSET", "SHA256", "INPUT", "SETTINGS", "load_digits_cnn", "saved_info"]

ASSET = zoo.ASSETS / zoo.networks()["digits_cnn"].asset
SHA256 = "21dd9d79fee0985c52674b9871576ad00913ad5f25ab61664334ad6a2d02ebfc"
INPUT = (1, 28, 28)
# What the script trains with (Build's defaults are 5 epochs at 1e-3 with batches of 64).
SETTINGS = {"epochs": 8, "lr": 1e-3, "batch_size": 64, "seed": 0}


def _build(saved: dict) -> torch.nn.Module:
    return builder.build_network(builder.parse_specs(saved["layers"]), INPUT)


def load_digits_cnn(path: str | Path | None = None, *, sha256: str | None = SHA256) -> torch.nn.Module:
    """The shipped digits network (``torch.nn.Sequential`` on Tensor[N, 1, 28, 28] in [0, 1] -> 10 logits), in eval
    mode. ``sha256=None`` skips the check (for a file the script has just written).

    Raises:
        WeightsUnavailable: the file is missing, does not match its recorded sha256, or cannot be read.
    """
    path = Path(path) if path is not None else ASSET
    if sha256 is not None and path.is_file() and zoo.sha256_of(path) != sha256:
        raise WeightsUnavailable(f"{path.parent.name}/{path.name} is not the file this version ships (its sha256 "
                                 "differs); run `python scripts/train_digits.py` to make it again")
    return zoo.load_asset(path, _build, what="the digits network's weights", script="scripts/train_digits.py")


def saved_info(path: str | Path | None = None) -> dict:
    """The file's layer list, validation accuracy and training settings (everything but the weights)."""
    saved = torch.load(Path(path) if path is not None else ASSET, map_location="cpu", weights_only=True)
    return {k: v for k, v in saved.items() if k != "state_dict"}
