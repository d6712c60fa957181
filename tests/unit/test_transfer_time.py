"""The expected training time the Transfer-learning lab shows before Start: image counts, the measured cost of each
part of the job, and the estimate against a timed run of the real job."""

import threading
import time

import pytest
import torch
from torch import nn

from cvcore import heavy, zoo
from cvcore.networks import transfer


def test_split_sizes_are_what_image_set_makes():
    groups = {name: pictures[:n] for (name, pictures), n in zip(transfer.texture_set(9).items(), (9, 4, 2, 7, 5),
                                                                 strict=True)}
    data = transfer.image_set(groups, zoo.registry()["mobilenet_v2"])
    assert transfer.split_sizes([len(g) for g in groups.values()]) == (len(data.train_y), len(data.val_y))


def test_timing_a_network_is_positive_and_leaves_it_as_it_was():
    torch.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 16, 3))
    net = transfer.TransferNet(features, 3, 1)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert transfer.time_training(net, images=2, size=32) > 0
    assert transfer.time_forward(net, images=2, size=32, train_mode=True) > 0  # batch-norm statistics of a copy
    for key, value in net.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)
    assert net.features[0].weight.requires_grad is False  # the frozen block stays frozen


COST = transfer.StepCost(prepare_s=0.001, features_s=0.02, validate_s=0.02, train_s=0.05, medium_s=0.03,
                         scratch_train_s=0.01, scratch_forward_s=0.004)


def test_step_cost_times_the_lab_network_once_per_process_even_when_asked_twice_at_once(monkeypatch):
    timed = []

    def fake_measure():
        timed.append(1)
        return COST

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
    assert len(timed) == 1
    assert costs == [COST] * 3


def test_each_case_counts_what_its_job_does():
    cost = transfer.StepCost(prepare_s=0.001, features_s=0.02, validate_s=0.02, train_s=0.05, medium_s=0.03,
                             scratch_train_s=0.01, scratch_forward_s=0.004)
    # small: 100 pictures prepared (0.1 s) and their features computed once (2 s), whatever the epochs
    assert transfer.expected_seconds(cost, "small", 75, 25, 10) == pytest.approx(2.1)
    assert transfer.expected_seconds(cost, "small", 75, 25, 50) == pytest.approx(2.1)
    # medium: 0.1 s + 10 epochs x (75 steps x 0.03 s + 25 validation passes x 0.02 s) = 0.1 + 10 x 2.75 s
    assert transfer.expected_seconds(cost, "medium", 75, 25, 10) == pytest.approx(27.6)
    # large: 0.1 s + 10 x (75 x 0.05 + 25 x 0.02) = 0.1 + 10 x 4.25 s
    assert transfer.expected_seconds(cost, "large", 75, 25, 10) == pytest.approx(42.6)
    # from scratch, at SCRATCH_SIZE: 10 x (75 steps x 0.01 + 75 batch-norm passes x 0.004 + 25 x 0.004) = 10 x 1.15 s
    assert transfer.expected_seconds(cost, "small", 75, 25, 10, from_scratch=True) == pytest.approx(11.5)


def _timed_job(groups, case, epochs, mobilenet, entry) -> float:
    """Seconds of the lab's job as ``labs/transfer/views.py`` runs it in-process: prepare the images, build the
    network, train (for the network from random weights: the prepared images downsized)."""
    start = time.perf_counter()
    data = transfer.image_set(groups, entry)
    if case == "scratch":
        net, _ = transfer.random_network(len(data.classes), device="cpu")
        records = heavy.transfer_records(net, transfer.downsized(data), epochs=epochs, lr=1e-3,
                                         batch_size=transfer.TRAIN_BATCH, from_scratch=True)
    else:
        net, _ = transfer.make_network(mobilenet, len(data.classes), case)
        records = heavy.transfer_records(net, data, epochs=epochs, lr=transfer.CASES[case].lr,
                                         batch_size=transfer.TRAIN_BATCH)
    assert len(list(records)) == epochs
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def one_thread():
    """One CPU thread, as the app runs (``cvcore.device.configure_threads``)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cost(one_thread):
    return transfer.measure_cost(device="cpu")


@pytest.mark.parametrize("case, epochs", [("small", 10), ("scratch", 2)])
def test_the_estimate_agrees_with_a_timed_run_of_the_job(case, epochs, cost, mobilenet, entry):
    """Timed soon after measuring, so that other work on the machine weighs on both alike. The tolerance is wider
    than the 30 % the lab is held to on its defaults (benchmarks/jobs/transfer.py): a run of a few seconds on a
    shared machine varies more (measured on two busy cores: 0.68 to 1.23). A cost timed on batches other than the
    job's fails it: four images a pass against the job's 32 made the estimate a fifth of the time taken."""
    groups = transfer.texture_set(8)  # 30 training and 10 validation images
    expected = (transfer.expected_seconds(cost, "large", 30, 10, epochs, from_scratch=True) if case == "scratch"
                else transfer.expected_seconds(cost, case, 30, 10, epochs))
    actual = _timed_job(groups, case, epochs, mobilenet, entry)
    assert 0.5 < expected / actual < 2.0, f"expected {expected:.1f} s, took {actual:.1f} s"
