"""How the Inside lab is put together: one table of views behind the "Look at" radio (and the live camera), caches
keyed by the model's name and the image's digest, and modules that import one another in one direction only."""

import ast

import numpy as np
import torch
from PIL import Image

from cvcore import zoo
from labs.inside_cnn import settings, views
from labs.inside_cnn import subject as lab
from tests.conftest import ROOT

_LAB = ROOT / "labs" / "inside_cnn"


def test_every_look_at_choice_and_the_live_camera_have_one_view():
    assert set(views.VIEWS) == {*settings.VIEWS, views.LIVE}
    assert views.LIVE not in settings.VIEWS  # the live camera is an image source, not a choice of the radio
    for name in ("maps", "filters", "units", "heatmaps", "checks"):
        view = views.VIEWS[name]
        assert view.code is not None and view.check is not None, name
    assert views.VIEWS["heatmaps"].choose is views.VIEWS["checks"].choose is not None


def _lab_imports(path) -> set[str]:
    """The lab's modules that ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "labs.inside_cnn":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labs.inside_cnn."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("labs.inside_cnn.")}
    return found


def test_the_lab_modules_import_each_other_without_a_circle():
    graph = {path.stem: _lab_imports(path) for path in _LAB.glob("*.py")}
    assert "video" not in graph["subject"] and "subject" in graph["video"]
    done, path = set(), []

    def visit(module: str) -> None:
        assert module not in path, f"import circle: {' -> '.join([*path, module])}"
        if module in done:
            return
        path.append(module)
        for imported in graph.get(module, ()):
            visit(imported)
        path.pop()
        done.add(module)

    for module in graph:
        visit(module)


def _subject(name: str, digest: str, x: torch.Tensor, model: torch.nn.Module) -> lab.Subject:
    network = lab.Network(name, zoo.registry()["mobilenet_v2"], model)
    return lab.Subject(network, Image.new("RGB", (8, 8)), digest, x, np.zeros((8, 8, 3), np.uint8), None)


def test_the_caches_key_a_subject_by_its_name_and_digest_and_a_network_by_its_name():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3)).eval()
    first = _subject("tiny@test", "image-a", torch.zeros(1, 3, 8, 8), model)
    same = _subject("tiny@test", "image-a", torch.ones(1, 3, 8, 8), model)  # other pixels under the same digest
    other = _subject("tiny@test", "image-b", torch.ones(1, 3, 8, 8), model)
    maps = lab.activation(first, "0")  # [2, 6, 6]
    torch.testing.assert_close(lab.activation(same, "0"), maps, rtol=0, atol=0)  # the tensor is never hashed
    assert not torch.allclose(lab.activation(other, "0"), maps)
    twin = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.ReLU()).eval()
    assert lab.model_layers(first.network) is lab.model_layers(lab.Network("tiny@test", first.entry, twin))
    assert len(lab.model_layers(lab.Network("tiny@other", first.entry, twin))) == 2
