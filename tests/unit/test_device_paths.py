"""Engine paths follow the device of their inputs and models: what they create (indices, coordinates, probe inputs, a
new head) is made there, not on the CPU.

Without a GPU the structural ones run on PyTorch's "meta" device, where a tensor made on the CPU and mixed with the
inputs raises, as it would on CUDA; nothing numeric is checked there. The numbers on a real GPU are compared with the
CPU's by ``make gpu-check`` (``pytest tests/device --device cuda``), whose ``test_placement.py`` runs the labs' own
patterns on a real GPU (CPU data, GPU model).
"""

import pytest
import torch
from torch import nn

from cvcore.conv._windows import sliding_windows
from cvcore.detect import segmentation, yolo
from cvcore.networks import training, transfer

META = torch.device("meta")


def test_mixing_a_cpu_tensor_with_a_meta_one_raises_as_with_cuda():
    """What makes the meta tests below worth having: a CPU-made tensor would fail them."""
    with pytest.raises((RuntimeError, NotImplementedError)):
        _ = torch.arange(3)[:, None] + torch.zeros(3, 3, device=META)


def test_sliding_windows_gathers_with_indices_on_the_inputs_device():
    windows, rows, cols = sliding_windows(torch.zeros(2, 6, 7, device=META), (2, 3), (3, 3), (2, 2))
    assert windows.device == rows.device == cols.device == META
    assert windows.shape == (2, 2, 3, 3, 3)


def test_yolo_cell_coordinates_are_made_on_the_outputs_device():
    config = yolo.YoloConfig(size=96, grid=3, anchors=((1.0, 1.0), (1.0, 2.0)))
    vectors = torch.zeros(3, 3, 2, config.depth, device=META)
    boxes, scores, labels = yolo.detections(vectors, config)
    assert boxes.device == scores.device == labels.device == META
    assert boxes.shape == (18, 4)


def test_the_u_shape_probe_runs_where_the_network_is():
    rows = segmentation.u_shape(segmentation.TinyFCN().to(META), 64)
    assert [r.shape[1] for r in rows] == [64, 32, 16, 8, 4, 8, 16, 32, 64, 64]


def test_a_transfer_head_is_made_on_the_backbones_device():
    features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 16, 1)).to(META)
    net = transfer.TransferNet(features, 4, 1)
    assert net.head.weight.device == net.head.bias.device == META
    assert net.head.in_features == 16


def test_a_transfer_head_is_initialised_from_the_same_draws_on_any_device():
    """The head is drawn on the CPU and then moved: the global generator advances alike whatever the device, so a
    GPU run starts from the CPU run's weights."""
    after = []
    for dev in ("cpu", META):
        features = nn.Sequential(nn.Conv2d(3, 8, 1)).to(dev)
        torch.manual_seed(0)
        transfer.TransferNet(features, 3, 0)
        after.append(torch.rand(4))
    torch.testing.assert_close(after[0], after[1], rtol=0, atol=0)


def test_random_network_goes_to_the_device_asked_for():
    net, plan = transfer.random_network(3, device=META)
    assert {p.device for p in net.parameters()} == {META}
    assert plan.trainable == plan.total


def test_confusion_matrix_comes_back_on_the_cpu():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    matrix = training.confusion_matrix(model, torch.zeros(3, 1, 2, 2), torch.tensor([0, 1, 1]), 2)
    assert matrix.device.type == "cpu" and int(matrix.sum()) == 3
