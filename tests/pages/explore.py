"""Finding every page's controls in AppTest, for the sweeps that must cover labs added later.

``lab_pages()`` lists the page of every finished lab in ``labs.LABS``. ``explore(open_page, page)``
opens a page and then every option of its radios and short selectboxes (one level deep, and one
more for the controls that only an option reveals), and returns the ``Path``s that reach each control
of the page: a path is a list of choices to replay on a freshly opened page.
"""

from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Radio, Selectbox

from labs import LABS

__all__ = ["Choice", "Found", "lab_pages", "explore", "explored", "replay", "widget_id", "find", "pick"]

MAX_OPTIONS = 8  # longer selectboxes (layers, samples) pick content, not what the page shows


@dataclass(frozen=True)
class Choice:
    kind: str  # "radio" or "selectbox"
    ident: str
    index: int


@dataclass
class Found:
    """The controls of one page, each with the choices that reveal it."""
    page: str
    controls: dict[tuple[str, str], tuple[Choice, ...]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # choices that raised in the page
    runs: int = 0

    def of_kind(self, *kinds: str) -> list[tuple[str, tuple[Choice, ...]]]:
        return [(ident, path) for (kind, ident), path in self.controls.items() if kind in kinds]


def lab_pages() -> list[str]:
    """The folder of every lab under ``labs/``, home included."""
    return ["home"] + [lab.slug for lab in LABS]


def widget_id(w) -> str:
    """A name that identifies a widget across reruns: its key, else its type and label."""
    return w.key if getattr(w, "key", None) else f"{w.type}:{w.label}"


def enabled(w) -> bool:
    return not getattr(w.proto, "disabled", False)


def find(at: AppTest, kind: str, ident: str):
    for w in getattr(at, kind):
        if widget_id(w) == ident:
            return w
    return None


class _RadioAt(Radio):
    """A radio set by the position of its option (AppTest's setters want the unformatted value)."""
    _pick = 0

    @property
    def index(self):
        return self._pick


class _SelectboxAt(Selectbox):
    _pick = 0

    @property
    def index(self):
        return self._pick


def pick(w, index: int) -> None:
    w._assert_can_interact()
    w.__class__ = _RadioAt if w.type == "radio" else _SelectboxAt
    w._pick = index
    w._value = index  # anything but "unset": the widget's state is then sent with the next run


def replay(at: AppTest, path: tuple[Choice, ...]) -> bool:
    """Apply the choices one run at a time; False if one of them is no longer on the page."""
    for choice in path:
        w = find(at, choice.kind, choice.ident)
        if w is None or not enabled(w) or choice.index >= len(w.options):
            return False
        pick(w, choice.index)
        at.run()
        if at.exception:
            return False
    return True


_KINDS = ("file_uploader", "camera_input", "number_input", "slider", "text_input", "text_area", "radio", "selectbox")


def _controls(at: AppTest) -> set[tuple[str, str]]:
    return {(kind, widget_id(w)) for kind in _KINDS for w in getattr(at, kind)}


def _choosers(at: AppTest) -> list[tuple[str, str, int, int]]:
    out = []
    for kind in ("radio", "selectbox"):
        for w in getattr(at, kind):
            if 1 < len(w.options) <= MAX_OPTIONS and enabled(w):
                current = w.index if w.index is not None else -1
                out.append((kind, widget_id(w), len(w.options), current))
    return out


_FOUND: dict[str, Found] = {}


def explored(open_page, page: str) -> Found:
    """``explore`` once per test session and page (the sweeps share it)."""
    if page not in _FOUND:
        _FOUND[page] = explore(open_page, page)
    return _FOUND[page]


def explore(open_page, page: str, *, depth: int = 2) -> Found:
    """Every control reachable by choosing options of the page's radios and short selectboxes."""
    found = Found(page)
    at = open_page(page)
    found.runs += 1
    for control in _controls(at):
        found.controls.setdefault(control, ())
    frontier = [((), {(k, i) for k, i, _, _ in _choosers(at)}, _choosers(at))]
    for _ in range(depth):
        next_frontier = []
        for path, seen, choosers in frontier:
            for kind, ident, n, current in choosers:
                for index in range(n):
                    if index == current:
                        continue
                    at = open_page(page)
                    sub = path + (Choice(kind, ident, index),)
                    found.runs += 1
                    if not replay(at, sub):
                        if at.exception:
                            found.failures.append(f"{sub}: {at.exception}")
                        continue
                    for control in _controls(at):
                        found.controls.setdefault(control, sub)
                    new = [c for c in _choosers(at) if (c[0], c[1]) not in seen]
                    if new:
                        next_frontier.append((sub, seen | {(c[0], c[1]) for c in new}, new))
        frontier = next_frontier
    return found
