"""Train the Segmentation lab's small fully convolutional network on the shapes world, reproducibly, on a CPU.

    python scripts/train_fcn.py [--steps 2000] [--out assets/tiny_fcn.pt]

Training scenes come from seeds 0, 1, 2, ...; the held-out set from seeds 2,000,000 on. Writes the
weights with the per-class IoU and mean IoU on 300 held-out scenes.
"""

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvcore.data import shapes
from cvcore.detect import segmentation

EVAL_SEEDS = range(2_000_000, 2_000_300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--out", type=Path, default=segmentation.ASSET)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = segmentation.TinyFCN()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    start = time.time()
    for step in range(args.steps):
        x, scenes = shapes.scenes(range(step * args.batch, (step + 1) * args.batch))
        target = torch.stack([s.semantic for s in scenes])
        model.train()
        loss = F.cross_entropy(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 200 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  {time.time() - start:6.0f} s", flush=True)
    model.eval()
    iou = segmentation.iou_per_class(segmentation.evaluate(model, EVAL_SEEDS))
    print("held-out IoU " + ", ".join(f"{n} {v:.3f}" for n, v in zip(segmentation.CLASS_NAMES, iou.tolist(), strict=True)) +
          f"; mean IoU {float(iou.nanmean()):.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "classes": list(segmentation.CLASS_NAMES), "iou": iou.tolist(),
                "mean_iou": float(iou.nanmean()), "steps": args.steps, "batch": args.batch,
                "eval_seeds": [EVAL_SEEDS.start, EVAL_SEEDS.stop]}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
