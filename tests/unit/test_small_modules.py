"""Grids, kernels, snippets, devices, and the engine's independence from the UI."""

import random
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from cvcore import device
from cvcore.conv import conv_trace, kernels
from cvcore.conv.pooling import pool_trace
from cvcore.errors import InvalidParameter
from cvcore.teach import grids, snippets
from tests.conftest import ROOT


def test_importing_the_engine_does_not_import_streamlit():
    code = "import sys, cvcore, cvcore.viz, cvcore.faces, cvcore.viz.faces; assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize("rows, fragment", [
    ([["1", "2"], ["3", ""]], r"cell \(row 2, column 2\) is empty"),
    ([["1", "x"]], r"cell \(row 1, column 2\) is 'x'; expected a number"),
    ([["1", None]], "is empty"),
    ([["1", float("nan")]], "is empty"),
    ([["1", "inf"]], "expected a finite number"),
    ([["1", "2"], ["3"]], "row 2 has 1 numbers; expected 2"),
    ([], "is empty"),
])
def test_parse_grid_names_the_bad_cell(rows, fragment):
    with pytest.raises(InvalidParameter, match=fragment):
        grids.parse_grid(rows)


def test_grid_text_round_trip():
    g = torch.tensor([[3.0, -0.25, 1e-3], [7.0, 4.0, 120.0]], dtype=torch.float64)
    assert torch.equal(grids.parse_grid_text(grids.grid_text(g)), g)
    assert grids.parse_grid_text("1 2\n3 4").tolist() == [[1, 2], [3, 4]]
    with pytest.raises(InvalidParameter, match="expected at most 64x64"):
        grids.parse_grid([["1"] * 65])


def test_random_grid_is_reproducible_and_bounded():
    a, b = grids.random_grid(8, 5, seed=3), grids.random_grid(8, 5, seed=3)
    assert torch.equal(a, b) and a.min() >= 0 and a.max() <= 9
    assert not torch.equal(a, grids.random_grid(8, 5, seed=4))


def test_kernel_catalog():
    catalog = kernels.kernel_catalog()
    for name, info in catalog.items():
        for size in info.sizes:
            k = kernels.make_kernel(name, size)
            assert k.shape == (size, size)
    assert kernels.make_kernel("sobel_x").tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert kernels.make_kernel("scharr_x").tolist() == [[3, 0, -3], [10, 0, -10], [3, 0, -3]]
    assert float(kernels.make_kernel("gaussian", 7).sum()) == pytest.approx(1.0)
    # Edge and Laplacian-type kernels answer 0 on a flat image.
    flat = torch.full((5, 5), 7.0, dtype=torch.float64)
    for name in ("vertical_edge", "horizontal_edge", "sobel_x", "laplacian", "ridge_8"):
        assert conv_trace(flat, kernels.make_kernel(name)).output.abs().max() == 0
    with pytest.raises(InvalidParameter, match="comes in sizes"):
        kernels.make_kernel("sobel_x", 5)
    with pytest.raises(InvalidParameter, match="kernel must be one of"):
        kernels.make_kernel("nope")


def test_conv_snippet_runs_and_reproduces_the_trace():
    rng = random.Random(2)
    for _ in range(25):
        x = grids.random_grid(rng.randint(3, 9), rng.randint(3, 9), seed=rng.randint(0, 99))
        k = torch.randn(rng.randint(1, 3), rng.randint(1, 3), dtype=torch.float64).round(decimals=2)
        kwargs = {"stride": rng.choice([1, 2]), "padding": rng.choice([0, 1, (1, 0)]), "dilation": rng.choice([1, 2]),
                  "padding_mode": rng.choice(["zeros", "replicate", "circular"]), "flip": rng.random() < 0.5}
        try:
            trace = conv_trace(x, k, **kwargs)
        except InvalidParameter:
            continue
        scope = {}
        exec(snippets.conv_snippet(trace), scope)
        torch.testing.assert_close(scope["out"], trace.output, rtol=1e-12, atol=1e-12)


def test_pool_snippet_runs_for_grids_and_volumes():
    for x in (grids.random_grid(6, 6), torch.stack([grids.random_grid(5, 5, seed=s) for s in range(3)])):
        trace = pool_trace(x, kind="avg", size=2, stride=1, padding=1)
        scope = {}
        exec(snippets.pool_snippet(trace), scope)
        torch.testing.assert_close(scope["out"], trace.output)
        ref = F.avg_pool2d(x.reshape(1, -1, *x.shape[-2:]), 2, 1, 1)[0]  # [C, H', W']
        torch.testing.assert_close(scope["out"], ref[0] if x.ndim == 2 else ref)


def test_device_selection(monkeypatch):
    monkeypatch.setenv("CVCORE_DEVICE", "cpu")
    assert device.default_device() == torch.device("cpu")
    monkeypatch.delenv("CVCORE_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert device.default_device().type == expected
    with pytest.raises(InvalidParameter, match="device must be like"):
        device.resolve_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidParameter, match="CUDA is not available"):
            device.resolve_device("cuda")
    assert device.describe_device("cpu") == "CPU"


def test_volume_and_transpose_snippets_reproduce_their_traces():
    from cvcore.conv import conv_transpose_trace, volume_conv_trace

    rng = random.Random(7)
    for _ in range(15):
        g = rng.choice([1, 2])
        x = torch.randn(2 * g, rng.randint(3, 6), rng.randint(3, 6), dtype=torch.float64)
        w = torch.randn(2 * g, 2, 2, 2, dtype=torch.float64)
        trace = volume_conv_trace(x, w, torch.randn(2 * g, dtype=torch.float64), stride=rng.randint(1, 2),
                                  padding=rng.randint(0, 1), groups=g, relu=rng.random() < 0.5)
        scope = {}
        exec(snippets.volume_snippet(trace), scope)
        torch.testing.assert_close(scope["out"], trace.output, rtol=1e-10, atol=1e-10)
        t = conv_transpose_trace(torch.randn(3, 2, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64),
                                 stride=(2, 1), padding=(0, 1), output_padding=(1, 0))
        scope = {}
        exec(snippets.transpose_snippet(t), scope)
        torch.testing.assert_close(scope["out"], t.output, rtol=1e-10, atol=1e-10)
