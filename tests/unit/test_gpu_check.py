"""``make gpu-check`` (scripts/gpu_check.py) without a GPU: its comparison part, CPU against CPU on the quick subset,
where every check must pass, and its verdicts: a result pushed past its tolerance fails, an error fails, and a
machine without CUDA gets exit status 2 and no figures.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT
from tests.shared_data import shared_path

SCRIPT = ROOT / "scripts" / "gpu_check.py"
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quick_comparison_cpu_against_cpu_passes_every_check(gpu_check, tmp_path):
    weights = shared_path("weights", "mobilefacenet.pt").parent  # the faces check needs MobileFaceNet
    report = tmp_path / "gpu_check.json"
    env = dict(os.environ, CVCORE_WEIGHTS_DIR=str(weights), CVCORE_OFFLINE="1")
    run = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--quick", "--threads", "1", "--json",
                          str(report)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    rows = json.loads(report.read_text())["rows"]
    checks = {r["check"] for r in rows}
    assert checks == {c.name for c in gpu_check.CHECKS if c.quick}
    assert [r for r in rows if r["verdict"] != "PASS"] == []
    for lab in ("Convolution", "Pooling", "Volumes", "Separable", "Transposed", "1-D", "Architectures", "Build",
                "Inside", "Detection", "Segmentation", "Style", "Faces", "Transfer"):
        assert any(lab in name for name in checks), lab
    assert "max abs diff" in run.stdout and "tolerance" in run.stdout


def test_compare_passes_within_the_tolerance_and_fails_past_it(gpu_check):
    compare, Tol = gpu_check.compare, gpu_check.Tol
    ref = torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64)
    assert compare("c", "out", ref + 1e-7, ref, Tol(1e-6)).passed
    row = compare("c", "out", ref + torch.tensor([0.0, 0.0, 2e-6]), ref, Tol(1e-6))
    assert row.verdict == "FAIL" and row.diff == pytest.approx(2e-6, rel=1e-3)
    # relative: 1e-3 of the reference's largest magnitude (4), so 4e-3
    assert compare("c", "out", ref + 3e-3, ref, Tol(1e-3, "rel")).passed
    assert not compare("c", "out", ref + 5e-3, ref, Tol(1e-3, "rel")).passed
    # indices: identical, or at most a fraction that differ
    assert not compare("c", "kept", torch.tensor([0, 1, 2]), torch.tensor([0, 2, 1]), Tol(0, "mismatch")).passed
    assert compare("c", "kept", [1, 2, 3, 4], [1, 2, 3, 5], Tol(0.25, "mismatch")).passed
    # a different shape or a NaN the reference does not have fails whatever the tolerance
    row = compare("c", "out", torch.zeros(3), torch.zeros(4), Tol(1.0))
    assert not row.passed and "shapes differ" in row.note
    assert not compare("c", "out", torch.tensor([float("nan"), 1.0]), torch.tensor([0.0, 1.0]), Tol(1.0)).passed
    assert compare("c", "out", torch.tensor([float("nan"), 1.0]), torch.tensor([float("nan"), 1.0]), Tol(0.0)).passed


def _perturbed(check, output: str, by: float):
    """``check`` whose second run (the device's; the reference runs first) returns ``output`` shifted by ``by``."""
    calls = []

    def run(ctx, dev):
        result = dict(check.run(ctx, dev))
        calls.append(dev)
        if len(calls) == 2:
            result[output] = [t + by for t in result[output]]
        return result

    return type(check)(check.name, run, check.tolerances, check.within, check.quick)


def test_a_registered_check_fails_when_the_device_result_is_perturbed(gpu_check):
    conv = next(c for c in gpu_check.CHECKS if c.name.startswith("conv_trace"))
    ctx = gpu_check.Context(CPU, CPU, True)
    assert all(r.passed for r in gpu_check.run_check(conv, ctx))
    rows = {r.output: r for r in gpu_check.run_check(_perturbed(conv, "outputs", 1e-6), ctx)}
    assert rows["outputs"].verdict == "FAIL" and rows["outputs"].diff == pytest.approx(1e-6, rel=1e-3)
    assert rows["products"].verdict == "PASS"


def test_an_error_or_a_misplaced_part_fails_the_check_and_missing_weights_skip_it(gpu_check):
    Check, Tol, ctx = gpu_check.Check, gpu_check.Tol, gpu_check.Context(CPU, CPU, True)

    def raises(ctx, dev):
        raise RuntimeError("Expected all tensors to be on the same device")

    (row,) = gpu_check.run_check(Check("raises", raises, {"out": Tol(1.0)}), ctx)
    assert row.verdict == "FAIL" and "error on cpu: RuntimeError: Expected all tensors" in row.note

    def misplaced(ctx, dev):
        ctx.problems.append("left a layer on the CPU")
        return {"out": torch.ones(2)}

    (row,) = gpu_check.run_check(Check("misplaced", misplaced, {"out": Tol(0.0)}), ctx)
    assert row.diff == 0 and row.verdict == "FAIL" and "left a layer" in row.note

    def unavailable(ctx, dev):
        raise gpu_check.Unavailable("weights not found")

    (row,) = gpu_check.run_check(Check("unavailable", unavailable, {"out": Tol(1.0)}), ctx)
    assert row.verdict == "SKIP"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_without_cuda_it_says_so_and_exits_with_status_2(gpu_check, capsys):
    assert gpu_check.main(["--device", "cuda"]) == 2
    out = capsys.readouterr().out
    assert "CUDA is not available" in out and "Nothing was compared" in out
    assert "PASS" not in out and "s;" not in out
