"""The expected training time the Transfer-learning lab shows before Start: image counts and a measured cost."""

import threading

import torch
from torch import nn

from cvcore import zoo
from cvcore.networks import transfer


def test_split_sizes_are_what_image_set_makes():
    groups = {name: pictures[:n] for (name, pictures), n in zip(transfer.texture_set(9).items(), (9, 4, 2, 7, 5),
                                                                 strict=True)}
    data = transfer.image_set(groups, zoo.registry()["mobilenet_v2"])
    assert transfer.split_sizes([len(g) for g in groups.values()]) == (len(data.train_y), len(data.val_y))


def test_measured_cost_is_positive_and_leaves_the_network_as_it_was():
    torch.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 16, 3))
    net = transfer.TransferNet(features, 3, 0)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    cost = transfer.measure_cost(net, images=2, size=32)
    assert cost.forward_s > 0 and cost.train_s > 0
    for key, value in net.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_step_cost_times_the_lab_network_once_per_process_even_when_asked_twice_at_once(monkeypatch):
    timed = []

    def fake_measure(net):
        timed.append(net)
        return transfer.StepCost(forward_s=0.01, train_s=0.03)

    monkeypatch.setattr(transfer, "measure_cost", fake_measure)
    transfer._measured_cost.cache_clear()
    try:
        costs = []
        threads = [threading.Thread(target=lambda: costs.append(transfer.step_cost())) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        costs.append(transfer.step_cost())
    finally:
        transfer._measured_cost.cache_clear()
    assert len(timed) == 1 and isinstance(timed[0], transfer.TransferNet) and timed[0].head.out_features == 5
    assert costs == [transfer.StepCost(forward_s=0.01, train_s=0.03)] * 3


def test_the_small_case_costs_one_pass_over_the_images_whatever_the_epochs():
    cost = transfer.StepCost(forward_s=0.02, train_s=0.05)
    assert transfer.expected_seconds(cost, "small", 75, 25, 10) == transfer.expected_seconds(cost, "small", 75, 25, 50)
    # medium and large: 10 epochs x (75 steps x 0.05 s + 25 forward passes x 0.02 s) = 10 x 4.25 s
    assert abs(transfer.expected_seconds(cost, "medium", 75, 25, 10) - 42.5) < 1e-9
    # from scratch, one more forward pass over the 75 training images an epoch: + 10 x 1.5 s
    assert abs(transfer.expected_seconds(cost, "large", 75, 25, 10, from_scratch=True) - 57.5) < 1e-9
