"""The comparisons the device tests rest on: a result past its bound fails, within it passes; ``--device`` that the
machine lacks stops pytest before any test; the GPU timings exit with status 2 without CUDA."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from benchmarks.jobs import gpu_timings
from tests.conftest import ROOT
from tests.device.bounds import (
    U32,
    assert_close,
    assert_relative,
    assert_same_where_decided,
    assert_trajectory,
    margins,
    network_terms,
)


def test_assert_close_passes_within_the_bound_and_fails_past_it():
    ref = torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64)
    assert_close(ref + 1e-7, ref, 1e-6, "within")
    with pytest.raises(AssertionError, match="beyond the bound"):
        assert_close(ref + torch.tensor([0.0, 0.0, 2e-6]), ref, 1e-6, "past")
    # relative: 10 roundings of float32 times the reference's largest magnitude (4)
    assert_relative(ref + 9 * U32 * 4, ref, 10, "relative")
    with pytest.raises(AssertionError):
        assert_relative(ref + 11 * U32 * 4, ref, 10, "relative")
    with pytest.raises(AssertionError, match="shape"):
        assert_close(torch.zeros(3), torch.zeros(4), 1.0, "shapes")
    with pytest.raises(AssertionError):
        assert_close(torch.tensor([float("nan"), 1.0]), torch.tensor([0.0, 1.0]), 1.0, "a NaN the reference lacks")
    assert_close(torch.tensor([float("nan"), 1.0]), torch.tensor([float("nan"), 1.0]), 0.0, "NaN in the same place")


def test_a_trajectory_compares_the_first_step_tightly_and_the_later_ones_within_the_distance_travelled():
    want = [10.0, 8.0, 7.0]
    assert_trajectory([10.0, 8.5, 5.5], want, 1e-6, "within")  # step 3: |5.5 - 7| = 1.5 <= 2 x 3 travelled
    with pytest.raises(AssertionError, match="first step"):
        assert_trajectory([10.1, 8.0, 7.0], want, 1e-6, "first")
    with pytest.raises(AssertionError, match="step 2"):
        assert_trajectory([10.0, 13.0, 7.0], want, 1e-6, "moved the other way, further than the reference went")


def test_choices_compare_only_where_they_are_clear():
    scores = torch.tensor([[1.0, 0.0], [0.5, 0.5 - 1e-9]])
    decided = margins(scores) > 1e-6
    assert decided.tolist() == [True, False]
    assert_same_where_decided(torch.tensor([0, 1]), torch.tensor([0, 0]), decided, "a near tie may flip")
    with pytest.raises(AssertionError, match="clear choices differ"):
        assert_same_where_decided(torch.tensor([1, 0]), torch.tensor([0, 0]), decided, "a clear one may not")


def test_network_terms_adds_the_fan_in_of_every_layer_up_to_one():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Sequential(nn.Conv2d(8, 8, 3, groups=4), nn.ReLU()), nn.Flatten(),
                        nn.Linear(32, 10))
    assert network_terms(net) == 27 + 2 * 9 + 32
    assert network_terms(net, upto="1") == 27 + 18


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda_stops_pytest_with_an_error():
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--device", "cuda",
                          "tests/device/test_bounds.py", "-k", "network_terms"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "CUDA is not available" in run.stderr and "nothing was checked" in run.stderr
    assert "passed" not in run.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_gpu_timings_without_cuda_say_so_and_exit_with_status_2(capsys):
    assert gpu_timings.main(["--device", "cuda"]) == 2
    out = capsys.readouterr().out
    assert "CUDA is not available" in out and "Nothing was measured" in out
    assert " s;" not in out
