"""Engine paths follow the device of their inputs and models: what they create (indices, coordinates, probe inputs, a
new head) is made there, not on the CPU.

Without a GPU the structural ones run on PyTorch's "meta" device, where a tensor made on the CPU and mixed with the
inputs raises, as it would on CUDA; nothing numeric is checked there. The numbers on a real GPU are compared with the
CPU's by ``make gpu-check``; the tests marked ``cuda`` repeat the labs' own patterns there (CPU data, GPU model).
"""

import pytest
import torch
from torch import nn

from cvcore.conv._windows import sliding_windows
from cvcore.data.digits import Dataset
from cvcore.detect import segmentation, yolo
from cvcore.networks import training, transfer

META = torch.device("meta")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


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


@cuda
def test_on_cuda_transfer_trains_a_gpu_copy_on_cpu_data_as_the_lab_does(mobilenet, entry):
    gpu = torch.device("cuda")
    data = transfer.image_set(transfer.texture_set(4), entry)  # on the CPU, as the lab makes it
    net, _ = transfer.make_network(mobilenet.to(gpu), len(data.classes), "large")
    assert {p.device.type for p in net.parameters()} == {"cuda"}
    record = list(training.train_classifier(net, data, epochs=1, lr=1e-4, batch_size=8, reports_per_epoch=1))[-1]
    assert record.val_loss == record.val_loss  # a number, not NaN
    head = list(transfer.train_head(transfer.make_network(mobilenet.to(gpu), len(data.classes), "small")[0], data,
                                    epochs=2))
    assert len(head) == 2
    assert training.confusion_matrix(net, data.val_x, data.val_y, len(data.classes)).device.type == "cpu"
    mobilenet.to("cpu")


@cuda
def test_on_cuda_the_trace_and_detection_paths_stay_on_the_gpu():
    from cvcore.conv.transposed import conv_transpose_trace
    from cvcore.conv.volume import volume_conv_trace
    from cvcore.detect import boxes

    gpu = torch.device("cuda")
    trace = conv_transpose_trace(torch.ones(3, 3, device=gpu), torch.ones(2, 2, device=gpu), stride=2)
    assert trace.output.device.type == trace.stamps.device.type == "cuda"
    volume = volume_conv_trace(torch.ones(2, 4, 4, device=gpu), torch.ones(2, 1, 3, 3, device=gpu), groups=2)
    assert volume.output.device.type == "cuda"
    b = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], device=gpu)
    s = torch.tensor([0.9, 0.8, 0.7], device=gpu)
    assert boxes.nms_steps(b, s, iou_threshold=0.5).keep.tolist() == [0, 2]
    data = Dataset(torch.zeros(4, 1, 2, 2), torch.tensor([0, 1, 0, 1]), torch.zeros(2, 1, 2, 2), torch.tensor([0, 1]),
                   ("a", "b"))
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)).to(gpu)
    assert len(list(training.train_classifier(model, data, epochs=1, batch_size=2, reports_per_epoch=1))) == 1
