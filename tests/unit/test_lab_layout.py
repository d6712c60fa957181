"""The layout a newcomer relies on: every lab is one folder with its page and its settings declared once."""

import ast

import pytest

from labs import LABS, lab_settings, page_file
from tests.conftest import ROOT
from ui.settings import LabSettings, Setting

SLUGS = [lab.slug for lab in LABS]


def test_every_lab_folder_is_listed_and_every_listed_lab_has_a_folder():
    folders = sorted(p.name for p in (ROOT / "labs").iterdir() if p.is_dir() and (p / "page.py").is_file())
    assert folders == sorted([*SLUGS, "home", "glossary"])
    assert not (ROOT / "pages").exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_lab_has_a_page_and_a_settings_schema_that_the_page_starts_with(slug):
    settings = lab_settings(slug)
    assert issubclass(settings, LabSettings) and settings.SETTINGS
    assert all(isinstance(s, Setting) and s.name == name for name, s in settings.SETTINGS.items())
    assert all(s.accepts(s.default) for s in settings.SETTINGS.values()), settings.__name__
    tree = ast.parse((ROOT / page_file(slug)).read_text())
    starts = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
              and getattr(node.func, "id", getattr(node.func, "attr", "")) == "start_lab"]
    assert len(starts) == 1 and isinstance(starts[0].args[0], ast.Name)
    assert starts[0].args[0].id == settings.__name__


def test_namespaces_are_unique():
    spaces = [lab_settings(slug).NS for slug in SLUGS]
    assert len(set(spaces)) == len(spaces)


def test_the_schema_derives_parsing_bounds_and_the_typed_value():
    class Demo(LabSettings, ns="demo"):
        stride: int = Setting(1, "Stride s", bounds=(1, 8))
        pad: str = Setting("valid", "Padding", choices=("valid", "same"))
        zoom: float = Setting(1.0, "Zoom", bounds=(1.0, 8.0))
        flip: bool = Setting(False, "Flip")

    assert Demo.defaults() == {"stride": 1, "pad": "valid", "zoom": 1.0, "flip": False}
    assert Demo.key("stride") == "demo.stride"
    s = Demo.field("stride")
    assert s.parse("3") == 3
    for bad in ("0", "9", "2.5", "x"):
        with pytest.raises(ValueError):
            s.parse(bad)
    with pytest.raises(ValueError):
        Demo.field("pad").parse("full")
    assert Demo.field("flip").parse("1") is True and Demo.field("zoom").parse("2") == 2.0
    assert Setting.encode(True) == "1" and Setting.encode(2.0) == "2" and Setting.encode(2.5) == "2.5"
    assert Demo.problems({"stride": 9, "pad": "same", "nope": 1}) == [
        "demo.stride: 9 is not a valid value", "demo: no setting called 'nope'"]
    value = Demo(stride=2)
    assert value.stride == 2 and value.pad == "valid"
    with pytest.raises(AttributeError):
        value.stride = 3  # frozen
    with pytest.raises(ValueError):
        class Bad(LabSettings, ns="bad"):
            pad: str = Setting("full", choices=("valid", "same"))
