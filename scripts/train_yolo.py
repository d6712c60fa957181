"""Train the tiny YOLO of the Localization-and-detection lab on the shapes world, reproducibly, on a CPU.

    python scripts/train_yolo.py [--steps 3000] [--out assets/tiny_yolo.pt]

Training scenes are generated from seeds 0, 1, 2, ...; the held-out evaluation set uses seeds from
1,000,000 on, never seen in training. Anchors come from k-means (1 - IoU) on the training boxes.
Writes the weights with their configuration and the evaluation (mAP@0.5) into one file of about 1 MB.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvcore.data import shapes
from cvcore.detect import metrics as detection
from cvcore.detect import yolo

EVAL_SEEDS = range(1_000_000, 1_000_500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--anchors", type=int, default=2)
    parser.add_argument("--out", type=Path, default=yolo.ASSET)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(max(1, torch.get_num_threads()))

    _, sample = shapes.scenes(range(2000))
    boxes = torch.cat([s.boxes for s in sample])
    config = yolo.YoloConfig()
    hw = torch.stack([boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]], dim=1) / config.cell
    anchors = yolo.kmeans_anchors(hw, args.anchors)
    config = yolo.YoloConfig(anchors=tuple(tuple(round(float(v), 4) for v in a) for a in anchors))
    print(f"anchors (h, w in cells): {config.anchors}")

    model = yolo.TinyYolo(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    start = time.time()
    for step in range(args.steps):
        seeds = range(step * args.batch, (step + 1) * args.batch)
        x, scenes = shapes.scenes(seeds)
        target = torch.stack([yolo.encode(s.boxes, s.labels, config) for s in scenes])
        model.train()
        loss = yolo.yolo_loss(model(x), target, config)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 200 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():8.3f}  {time.time() - start:6.0f} s", flush=True)

    model.eval()
    result = detection.evaluate_detector(model, config, EVAL_SEEDS)
    print(f"held-out mAP@0.5 {result.map:.3f}; AP per class " +
          ", ".join(f"{c} {ap:.3f}" for c, ap in zip(config.classes, result.ap, strict=True)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "size": config.size, "grid": config.grid,
                "anchors": [list(a) for a in config.anchors], "classes": list(config.classes),
                "map50": result.map, "ap50": list(result.ap), "steps": args.steps, "batch": args.batch,
                "eval_seeds": [EVAL_SEEDS.start, EVAL_SEEDS.stop]}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
