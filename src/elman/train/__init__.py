"""How models learn: one update (train_step), the truncated-BPTT loop, schedules, checkpoints with exact resume,
logs."""

from elman.train.config import TrainConfig
from elman.train.loop import LMTrainer, TrainingStopped, evaluate
from elman.train.schedules import CosineLR, ReduceOnPlateau, Schedule, StepLR, make_schedule
from elman.train.step import StepResult, train_step

__all__ = [
    "CosineLR",
    "LMTrainer",
    "ReduceOnPlateau",
    "Schedule",
    "StepLR",
    "StepResult",
    "TrainConfig",
    "TrainingStopped",
    "evaluate",
    "make_schedule",
    "train_step",
]
