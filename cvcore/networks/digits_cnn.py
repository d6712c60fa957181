"""The digits CNN the project ships: the course's network (Build your own CNN's starting layers), trained by
``scripts/train_digits.py`` on the bundled digits, so the drawing canvas and *Inside a trained CNN* have a digits
network before the learner has trained one.

It trains on more than the bundled digits (``training_data``): a learner draws on the page's canvas with a thick
round pen, a 1 as a plain bar, a 4 open, a 7 crossed, which the 1990s forms of the UCI digits hardly hold, and a
network trained on those alone read a drawn 1 as a 2. So the training set also holds each training digit redrawn
(``augment.redrawn``: thicker or thinner strokes, narrower, slanted, through the canvas path) and digits drawn as
pen strokes in a hand of their own (``strokes.TRAINING_STYLES``); the drawings it is measured on
(``strokes.STYLES``, another seed) are in neither. The validation digits are the bundled ones, untouched.

The file ``assets/digits_cnn.pt`` holds the ``state_dict``, the layer list (``builder.specs_text``) and the
validation accuracy; its sha256 is recorded here and checked before it is loaded.
"""

from pathlib import Path

import torch

from cvcore import zoo
from cvcore.data import augment, digits, strokes
from cvcore.errors import WeightsUnavailable
from cvcore.networks import builder

__all__ = ["ASSET", "SHA256", "INPUT", "SETTINGS", "EXTRA", "training_data", "load_digits_cnn", "saved_info"]

ASSET = zoo.ASSETS / zoo.networks()["digits_cnn"].asset
SHA256 = "1306ee1aeb682628ce687f2bd823b479937c5814dac97af84a69669d55f474ef"
INPUT = (1, 28, 28)
# What the script trains with (Build's defaults are 5 epochs at 1e-3 with batches of 64).
SETTINGS = {"epochs": 10, "lr": 1e-3, "batch_size": 64, "seed": 0}
# What the training set holds besides the bundled training digits: that many redrawn copies of them, and that many
# pen-stroke drawings of each training style, from these seeds.
EXTRA = {"redrawn_copies": 1, "redrawn_seed": 1, "drawn_per_style": 30, "drawn_seed": 7}


def training_data() -> digits.Dataset:
    """The bundled digits (``digits.digits(28)``, its validation split as it is) with the training split extended by
    ``EXTRA``'s redrawn digits and pen-stroke drawings (about 3,600 images; some 15 s on one CPU thread)."""
    data, eight = digits.digits(28), digits.digits(8)  # the same split, at 28x28 and as the 8x8 originals
    xs, ys = [data.train_x], [data.train_y]
    for copy in range(EXTRA["redrawn_copies"]):
        xs.append(augment.redrawn(eight.train_x[:, 0], seed=EXTRA["redrawn_seed"] + copy))
        ys.append(data.train_y)
    hand = strokes.drawn_set(EXTRA["drawn_per_style"], seed=EXTRA["drawn_seed"], styles=strokes.TRAINING_STYLES)
    xs.append(hand.x)
    ys.append(hand.y)
    return digits.Dataset(torch.cat(xs), torch.cat(ys), data.val_x, data.val_y, data.classes)


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
