"""The Build-your-own-CNN lab's settings, each declared once (see ``ui.settings``)."""

from cvcore.networks import builder
from ui.settings import LabSettings, Setting

__all__ = ["COMPARISONS", "BuildSettings"]

COMPARISONS = {"batchnorm": "batch norm", "residual": "residual blocks"}  # the one change a comparison makes


class BuildSettings(LabSettings, ns="build"):
    layers: str = Setting(builder.specs_text(builder.course_example()), "Layers")
    epochs: int = Setting(5, "Epochs", bounds=(1, 30))
    lr: float = Setting(0.001, "Learning rate (Adam)", bounds=(0.0001, 0.1))
    batch: int = Setting(64, "Batch size", bounds=(8, 512))
    seed: int = Setting(0, "Seed", bounds=(0, 10_000))
    compare: str = Setting("batchnorm", "Compare", choices=COMPARISONS,
                           labels=lambda change: f"with and without {COMPARISONS[change]}", widget="radio")

    @property
    def train_kwargs(self) -> dict:
        """Epochs, learning rate, batch size and seed as ``train_classifier`` keyword arguments."""
        return {"epochs": int(self.epochs), "lr": float(self.lr), "batch_size": int(self.batch), "seed": int(self.seed)}
