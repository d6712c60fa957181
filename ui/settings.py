"""A lab's settings, each declared once.

A lab's ``settings.py`` subclasses ``LabSettings`` with one annotated ``Setting`` per setting::

    class ConvSettings(LabSettings, ns="conv"):
        stride: int = Setting(1, "Stride s", bounds=(1, 8))
        pad: str = Setting("valid", "Padding", choices=("valid", "same", "number"), widget="radio")

Everything else is derived from that declaration: the widget and its bounds (``ConvSettings.widget("stride")``),
the session-state key (``conv.stride``), the link's name (``stride``), its parsing and the fallback to the default
for a bad value, the check of a lesson's step (``ConvSettings.problems(step)``) and the typed value a page reads
(``ConvSettings.current()``, a frozen dataclass). ``ui.state`` mirrors the settings into the link.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import streamlit as st

__all__ = ["PERSIST", "Setting", "LabSettings"]

PERSIST = "page"  # how long a setting's widget keeps its value while not drawn: until the learner leaves the page
_WIDGETS = ("number", "slider", "select_slider", "select", "radio", "toggle", "checkbox", "text", "text_area")


@dataclass(frozen=True)
class Setting:
    """One setting: its default (whose type is the setting's type), the widget's label and help, and what it accepts.

    ``choices`` lists the accepted values (``labels`` maps some of them to what the widget shows); ``bounds`` is an
    inclusive (min, max) range. A setting without either accepts any value of its type: a lab whose options depend
    on what is loaded (a model's layers, say) checks those where it uses them. ``widget`` names the widget; by
    default a toggle for a flag, a select box for choices, a number input for a number and a text box otherwise.
    """

    default: Any
    label: str = ""
    help: str | None = None
    choices: Sequence | None = None
    bounds: tuple[float, float] | None = None
    step: float | None = None
    labels: dict | Callable | None = None
    widget: str | None = None
    name: str = ""  # the attribute's name, filled in by ``LabSettings``

    def __post_init__(self):
        if self.widget is not None and self.widget not in _WIDGETS:
            raise ValueError(f"widget must be one of {_WIDGETS}, got {self.widget!r}")
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))

    @property
    def kind(self) -> type:
        return type(self.default)

    def accepts(self, value) -> bool:
        """Whether ``value`` is a valid value of this setting (its type, its choices, its bounds)."""
        kind = self.kind
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if ok and self.choices is not None:
            ok = value in self.choices
        if ok and self.bounds is not None:
            ok = self.bounds[0] <= value <= self.bounds[1]
        return ok

    def parse(self, raw: str):
        """The value that a link's text ``raw`` stands for; ``ValueError`` if it is not a valid value."""
        kind = self.kind
        if kind is bool:
            if raw in ("1", "true", "True"):
                value = True
            elif raw in ("0", "false", "False"):
                value = False
            else:
                raise ValueError(raw)
        elif kind is int:
            value = int(raw)
        elif kind is float:
            value = float(raw)
        else:
            value = kind(raw)
        if not self.accepts(value):
            raise ValueError(raw)
        return value

    @staticmethod
    def encode(value) -> str:
        """How a value is written in the link."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def format_func(self):
        if self.labels is None:
            return str
        return self.labels if callable(self.labels) else (lambda v: self.labels.get(v, str(v)))


class LabSettings:
    """The base of every lab's settings: subclasses become frozen dataclasses of their values (see the module)."""

    NS: ClassVar[str] = ""
    SETTINGS: ClassVar[dict[str, Setting]] = {}

    def __init_subclass__(cls, ns: str, **kwargs):
        super().__init_subclass__(**kwargs)
        declared = {}
        for name in cls.__dict__.get("__annotations__", {}):
            setting = cls.__dict__.get(name)
            if not isinstance(setting, Setting):
                raise TypeError(f"{cls.__name__}.{name} must be a Setting, got {setting!r}")
            if not setting.accepts(setting.default) and setting.choices is not None:
                raise ValueError(f"{cls.__name__}.{name}: the default {setting.default!r} is not one of its choices")
            declared[name] = Setting(**{**{f.name: getattr(setting, f.name) for f in fields(Setting)}, "name": name})
            setattr(cls, name, setting.default)
        cls.NS = ns
        cls.SETTINGS = declared
        dataclass(frozen=True)(cls)

    # --- names and defaults -------------------------------------------------------------------------------------
    @classmethod
    def key(cls, name: str) -> str:
        """The session-state (and widget) key of setting ``name``: ``conv.stride``."""
        return f"{cls.NS}.{name}"

    @classmethod
    def defaults(cls) -> dict:
        return {name: s.default for name, s in cls.SETTINGS.items()}

    @classmethod
    def field(cls, name: str) -> Setting:
        return cls.SETTINGS[name]

    # --- values --------------------------------------------------------------------------------------------------
    @classmethod
    def get(cls, name: str):
        """The current value of one setting."""
        return st.session_state.get(cls.key(name), cls.SETTINGS[name].default)

    @classmethod
    def put(cls, name: str, value) -> None:
        """Set a setting; from a widget callback, or before its widget is drawn in this run."""
        st.session_state[cls.key(name)] = value

    @classmethod
    def current(cls):
        """Every setting's current value, as this class's frozen dataclass."""
        session = st.session_state
        return cls(**{name: session.get(cls.key(name), s.default) for name, s in cls.SETTINGS.items()})

    @classmethod
    def as_dict(cls) -> dict:
        """The current values by link name (what the lessons' questions read)."""
        session = st.session_state
        return {name: session.get(cls.key(name), s.default) for name, s in cls.SETTINGS.items()}

    @classmethod
    def problems(cls, values: dict) -> list[str]:
        """What is wrong with a set of values by link name (a lesson's step): unknown names and invalid values."""
        found = []
        for name, value in values.items():
            setting = cls.SETTINGS.get(name)
            if setting is None:
                found.append(f"{cls.NS}: no setting called {name!r}")
            elif not setting.accepts(value):
                found.append(f"{cls.NS}.{name}: {value!r} is not a valid value")
        return found

    # --- the widget ----------------------------------------------------------------------------------------------
    @classmethod
    def widget(cls, name: str, where=None, **overrides):
        """Draw setting ``name``'s widget (in ``where``, a column or container; the page by default) with its label,
        help, bounds or choices and key, and return its value. ``overrides`` go to the widget (``disabled=...``,
        ``on_change=...``, ``options=...`` for choices that depend on the page, ``label=...``).

        Every widget keeps its value while it is not drawn (``persist_state="page"``), and Streamlit sends that value
        when it is drawn again. Without it, a run that ends early (``state.stop``, e.g. while an upload is awaited)
        skips Streamlit's end-of-run bookkeeping: the browser drops the widgets that run did not draw, but the server
        still counts their values as the browser's, so when they come back it sends none and the browser shows each
        widget's own default (the first option, a slider's minimum) and sends it back with the next rerun."""
        s = cls.SETTINGS[name]
        where = where if where is not None else st
        label = overrides.pop("label", s.label or name)
        kw = {"key": cls.key(name), "help": s.help, "persist_state": PERSIST, **overrides}
        kind = s.widget or ("toggle" if s.kind is bool else "select" if s.choices is not None
                            else "number" if s.kind in (int, float) else "text")
        if kind in ("toggle", "checkbox"):
            return getattr(where, kind)(label, **kw)
        if kind in ("select", "radio", "select_slider"):
            options = list(kw.pop("options", s.choices))
            kw.setdefault("format_func", s.format_func())
            draw = {"select": where.selectbox, "radio": where.radio, "select_slider": where.select_slider}[kind]
            return draw(label, options, **kw)
        if kind in ("number", "slider"):
            low, high = kw.pop("bounds", s.bounds) or (None, None)
            if s.kind is int:
                low, high = (None if low is None else int(low)), (None if high is None else int(high))
            if s.step is not None:
                kw.setdefault("step", s.step)
            draw = where.number_input if kind == "number" else where.slider
            return draw(label, low, high, **kw)
        return (where.text_area if kind == "text_area" else where.text_input)(label, **kw)
