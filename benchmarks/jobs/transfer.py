"""Speed figures for the Transfer-learning and Segmentation labs (CPU, 1 thread as the app runs):

1. Head-only training (the "small" case) on cached backbone features: images per second, the features
   computed once, not every epoch (their one-off cost is reported too).
2. Full fine-tuning throughput (the "large" case): images per second.
3. The three cases on a 5-class x 20-image texture set: seconds for their epochs, the final validation
   accuracy, and the epoch at which it was first reached.
4. FCN inference on one 256x256 image.
"""

import time

import torch

from benchmarks.timing import median_ms
from cvcore import zoo
from cvcore.detect import segmentation
from cvcore.networks import transfer
from cvcore.networks.training import train_classifier


def rows() -> list[str]:
    model, entry = zoo.load("mobilenet_v2", device="cpu"), zoo.registry()["mobilenet_v2"]
    data = transfer.image_set(transfer.texture_set(20), entry)
    out = []
    net, _ = transfer.make_network(model, 5, "small")
    start = time.perf_counter()
    transfer.head_features(net, torch.cat([data.train_x, data.val_x]))
    features_s = time.perf_counter() - start
    records = list(transfer.train_head(net, data, epochs=30))
    out.append(f"head only, cached features: {records[-1].images_per_s:,.0f} images/s "
               f"(features of {len(data.train_y) + len(data.val_y)} images computed once: {features_s:.1f} s)")
    for case, epochs in (("small", 30), ("medium", 3), ("large", 3)):
        net, _ = transfer.make_network(model, 5, case)
        start = time.perf_counter()
        if case == "small":
            records = list(transfer.train_head(net, data, epochs=epochs))
        else:
            records = list(train_classifier(net, data, epochs=epochs, lr=transfer.CASES[case].lr, batch_size=16,
                                            reports_per_epoch=1))
        seconds = time.perf_counter() - start
        final = records[-1].val_acc
        first = next(r for r in records if r.val_acc >= final)
        speed = f", {records[-1].images_per_s:,.1f} images/s" if case != "small" else " (features included)"
        out.append(f"case {case}: {seconds:.1f} s for {epochs} epochs{speed}; final validation accuracy {final:.0%}, "
                   f"first reached at epoch {first.epoch:.0f}")
    fcn = segmentation.load_fcn()
    x = torch.rand(1, 3, 256, 256)

    def infer():
        with torch.inference_mode():
            fcn(x)

    out.append(f"FCN inference, one 256x256 image: {median_ms(infer, 30):.1f} ms")
    return out
