"""Lessons and questions of the application labs: detection, segmentation and transfer learning."""

import functools
import random

import torch

from cvcore.conv import transpose_output_size
from cvcore.detect import boxes
from cvcore.detect.segmentation import TinyFCN, confusion, iou_per_class, u_shape
from cvcore.lessons.base import LabLessons, Picker, Question, Step, answers, register
from cvcore.networks import architectures, transfer
from cvcore.teach import words

__all__ = ["detection_questions", "segmentation_questions", "transfer_questions", "transfer_trainable",
           "validation_images"]


def _box(pick: Picker, prefix: str, fallback: tuple[float, float, float, float]) -> tuple[float, ...]:
    if pick.variant == 0:
        box = tuple(float(pick.settings.get(f"{prefix}{k}", v)) for k, v in zip(("x1", "y1", "x2", "y2"), fallback, strict=True))
        return box if box[0] < box[2] and box[1] < box[3] else fallback
    x1, y1 = pick.rng.randint(0, 5), pick.rng.randint(0, 5)
    return float(x1), float(y1), float(x1 + pick.rng.randint(2, 5)), float(y1 + pick.rng.randint(2, 5))


def detection_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    a, b = _box(pick, "a", (1.0, 1.0, 5.0, 4.0)), _box(pick, "b", (3.0, 2.0, 7.0, 6.0))
    parts = boxes.iou_parts(a, b)
    iou = parts.iou
    threshold = pick.float("iou", 0.1, 0.9, 1)
    keep = boxes.nms(torch.tensor([a, b]), torch.tensor([0.9, 0.8]), iou_threshold=threshold)
    kept = "kept" if 1 in keep.tolist() else "removed"
    return [
        Question(f"Box A = {a} and box B = {b}, as (x1, y1, x2, y2). What is their IoU (two decimals)?", round(iou, 2),
                 f"Intersection {parts.intersection_area:g}, union {parts.union_area:g}: "
                 f"IoU = {parts.intersection_area:g} / {parts.union_area:g} = {iou:.3f}.", tolerance=0.01, fact="iou"),
        Question(f"Same class: A scores 0.9, B scores 0.8. Non-max suppression with IoU threshold {threshold:g}: "
                 "is B kept or removed?", kept,
                 f"NMS outputs A (the highest score), then removes every box whose IoU with A is above {threshold:g}. "
                 f"IoU(A, B) = {iou:.3f}, so B is {kept}.", choices=("kept", "removed"), fact="nms"),
    ]


@functools.lru_cache(maxsize=8)
def _u_shape(size: int):
    return u_shape(TinyFCN(), size)


def segmentation_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    size = 128 if variant == 0 else pick.rng.choice([64, 96, 128, 160])
    rows = _u_shape(size)
    bottleneck = min(r.shape[1] for r in rows)
    rng = random.Random(int(s.get("seed", 0)) * 1000 + variant)
    both, only_pred, only_true = rng.randint(10, 60), rng.randint(0, 30), rng.randint(0, 30)
    pred = torch.tensor([1] * both + [1] * only_pred + [0] * only_true)
    target = torch.tensor([1] * both + [0] * only_pred + [1] * only_true)
    iou = float(iou_per_class(confusion(pred, target, 2))[1])
    up = transpose_output_size(bottleneck, 4, 1, 2)
    return [
        Question(f"The segmentation network's encoder has four convolutions of stride 2. How many cells wide is its "
                 f"smallest map for {words.article(size)} {size}x{size} image?", bottleneck,
                 f"Four halvings: {size} / 2⁴ = {bottleneck}; the decoder then grows it back to {size}.", fact="bottleneck_side"),
        Question(f"The decoder's transposed convolutions have f = 4, s = 2, p = 1. What does one make of "
                 f"{words.article(bottleneck)} {bottleneck}x{bottleneck} map?", up, f"(n - 1)s - 2p + f = ({bottleneck} - 1)·2 - 2 + 4 = {up}: "
                                                           "exactly twice the size.", fact="up_side"),
        Question(f"For one class the prediction and the truth share {both} pixels; {only_pred} more are predicted only "
                 f"and {only_true} are true only. What is the class's IoU (two decimals)?", round(iou, 2),
                 f"IoU = overlap / union = {both} / ({both} + {only_pred} + {only_true}) = {iou:.3f}.", tolerance=0.01, fact="class_iou"),
    ]


@functools.lru_cache(maxsize=32)
def transfer_trainable(classes: int, case: str) -> tuple[int, int]:
    """(trainable, total) parameters of the Transfer lab's network for ``classes`` and ``case`` (no weights needed)."""
    _, plan = transfer.make_network(architectures.build("mobilenet_v2", device="meta"), classes, case)
    return plan.trainable, plan.total


def validation_images(per_class: int, val_fraction: float = 0.25) -> int:
    """Images per class the Transfer lab keeps for validation: ``max(1, round(per_class x fraction))``."""
    return max(1, round(per_class * val_fraction))


