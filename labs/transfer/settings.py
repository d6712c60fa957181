"""The Transfer-learning lab's settings, each declared once (see ``ui.settings``)."""

from cvcore.networks import transfer
from ui.settings import LabSettings, Setting

__all__ = ["TransferSettings"]

_SOURCES = {"textures": "built-in textures (offline)", "own": "your own classes"}


def _case_label(case: str) -> str:
    return transfer.CASES[case].label


class TransferSettings(LabSettings, ns="transfer"):
    source: str = Setting("textures", "Images", choices=_SOURCES, labels=_SOURCES, widget="radio")
    per_class: int = Setting(20, "Images per class", bounds=(4, 60), widget="slider")
    n_classes: int = Setting(3, "Number of classes", bounds=(2, 5))
    case: str = Setting("small", "Case", choices=transfer.CASES, labels=_case_label, widget="radio")
    epochs: int = Setting(10, "Epochs", bounds=(1, 50), help="The small case trains only the head, on features "
                          "computed once, so many epochs cost little.")
