"""The labs' own device patterns on a real GPU (CPU data, a GPU model), run by ``make gpu-check`` on a CUDA machine
(the file is not named test_*.py, so ``make test``, which runs on the CPU, does not collect it)."""

import pytest
import torch
from torch import nn

from cvcore.data.digits import Dataset
from cvcore.networks import training, transfer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="make gpu-check runs this on a CUDA machine")


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