def transfer_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    classes, per_class = pick.int("n_classes", 2, 5), pick.int("per_class", 4, 60)
    case = pick.choice("case", list(transfer.CASES), "small")
    head = 1280 * classes + classes
    trainable, total = transfer_trainable(classes, case)
    n_val = validation_images(per_class)
    return [
        Question(f"The new head maps MobileNetV2's 1280 pooled features to {classes} classes. How many parameters has it?",
                 head, f"1280 weights per class plus one bias: 1280·{classes} + {classes} = {head}.", fact="head_params"),
        Question(f"Case '{case}' ({transfer.CASES[case].label.lower()}), {classes} classes: how many parameters train? "
                 "(the nearest thousand is fine)", trainable,
                 f"{trainable:,} of {total:,}: " + ("only the new head." if case == "small" else
                                                    "the unfrozen blocks and the head."), tolerance=500, fact="trainable"),
        Question(f"{per_class} photos per class, a quarter kept for validation. How many photos train, over all "
                 f"{classes} classes?", classes * (per_class - n_val),
                 f"{n_val} per class are held out, so ({per_class} - {n_val}) x {classes} = {classes * (per_class - n_val)} "
                 "train.", fact="train_images"),
    ]


def _detection_notes(s: dict) -> dict:
    pick = Picker(s, 0)
    parts = boxes.iou_parts(_box(pick, "a", (1.0, 1.0, 5.0, 4.0)), _box(pick, "b", (3.0, 2.0, 7.0, 6.0)))
    x1, y1, x2, y2 = parts.intersection or (0.0, 0.0, 0.0, 0.0)
    return {"w": x2 - x1, "h": y2 - y1, "inter": parts.intersection_area, "area_a": parts.area_a,
            "area_b": parts.area_b, "union": parts.union_area, "iou": round(parts.iou, 3),
            "threshold": float(s.get("iou", 0.5))}


def _segmentation_notes(s: dict) -> dict:
    rows = _u_shape(128)
    return {"size": rows[0].shape[1], **answers(segmentation_questions(s))}


def _transfer_notes(s: dict) -> dict:
    classes, case = int(s.get("n_classes", 3)), str(s.get("case", "small"))
    trainable, _ = transfer_trainable(classes, case)
    return {"classes": classes, "per_class": int(s.get("per_class", 20)), "trainable.millions": round(trainable / 1e6, 1),
            **answers(transfer_questions(s))}


register(LabLessons("det", "Localization and detection", (
    Step("Classification with localization", {"view": "target", "form": "squared"},
         "The target vector y = (p_c, b_x, b_y, b_h, b_w, c_1, c_2, c_3): when there is no object only p_c counts."),
    Step("Sliding windows", {"view": "sliding", "window": 224, "stride": 0},
         "The classifier runs on every window: many forward passes, and boxes only as precise as the stride."),
    Step("Intersection over union", {"view": "iou", "ax1": 1.0, "ay1": 1.0, "ax2": 5.0, "ay2": 4.0,
                                     "bx1": 3.0, "by1": 2.0, "bx2": 7.0, "by2": 6.0},
         "Overlap {w} x {h} = {inter}, union {area_a} + {area_b} - {inter} = {union}: IoU = {iou}, well below one "
         "half, the usual bar for 'correct'.", _detection_notes),
    Step("Non-max suppression", {"view": "nms", "score": 0.3, "iou": 0.4},
         "Step through: output the best box, drop the ones that overlap it by more than {threshold}, repeat.",
         _detection_notes),
    Step("YOLO grid and anchors", {"view": "yolo", "row": 1, "col": 1},
         "Each grid cell predicts boxes for objects whose centre falls inside it, one vector per anchor."),
), detection_questions))

register(LabLessons("seg", "Segmentation", (
    Step("Three tasks", {"view": "tasks"},
         "Classification says what, detection where (boxes), segmentation which pixels: one label per pixel."),
    Step("A label for every pixel", {"view": "segment", "source": "scene"},
         "The U shape: the {size}-pixel image shrinks to a map {bottleneck_side} cells wide down the encoder, and grows "
         "back to {size} with transposed convolutions; compare with the truth.", _segmentation_notes),
    Step("Another scene", {"view": "segment", "seed": 2000017, "alpha": 0.8},
         "A new scene of shapes the network never saw: the per-class IoU says how well each class is found."),
    Step("Instances", {"view": "instances"},
         "Semantic segmentation gives classes; connected regions split them into separate objects."),
), segmentation_questions))

register(LabLessons("transfer", "Transfer learning", (
    Step("Small data: freeze everything", {"case": "small", "n_classes": 3, "per_class": 20},
         "Only the new head trains: {head_params} parameters, a few seconds on a CPU.", _transfer_notes),
    Step("Medium: fine-tune the top half", {"case": "medium", "epochs": 10},
         "The first half of the backbone stays frozen; the later, more specific blocks adapt too."),
    Step("Large: fine-tune everything", {"case": "large", "epochs": 10},
         "All {trainable.millions} million parameters train, with a small learning rate so the pretrained features are not "
         "destroyed.", _transfer_notes),
    Step("More classes", {"case": "small", "n_classes": 5, "per_class": 12},
         "{classes} textures, {per_class} photos each: the head grows to {head_params} parameters; validation "
         "accuracy tells the story.", _transfer_notes),
), transfer_questions))
