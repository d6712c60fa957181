"""Train the digits CNN the app ships (the course's network) on the bundled digits, reproducibly, on a CPU.

    python scripts/train_digits.py [--out assets/digits_cnn.pt]

The layers are Build your own CNN's starting network (``builder.course_example()``), initialised from seed 0 and
trained with Adam as Build trains (``training.train_classifier``) with ``digits_cnn.SETTINGS``, on one CPU thread so
that the same torch version gives the same bytes (about 40 s of one core). The training set is
``digits_cnn.training_data()``: the bundled training digits, the same redrawn as canvas drawings, and digits drawn
in pen strokes (see that module). Prints the validation accuracy and the file's sha256, which
``cvcore/networks/digits_cnn.py`` records (update ``SHA256`` there after changing the training).
"""

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvcore import zoo
from cvcore.networks import builder, digits_cnn, training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=digits_cnn.ASSET)
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: sums in one order, the same weights on every run
    torch.use_deterministic_algorithms(True)
    start = time.time()
    specs = builder.course_example()
    data = digits_cnn.training_data()
    print(f"{len(data.train_y)} training images, {len(data.val_y)} validation digits  {time.time() - start:5.0f} s",
          flush=True)
    model = builder.build_network(specs, digits_cnn.INPUT, seed=digits_cnn.SETTINGS["seed"])
    record = None
    for record in training.train_classifier(model, data, reports_per_epoch=1, **digits_cnn.SETTINGS):
        print(f"epoch {record.epoch:4.1f}  loss {record.train_loss:.4f}  validation accuracy {record.val_acc:.3f}  "
              f"{time.time() - start:5.0f} s", flush=True)
    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
                "layers": builder.specs_text(specs), "val_acc": float(record.val_acc), "val_count": len(data.val_y),
                "settings": dict(digits_cnn.SETTINGS),
                "extra": dict(digits_cnn.EXTRA)}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - start:.0f} s; "
          f"sha256 {zoo.sha256_of(args.out)}")


if __name__ == "__main__":
    main()
