"""Classic CNN architectures as live objects: every layer's output shape, activation size,
parameters and multiply-adds, measured on the real PyTorch modules (never typed in).

Models are built on PyTorch's "meta" device: shapes and parameter counts without allocating
or computing anything, so even VGG-16's 138M parameters tabulate in milliseconds.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torchvision
from torch import nn

from cvcore.errors import InvalidParameter

__all__ = ["Architecture", "LayerRow", "registry", "build", "layer_table", "totals", "lenet5", "lenet5_course"]


@dataclass(frozen=True)
class LayerRow:
    """One leaf layer. ``output_shape`` is (C, H, W) for maps or (N,) for vectors, without the batch."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    activation_size: int
    params: int
    macs: int


@dataclass(frozen=True)
class Architecture:
    """A network the Architectures lab offers: how to build it and what torchvision publishes about it."""

    name: str
    label: str
    year: int
    input_shape: tuple[int, int, int]
    builder: Callable[[], nn.Module]
    top1: float | None = None  # ImageNet-1K top-1 accuracy (%) of torchvision's pretrained weights
    note: str = ""


def lenet5() -> nn.Module:
    """LeNet-5 as LeCun et al. (1998) drew it: 32x32x1, tanh, average pooling, about 60K parameters."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )


def lenet5_course() -> nn.Module:
    """The course's LeNet-5-like example on 32x32x3: CONV 8 - POOL - CONV 16 - POOL - FC 120 - FC 84 - softmax 10."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10), nn.Softmax(dim=1),
    )


def _tv(builder: str, **kwargs) -> Callable[[], nn.Module]:
    return lambda: getattr(torchvision.models, builder)(weights=None, **kwargs)


def _top1(enum_name: str) -> float:
    return float(getattr(torchvision.models, enum_name).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"])


_IMAGENET = (3, 224, 224)
_REGISTRY = {a.name: a for a in (
    Architecture("lenet5", "LeNet-5 (classic, 32x32x1)", 1998, (1, 32, 32), lenet5, note="tanh and average pooling, as in 1998"),
    Architecture("lenet5_course", "LeNet-5, the course's 32x32x3 example", 1998, (3, 32, 32), lenet5_course,
                 note="ReLU and max pooling, 8 and 16 filters"),
    Architecture("alexnet", "AlexNet", 2012, _IMAGENET, _tv("alexnet"), _top1("AlexNet_Weights"),
                 "torchvision's single-GPU version"),
    Architecture("vgg16", "VGG-16", 2014, _IMAGENET, _tv("vgg16"), _top1("VGG16_Weights")),
    Architecture("vgg19", "VGG-19", 2014, _IMAGENET, _tv("vgg19"), _top1("VGG19_Weights")),
    Architecture("googlenet", "GoogLeNet (Inception v1)", 2014, _IMAGENET,
                 _tv("googlenet", aux_logits=False, init_weights=False), _top1("GoogLeNet_Weights"),
                 "without the auxiliary classifiers, as torchvision publishes it"),
    Architecture("resnet18", "ResNet-18", 2015, _IMAGENET, _tv("resnet18"), _top1("ResNet18_Weights")),
    Architecture("resnet34", "ResNet-34", 2015, _IMAGENET, _tv("resnet34"), _top1("ResNet34_Weights")),
    Architecture("resnet50", "ResNet-50", 2015, _IMAGENET, _tv("resnet50"), _top1("ResNet50_Weights")),
    Architecture("resnet152", "ResNet-152", 2015, _IMAGENET, _tv("resnet152"), _top1("ResNet152_Weights")),
    Architecture("mobilenet_v2", "MobileNetV2", 2018, _IMAGENET, _tv("mobilenet_v2"), _top1("MobileNet_V2_Weights")),
)}


def registry() -> dict[str, Architecture]:
    """The architectures by name, in historical order."""
    return dict(_REGISTRY)


def build(name: str, *, device: str | torch.device = "meta") -> nn.Module:
    """Build a registered architecture (random weights) on ``device``; "meta" allocates nothing.

    >>> sum(p.numel() for p in build("lenet5").parameters())
    61706
    """
    if name not in _REGISTRY:
        raise InvalidParameter(f"architecture must be one of {list(_REGISTRY)}, got {name!r}")
    with torch.device(device):
        return _REGISTRY[name].builder().eval()


def _macs(module: nn.Module, output: torch.Tensor) -> int:
    if isinstance(module, nn.Conv2d):
        k_h, k_w = module.kernel_size
        return output.numel() * (module.in_channels // module.groups) * k_h * k_w
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def layer_table(model: nn.Module, input_shape: tuple[int, ...]) -> list[LayerRow]:
    """Every leaf layer in the order it runs, with its output shape, parameters and multiply-adds.

    The model should not be shared: forward hooks are attached for one pass and always removed.
    A model on the "meta" device (see ``build``) is tabulated without computing anything.

    Raises:
        InvalidParameter: the input shape does not fit the network (e.g. too small for its pooling).

    >>> rows = layer_table(lenet5(), (1, 32, 32))
    >>> [(r.kind, r.output_shape, r.params) for r in rows[:3]]
    [('Conv2d', (6, 28, 28), 156), ('Tanh', (6, 28, 28), 0), ('AvgPool2d', (6, 14, 14), 0)]
    """
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    rows: list[LayerRow] = []
    names = {module: name for name, module in model.named_modules()}

    def record(module: nn.Module, _inputs, output) -> None:
        if not isinstance(output, torch.Tensor):
            return
        shape = tuple(int(s) for s in output.shape[1:])
        rows.append(LayerRow(
            name=names.get(module, "?"), kind=type(module).__name__, output_shape=shape,
            activation_size=int(torch.Size(shape).numel()),
            params=sum(p.numel() for p in module.parameters(recurse=False)), macs=_macs(module, output),
        ))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(record) for m in leaves]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape, device=device))
    except RuntimeError as exc:
        raise InvalidParameter(f"the input {tuple(input_shape)} does not fit this network: {exc}") from exc
    finally:
        for handle in handles:
            handle.remove()
    return rows


def totals(rows: list[LayerRow]) -> tuple[int, int]:
    """(parameters, multiply-adds) summed over the rows."""
    return sum(r.params for r in rows), sum(r.macs for r in rows)
