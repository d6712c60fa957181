"""The Inside-a-trained-CNN lab's views in one table: what each draws, then its closing sections (how it is
computed, the PyTorch code, the check), and the one function the page calls to show a view."""

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from cvcore.errors import CvcoreError
from labs.inside_cnn import explain, heatmaps, layers, network, video
from labs.inside_cnn.heatmaps import Choice
from labs.inside_cnn.subject import Network, Subject

__all__ = ["View", "VIEWS", "LIVE", "show"]

Section = Callable[[Subject, Choice | None], None]


@dataclass(frozen=True)
class View:
    """One way of looking at the network.

    ``draw`` draws the view's controls and figures for what it looks at (a ``Subject``; the live view, a
    ``Network``: it has no still image). A view with ``choose`` (the heatmaps) first draws the choice it explains,
    then ``draw(subject, choice)`` unless the choice is None. ``how``, ``code`` and ``check`` are the sections drawn
    below it, given the subject and the choice (None for the views without one); a view without them (the whole
    network draws its own, the live video has none) leaves them None.
    """

    draw: Callable[..., None]
    choose: Callable[[Subject], Choice | None] | None = None
    how: Section | None = None
    code: Section | None = None
    check: Section | None = None


LIVE = "live"  # the view while the image source is the live camera; the others are the "Look at" choices (settings.VIEWS)
VIEWS: dict[str, View] = {
    "overview": View(network.whole_network),  # draws its own step-through, check and code
    "maps": View(layers.feature_maps, code=explain.feature_code, check=explain.feature_check),
    "filters": View(layers.filters, code=explain.feature_code, check=explain.feature_check),
    "units": View(layers.unit_view, code=explain.feature_code, check=explain.feature_check),
    "heatmaps": View(heatmaps.heatmaps, choose=heatmaps.controls, how=explain.computation, code=explain.heatmap_code,
                     check=explain.heatmap_check),
    "checks": View(heatmaps.checks, choose=heatmaps.controls, how=explain.computation, code=explain.heatmap_code,
                   check=explain.heatmap_check),
    LIVE: View(video.live_view),
}


def show(name: str, looked_at: Subject | Network) -> None:
    """Draw view ``name`` of ``looked_at`` and its sections; an engine error is said, and the sections still drawn."""
    view = VIEWS[name]
    choice = None
    try:
        if view.choose is None:
            view.draw(looked_at)
        else:
            choice = view.choose(looked_at)
            if choice is not None:
                view.draw(looked_at, choice)
    except CvcoreError as exc:
        st.error(f"Cannot show this: {exc}")
    for section in (view.how, view.code, view.check):
        if section is not None:
            section(looked_at, choice)
