"""Digits networks trained in the app, kept as a few bytes and rebuilt in another lab.

"Build your own CNN" trains a network on the digits; "Inside a trained CNN" opens it again, or the course's network
the app ships (``assets/digits_cnn.pt``), or a network exported by the Transfer-learning lab. A trained network is
kept as a ``TrainedRecord``: its layer list as text (``builder.specs_text``) and its ``state_dict`` as bytes (under
a megabyte for the course's network), named by a digest of those bytes so that identical networks share one copy.
The code heads are the first lines of the PyTorch snippets that reopen each network outside the app.
"""

import hashlib
import io
from typing import TypedDict

import torch

from cvcore import zoo
from cvcore.data import digits as datasets
from cvcore.errors import CvcoreError
from cvcore.inside import features
from cvcore.networks import builder

__all__ = ["NAME", "EXPORTED", "SHIPPED", "INPUT", "TrainedRecord", "record_of", "rebuild", "shipped_entry",
           "snippet_head", "shipped_head", "exported_head"]

NAME = "my_cnn"
EXPORTED = "exported"  # a network exported by the Transfer-learning lab, uploaded back
SHIPPED = "digits_cnn"  # the course's network trained by scripts/train_digits.py (assets/digits_cnn.pt)
INPUT = (1, 28, 28)  # [C, H, W] of a digit


class TrainedRecord(TypedDict):
    layers: str  # builder.specs_text of the layer list
    weights: bytes  # torch.save of the state_dict, on the CPU
    val_acc: float
    digest: str  # the first 12 hex digits of the weights' sha1


def record_of(specs: list[builder.LayerSpec], model: torch.nn.Module, val_acc: float) -> TrainedRecord:
    """A trained network as a record: its layer list, its weights as bytes and its validation accuracy."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    data = buffer.getvalue()
    return {"layers": builder.specs_text(specs), "weights": data, "val_acc": float(val_acc),
            "digest": hashlib.sha1(data).hexdigest()[:12]}


def rebuild(layers: str, weights: bytes) -> tuple[zoo.ModelEntry, torch.nn.Module]:
    """The network of a record's ``layers`` and ``weights``, in eval mode, with a registry-like entry whose CAM layer
    is its last layer of feature maps.

    Raises:
        CvcoreError: the layer list does not parse, the weights do not fit it, or no layer outputs feature maps.
    """
    specs = builder.parse_specs(layers)
    model = builder.build_network(specs, INPUT)
    model.load_state_dict(torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True))
    model.eval()
    maps = features.layer_list(model, INPUT[1], INPUT[0])
    if not maps:
        raise CvcoreError("this network has no layer that outputs feature maps")
    entry = zoo.custom_entry(NAME, "Your CNN from Build your own CNN (digits)", datasets.digits(28).classes,
                             size=INPUT[1], channels=INPUT[0], cam_layer=maps[-1].name)
    return entry, model


def shipped_entry(model: torch.nn.Module) -> zoo.ModelEntry:
    """The registry-like entry of the shipped digits network ``model`` (``zoo.load_network(SHIPPED)``)."""
    maps = features.layer_list(model, INPUT[1], INPUT[0])
    return zoo.custom_entry(SHIPPED, "Digits CNN shipped with the app (the course's network)",
                            datasets.digits(28).classes, size=INPUT[1], channels=INPUT[0], cam_layer=maps[-1].name)


def snippet_head(trained: TrainedRecord) -> list[str]:
    """Code that rebuilds the network, loads ``my_cnn.pt`` and reads ``my_digit.png`` as ``x``."""
    definition = builder.sequential_code(builder.parse_specs(trained["layers"]), INPUT).rstrip().splitlines()
    definition = [line for line in definition if not line.startswith("print(")]
    return definition + [
        "from PIL import Image",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "",
        "model.load_state_dict(torch.load('my_cnn.pt', weights_only=True))  # the file downloaded from this panel",
        "model.eval()",
        "image = Image.open('my_digit.png').convert('L').resize((28, 28))  # light ink on black, like the training digits",
        "x = torch.tensor(list(image.getdata()), dtype=torch.float32).view(1, 1, 28, 28) / 255  # [1, 1, 28, 28] in [0, 1]",
    ]


def shipped_head() -> list[str]:
    """Code that loads the shipped digits network (this project's ``cvcore`` on the path) and reads ``my_digit.png``
    as ``x``."""
    return [
        "import torch",
        "from PIL import Image",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "from cvcore import zoo  # this project's engine",
        "",
        "model = zoo.load_network('digits_cnn')  # assets/digits_cnn.pt, made by scripts/train_digits.py, in eval mode",
        "image = Image.open('my_digit.png').convert('L').resize((28, 28))  # light ink on black, like the training digits",
        "x = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).float().view(1, 1, 28, 28) / 255  # in [0, 1]",
    ]


def exported_head(sample: str | None) -> list[str]:
    """Code that rebuilds an exported network from its two files and prepares ``x`` the same way."""
    image = (f"Image.fromarray(data.{sample}()).convert('RGB')" if sample else "Image.open('your_photo.jpg').convert('RGB')")
    return [
        "import torch",
        "from PIL import Image",
        "from skimage import data",
        "from torchvision.models.feature_extraction import create_feature_extractor",
        "from cvcore.inside import features  # this project's engine",
        "from cvcore.networks import transfer",
        "",
        "entry, model = transfer.load_exported(open('my_transfer.pt', 'rb').read(), open('my_transfer.json').read())",
        f"image = {image}",
        "x = features.preprocess(image, entry)  # resize, centre crop, normalise as in the JSON file",
    ]
