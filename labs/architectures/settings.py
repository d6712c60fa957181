"""The Architectures lab's settings, each declared once (see ``ui.settings``)."""

from cvcore.networks import architectures as arch
from ui.settings import LabSettings, Setting

__all__ = ["NETS", "ArchSettings"]

NETS = arch.registry()


def _net_label(name: str) -> str:
    return f"{NETS[name].label} ({NETS[name].year})"


class ArchSettings(LabSettings, ns="arch"):
    net: str = Setting("lenet5_course", "Network", choices=NETS, labels=_net_label)
    size: int = Setting(0, "Input size (0 = the network's own)", bounds=(0, 1024))
    n: int = Setting(32, "input n", bounds=(5, 512))
    c: int = Setting(3, "input n_C", bounds=(1, 512))
    f: int = Setting(5, "filter f", bounds=(1, 15))
    k: int = Setting(6, "filters", bounds=(1, 1024))
