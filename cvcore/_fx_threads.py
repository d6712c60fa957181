"""torch.fx tracing that other threads do not feel.

``create_feature_extractor`` traces a model with torch.fx, which replaces ``torch.nn.Module.__call__`` and
``__getattr__`` for the whole process while it traces. In a server where several learners' runs share one process,
any forward pass that another thread makes meanwhile goes through the tracer and fails ("module is not installed as
a submodule"). ``traced`` below makes the replacements answer only the thread that traces (every other thread gets
the original methods), and lets one trace run at a time, so that the replacements are put back in the order they
were made.
"""

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

import torch
from torch.fx import _symbolic_trace

__all__ = ["traced"]

T = TypeVar("T")
_TRACE = threading.RLock()
_GUARDED = ("__call__", "__getattr__")
_installed = False


def traced(build: Callable[[], T]) -> T:
    """``build()`` (a call that traces with torch.fx, e.g. ``create_feature_extractor``), alone among traces and
    unseen by the other threads' forward passes.

    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2))
    >>> from torchvision.models.feature_extraction import create_feature_extractor
    >>> sorted(traced(lambda: create_feature_extractor(net, {"0": "out"}))(torch.zeros(1, 2)))
    ['out']
    """
    _install()
    with _TRACE:
        return build()


def _install() -> None:
    global _installed
    with _TRACE:
        if _installed:
            return
        patch_method = _symbolic_trace._Patcher.patch_method

        @functools.wraps(patch_method)
        def thread_local_patch(self, cls, name, new_fn, deduplicate=True):
            if cls is torch.nn.Module and name in _GUARDED:
                new_fn = _for_this_thread(getattr(cls, name), new_fn)
            return patch_method(self, cls, name, new_fn, deduplicate)

        _symbolic_trace._Patcher.patch_method = thread_local_patch
        _installed = True


def _for_this_thread(original: Callable, replacement: Callable) -> Callable:
    tracing = threading.get_ident()

    @functools.wraps(replacement)
    def method(*args, **kwargs):
        if threading.get_ident() == tracing:
            return replacement(*args, **kwargs)
        return original(*args, **kwargs)

    return method
