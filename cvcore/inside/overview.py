"""The whole network at a glance: its stages in order, each with its output shape and one map for the current image.

For MobileNetV2 the stages are the stem (``features.0``), the 17 inverted-residual blocks, the last 1x1
convolution (``features.18``), the pooling, the flattening and the classifier; for a digits ``nn.Sequential``
they are its layers. All the stages' outputs come from one pass of a feature extractor (no hooks).
"""

from dataclasses import dataclass

import torch
from torch import nn

from cvcore.errors import InvalidParameter
from cvcore.inside import features
from cvcore.inside.unit_trace import conv_units

__all__ = ["Stage", "stage_names", "overview"]

_SKIPPED = (nn.Dropout, nn.Identity)  # nothing to see in eval mode


@dataclass(frozen=True)
class Stage:
    """One stage: its node ``name``, a short ``kind`` ("InvertedResidual", "adaptive_avg_pool2d" ...), its output
    ``shape`` (C, H, W) or (N,), the ``units`` (convolutions) inside it, and for maps the ``strongest`` channel
    (largest mean) with its map ``thumbnail`` (Tensor[H, W], float32); for vectors ``top`` (index, value) pairs."""

    name: str
    kind: str
    shape: tuple[int, ...]
    units: tuple[str, ...]
    strongest: int | None
    thumbnail: torch.Tensor | None
    top: tuple[tuple[int, float], ...] = ()

    @property
    def is_map(self) -> bool:
        return len(self.shape) == 3


def stage_names(model: nn.Module) -> list[tuple[str, str]]:
    """(node name, kind) of every stage, in the order they run.

    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(8, 3))
    >>> stage_names(net)
    [('0', 'Conv2d'), ('1', 'ReLU'), ('2', 'Flatten'), ('4', 'Linear')]
    """
    nodes = features._node_names(model)  # the extractor's own graph, in order
    modules = dict(model.named_modules())
    blocks = [(name, type(module).__name__) for name, module in features._blocks(model)
              if not isinstance(module, _SKIPPED)]
    top_level_calls = [(n, n) for n in nodes[1:] if "." not in n and n not in modules]  # nodes[0]: the input

    def first(name: str) -> int:
        at = [i for i, n in enumerate(nodes) if n == name or n.startswith(name + ".")]
        return at[0] if at else len(nodes)

    found = [(name, kind) for name, kind in blocks + top_level_calls if first(name) < len(nodes)]
    return sorted(found, key=lambda item: first(item[0]))


def overview(model: nn.Module, x: torch.Tensor, *, top: int = 3) -> list[Stage]:
    """Every stage of ``model`` for one image ``x`` (Tensor[1, C, H, W]), from one forward pass of a feature
    extractor.

    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).eval()
    >>> [(s.name, s.shape, s.units) for s in overview(net, torch.ones(1, 1, 4, 4))]
    [('0', (2, 2, 2), ('0',)), ('1', (2, 2, 2), ()), ('2', (8,), ()), ('3', (3,), ())]
    """
    if x.dim() != 4 or x.shape[0] != 1:
        raise InvalidParameter(f"x must be one image as Tensor[1, C, H, W], got shape {tuple(x.shape)}")
    names = stage_names(model)
    if not names:
        raise InvalidParameter("the model has no stage to show")
    outputs = features.extract(model, x, [name for name, _ in names])
    by_stage: dict[str, list[str]] = {}
    for unit in conv_units(model):
        by_stage.setdefault(unit.stage, []).append(unit.name)
    stages = []
    for name, kind in names:
        out = outputs[name][0].detach().float().cpu()
        units = tuple(by_stage.get(name, ()))
        if out.dim() == 3:
            strongest = int(features.rank_channels(out, "mean")[0])
            stages.append(Stage(name, kind, tuple(out.shape), units, strongest, out[strongest].clone()))
        else:
            flat = out.flatten()
            best = flat.topk(min(top, flat.numel()))
            pairs = tuple((int(i), float(v)) for v, i in zip(best.values, best.indices, strict=True))
            stages.append(Stage(name, kind, tuple(flat.shape), units, None, None, pairs))
    return stages
