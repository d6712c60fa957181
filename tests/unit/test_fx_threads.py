"""A trace in one thread (create_feature_extractor) leaves another thread's forward pass alone: torch.fx replaces
torch.nn.Module.__call__ for the whole process while it traces, and cvcore._fx_threads confines that to the thread
that traces. Without it the forward pass below fails ("module is not installed as a submodule")."""

import threading

import torch
from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor

from cvcore._fx_threads import traced


class _Pause(nn.Module):
    """Traced as Python code (not a leaf): holds the trace open until the other thread has run its forward pass."""

    def __init__(self, started: threading.Event, resume: threading.Event):
        super().__init__()
        self.started, self.resume = started, resume

    def forward(self, x):
        self.started.set()
        assert self.resume.wait(30), "the other thread never finished"
        return x


def test_another_threads_forward_pass_is_untouched_while_a_model_is_traced():
    started, resume = threading.Event(), threading.Event()
    traced_model = nn.Sequential(nn.Linear(3, 3), _Pause(started, resume), nn.ReLU())
    other = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    x = torch.ones(1, 3)
    expected = other(x)
    result = {}

    def trace():
        result["extractor"] = traced(lambda: create_feature_extractor(traced_model, {"2": "out"}))

    tracer = threading.Thread(target=trace)
    tracer.start()
    try:
        assert started.wait(30)  # the trace is under way: Module.__call__ is replaced now
        torch.testing.assert_close(other(x), expected)  # this thread still runs the real forward
    finally:
        resume.set()
        tracer.join(30)
    out = result["extractor"](x)["out"]
    torch.testing.assert_close(out, torch.relu(traced_model[0](x)))  # and the trace itself is right
