"""What the server prepares in the background once the app's first page is drawn (``app.py``): the heavy imports
of the other labs and the default network, so that a learner's first click does not wait for them, and the
garbage-collection set-up. Started after that first page, not before it: the imports would compete with it for the
interpreter.

Why ``gc.freeze()`` and no collection after every run (``runner.postScriptGC = false`` in
``.streamlit/config.toml``): after the imports the process holds a few million long-lived objects (torch,
torchvision, plotly, the loaded networks). Streamlit's default full collection after every script run walks all of
them and cost 0.3-0.65 s per interaction, more than the run itself. Freezing moves everything alive after the
warm-up into a permanent generation that the collector no longer walks; Python's own generational collection still
frees the cycles that each run leaves behind, so memory stays flat (``make memory`` runs the long jobs that way, and
``make load`` records the server's peak RSS).
"""

import gc
import importlib
import logging
import threading

from cvcore.errors import CvcoreError

__all__ = ["MODULES", "start", "wait", "freeze"]

# What the lab pages import beyond Streamlit, heaviest first.
MODULES = ("torch", "torchvision.models", "torchvision.ops", "plotly.graph_objects", "captum.attr", "cvcore.zoo",
           "cvcore.conv", "cvcore.networks.architectures", "cvcore.inside.features", "cvcore.attribution",
           "cvcore.detect.boxes", "cvcore.style.gatys", "cvcore.faces", "ui.models")
DEFAULT_MODEL = "mobilenet_v2"

_lock = threading.Lock()
_thread: threading.Thread | None = None
_log = logging.getLogger(__name__)


def freeze() -> None:
    """Collect once, then leave every object alive now out of all later collections."""
    gc.collect()
    gc.freeze()


def _warm() -> None:
    for name in MODULES:
        importlib.import_module(name)
    from cvcore.networks import transfer
    from ui import models

    # The cache would log "missing ScriptRunContext" for this thread, which has no page to draw a spinner in.
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        try:
            models.cached_model(DEFAULT_MODEL)
        except CvcoreError as exc:  # missing weights: the labs that need them say so in the page
            _log.warning("%s not preloaded: %s", DEFAULT_MODEL, exc)
        try:
            transfer.step_cost()  # the Transfer lab's time estimate, so that the lab opens without timing
        except (CvcoreError, RuntimeError) as exc:
            _log.warning("training cost not timed: %s", exc)
    finally:
        quiet.setLevel(level)
    freeze()


def start() -> None:
    """Start the warm-up once per process (later calls do nothing)."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, name="cnnlab-warmup", daemon=True)
            _thread.start()


def wait(timeout: float | None = None) -> bool:
    """Wait for the warm-up (if started); True when it has finished."""
    thread = _thread
    if thread is None:
        return False
    thread.join(timeout)
    return not thread.is_alive()
