"""The device under test (``--device``, default cpu), in exact float32, and the models its tests share.

Comparisons run with TF32 off for cuDNN and cuBLAS (PyTorch turns it on for CUDA convolutions), so that a tolerance
measures the engine's float32 rounding, not the number format; ``test_inside.py`` checks TF32 on its own.
On the CPU the inputs are smaller than on an accelerator (``full`` is False), so the folder runs in seconds.
"""

import contextlib
import copy
import os

import pytest
import torch

from cvcore.device import resolve_device


@pytest.fixture(scope="session")
def device(pytestconfig) -> torch.device:
    return resolve_device(pytestconfig.getoption("--device"))


@pytest.fixture(scope="session")
def full(device) -> bool:
    """The old full sizes (224 px photos, 12 optimisation steps) on an accelerator; small ones on the CPU."""
    return device.type != "cpu"


def _fp32_flags() -> dict:
    if hasattr(torch.backends.cudnn, "conv"):  # the fp32_precision API (PyTorch >= 2.9); never mix it with allow_tf32
        return {"conv": torch.backends.cudnn.conv.fp32_precision, "matmul": torch.backends.cuda.matmul.fp32_precision}
    return {"conv": torch.backends.cudnn.allow_tf32, "matmul": torch.backends.cuda.matmul.allow_tf32}


def _set_fp32_flags(flags: dict) -> None:
    if hasattr(torch.backends.cudnn, "conv"):
        torch.backends.cudnn.conv.fp32_precision, torch.backends.cuda.matmul.fp32_precision = flags["conv"], flags["matmul"]
    else:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags["conv"], flags["matmul"]


DEFAULT_PRECISION = _fp32_flags()  # PyTorch's own: TF32 for cuDNN convolutions, full float32 for matmuls
EXACT_PRECISION = ({"conv": "ieee", "matmul": "ieee"} if hasattr(torch.backends.cudnn, "conv")
                   else {"conv": False, "matmul": False})


@contextlib.contextmanager
def float32_precision(flags: dict):
    """cuDNN's and cuBLAS's float32 precision set to ``flags`` for the block, then restored."""
    saved = _fp32_flags()
    _set_fp32_flags(flags)
    try:
        yield
    finally:
        _set_fp32_flags(saved)


@pytest.fixture(scope="session", autouse=True)
def one_cpu_thread():
    """One CPU thread per operation, as the app runs (cvcore.device.configure_threads): on a busy machine idle OpenMP
    threads spin and a MobileNetV2 forward pass at 64 px took 1.2 s with two of them against 0.03 s with one."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.fixture(autouse=True)
def exact_float32():
    with float32_precision(EXACT_PRECISION):
        yield


@pytest.fixture(scope="session", autouse=True)
def offline_weights():
    """Weights as cvcore.zoo finds them, never downloaded: ../shared/weights first when it is there."""
    from tests.shared_data import SHARED

    saved = {k: os.environ.get(k) for k in ("CVCORE_OFFLINE", "CVCORE_WEIGHTS_DIR")}
    os.environ["CVCORE_OFFLINE"] = "1"
    if (SHARED / "weights").is_dir() and not saved["CVCORE_WEIGHTS_DIR"]:
        os.environ["CVCORE_WEIGHTS_DIR"] = str(SHARED / "weights")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def mobilenet_on(mobilenet, device) -> torch.nn.Module:
    """A copy of the offline MobileNetV2 on the device (the session's CPU model is shared and left alone)."""
    return copy.deepcopy(mobilenet).to(device).eval()


@pytest.fixture(scope="session")
def mobilenet64(mobilenet) -> torch.nn.Module:
    """The reference: a float64 copy of MobileNetV2 on the CPU."""
    return copy.deepcopy(mobilenet).double().eval()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
