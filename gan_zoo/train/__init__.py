"""The training harness: one loop for every model, plus seeding, checkpoints and history."""

from gan_zoo.devices import pick_device
from gan_zoo.train.run import train_run
from gan_zoo.train.trainer import Trainer, TrainResult

__all__ = ["TrainResult", "Trainer", "pick_device", "train_run"]
