"""Lessons and questions of the Face verification lab."""

import math

import torch

from cvcore import faces
from cvcore.lessons.base import LabLessons, Picker, Question, Step, register

__all__ = ["faces_questions"]


def _unit(degrees: float) -> torch.Tensor:
    return torch.tensor([[math.cos(math.radians(degrees)), math.sin(math.radians(degrees))]])


def faces_questions(s: dict, variant: int = 0) -> list[Question]:
    pick = Picker(s, variant)
    margin = pick.float("margin", 0.0, 1.0, 1)
    tau = pick.float("tau", 0.1, 1.5, 2)
    rng = pick.rng
    d_ap, d_an = round(rng.uniform(0.2, 1.2), 1), round(rng.uniform(0.2, 1.4), 1)
    anchor, positive, negative = torch.zeros(2), torch.tensor([d_ap, 0.0]), torch.tensor([0.0, d_an])
    loss = float(faces.triplet_loss(anchor, positive, negative, margin, distance="euclidean"))
    angle = rng.choice([20, 30, 45, 60, 75, 90, 120])
    d = float(faces.distance_matrix(_unit(0), _unit(angle), "cosine")[0, 0])
    verdict = "same" if d <= tau else "different"
    return [
        Question(f"d(A, P) = {d_ap}, d(A, N) = {d_an}, margin alpha = {margin:g}. What is the triplet loss "
                 "max(d(A, P) - d(A, N) + alpha, 0)?", round(loss, 2),
                 f"{d_ap} - {d_an} + {margin:g} = {d_ap - d_an + margin:.2f}, " +
                 ("below 0, so the loss is 0: an easy triplet, nothing to learn." if loss == 0 else
                  f"so the loss is {loss:.2f}: the negative is not yet alpha further than the positive."),
                 tolerance=0.01, fact="triplet_loss"),
        Question(f"Two L2-normalised embeddings are {angle} degrees apart. What is their cosine distance "
                 "1 - cos(angle) (two decimals)?", round(d, 2),
                 f"1 - cos({angle}°) = 1 - {math.cos(math.radians(angle)):.3f} = {d:.3f}.", tolerance=0.01, fact="cos_distance"),
        Question(f"With that distance and the threshold tau = {tau:g}: same person or different?", verdict,
                 f"d = {d:.3f} is {'at or below' if verdict == 'same' else 'above'} tau = {tau:g}, so the rule says "
                 f"'{verdict}'.", choices=("same", "different"), fact="verdict"),
    ]


register(LabLessons("faces", "Face verification", (
    Step("Verification: the same person", {"view": "verify", "a_sample": "astronaut", "b_sample": "astronaut_dark"},
         "Detected, aligned to {side}x{side}, embedded: a darker photo of that face lands close by, well below tau.",
         lambda s: {"side": faces.ALIGNED_SIZE}),
    Step("Verification: another person", {"view": "verify", "a_sample": "astronaut", "b_sample": "cameraman"},
         "Another face gives a distance far above tau: the rule says two people. Move tau and see where it would fail."),
    Step("Choosing tau", {"view": "threshold", "tau": 0.6},
         "Same-person distances pile up on the left, different-person ones on the right; where FAR and FRR cross "
         "is the equal-error rate."),
    Step("Triplet loss", {"view": "triplet", "margin": 0.2},
         "The loss is zero once the negative is alpha further than the positive; raise alpha and more triplets "
         "become hard."),
    Step("The embedding space", {"view": "space"},
         "Each person's photos form a cluster: that is what one-shot recognition relies on."),
    Step("A siamese head", {"view": "siamese"},
         "Verification as classification on |f(x_i) - f(x_j)|: a learned rule against one threshold."),
), faces_questions))
