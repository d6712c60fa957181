"""Speed figures for the Transfer-learning and Segmentation labs (CPU, 1 thread as the app runs):

1. Head-only training (the "small" case) on cached backbone features: images per second, the features
   computed once, not every epoch (their one-off cost is reported too).
2. Each case as the lab runs it on its defaults (5 textures x 20 patches, 10 epochs; medium and large 3 epochs, their
   estimate scaled to the same): the expected time the page shows (``transfer.expected_seconds`` of a cost measured
   just before) against the measured wall time of the job (images prepared, network built, trained; from scratch on
   the images downsized to ``transfer.SCRATCH_SIZE``), their ratio (target: within 30 %), and the validation
   accuracy after every epoch (the curve the page draws).
3. FCN inference on one 256x256 image.
"""

import time

import torch

from benchmarks.timing import median_ms
from cvcore import heavy, zoo
from cvcore.detect import segmentation
from cvcore.networks import transfer

_EPOCHS = {"small": 10, "medium": 3, "large": 3, "scratch": 10}


def _job(model, entry, groups, case: str, epochs: int) -> tuple[float, list[float]]:
    """(seconds, validation accuracy per epoch) of the lab's in-process job for ``case``."""
    start = time.perf_counter()
    data = transfer.image_set(groups, entry)
    if case == "scratch":
        net, _ = transfer.random_network(len(data.classes), device="cpu")
        records = heavy.transfer_records(net, transfer.downsized(data), epochs=epochs, lr=1e-3,
                                         batch_size=transfer.TRAIN_BATCH, from_scratch=True)
    else:
        net, _ = transfer.make_network(model, len(data.classes), case)
        records = heavy.transfer_records(net, data, epochs=epochs, lr=transfer.CASES[case].lr,
                                         batch_size=transfer.TRAIN_BATCH)
    curve = [r.val_acc for r in records]
    return time.perf_counter() - start, curve


def rows() -> list[str]:
    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    groups = transfer.texture_set(20)
    data = transfer.image_set(groups, entry)
    out = []
    net, _ = transfer.make_network(model, 5, "small")
    start = time.perf_counter()
    transfer.head_features(net, torch.cat([data.train_x, data.val_x]))
    features_s = time.perf_counter() - start
    records = list(transfer.train_head(net, data, epochs=30))
    out.append(f"head only, cached features: {records[-1].images_per_s:,.0f} images/s "
               f"(features of {len(data.train_y) + len(data.val_y)} images computed once: {features_s:.1f} s)")
    n_train, n_val = transfer.split_sizes([len(g) for g in groups.values()])
    for case, epochs in _EPOCHS.items():
        start = time.perf_counter()
        cost = transfer.measure_cost(device="cpu")
        measuring_s = time.perf_counter() - start
        expected = transfer.expected_seconds(cost, "large" if case == "scratch" else case, n_train, n_val, epochs,
                                             from_scratch=case == "scratch")
        seconds, curve = _job(model, entry, groups, case, epochs)
        out.append(f"case {case}, {epochs} epochs: expected {expected:.1f} s, took {seconds:.1f} s "
                   f"(ratio {expected / seconds:.2f}; timing the cost took {measuring_s:.1f} s); validation accuracy "
                   f"by epoch {' '.join(f'{a:.0%}' for a in curve)}")
    fcn = segmentation.load_fcn()
    x = torch.rand(1, 3, 256, 256)

    def infer():
        with torch.inference_mode():
            fcn(x)

    out.append(f"FCN inference, one 256x256 image: {median_ms(infer, 30):.1f} ms")
    return out
