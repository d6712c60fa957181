"""The labs' own device patterns on ``--device``: data made on the CPU, a model on the device (as the Transfer lab
trains a copy on the GPU from images it keeps on the CPU), and traces and detection that stay where their inputs are.
On the CPU these run the same code with nothing to move; ``tests/unit/test_device_paths.py`` covers the placement
without a GPU on PyTorch's meta device."""

import copy

import torch
from torch import nn

from cvcore.conv.transposed import conv_transpose_trace
from cvcore.conv.volume import volume_conv_trace
from cvcore.data.digits import Dataset
from cvcore.detect import boxes
from cvcore.networks import training, transfer


def test_transfer_trains_a_device_copy_on_cpu_data_as_the_lab_does(device, mobilenet, entry, full):
    data = transfer.image_set(transfer.texture_set(4 if full else 2), entry)  # on the CPU, as the lab makes it
    on_device = copy.deepcopy(mobilenet).to(device)
    net, _ = transfer.make_network(on_device, len(data.classes), "large")
    assert {p.device.type for p in net.parameters()} == {device.type}
    record = list(training.train_classifier(net, data, epochs=1, lr=1e-4, batch_size=8, reports_per_epoch=1))[-1]
    assert record.val_loss == record.val_loss  # a number, not NaN
    small, _ = transfer.make_network(on_device, len(data.classes), "small")
    assert len(list(transfer.train_head(small, data, epochs=2))) == 2
    assert training.confusion_matrix(net, data.val_x, data.val_y, len(data.classes)).device.type == "cpu"


def test_the_trace_and_detection_paths_stay_on_the_device(device):
    trace = conv_transpose_trace(torch.ones(3, 3, device=device), torch.ones(2, 2, device=device), stride=2)
    assert trace.output.device.type == trace.stamps.device.type == device.type
    volume = volume_conv_trace(torch.ones(2, 4, 4, device=device), torch.ones(2, 1, 3, 3, device=device), groups=2)
    assert volume.output.device.type == device.type
    b = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], device=device)
    s = torch.tensor([0.9, 0.8, 0.7], device=device)
    assert boxes.nms_steps(b, s, iou_threshold=0.5).keep.tolist() == [0, 2]
    data = Dataset(torch.zeros(4, 1, 2, 2), torch.tensor([0, 1, 0, 1]), torch.zeros(2, 1, 2, 2), torch.tensor([0, 1]),
                   ("a", "b"))
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)).to(device)
    assert len(list(training.train_classifier(model, data, epochs=1, batch_size=2, reports_per_epoch=1))) == 1
