"""How models learn: the truncated-BPTT loop, schedules, checkpoints with exact resume, logs."""

from elman.train.loop import LMTrainer, TrainConfig, TrainingStopped, evaluate
from elman.train.schedules import CosineLR, ReduceOnPlateau, Schedule, StepLR, make_schedule

__all__ = ["CosineLR", "LMTrainer", "ReduceOnPlateau", "Schedule", "StepLR", "TrainConfig", "TrainingStopped",
           "evaluate", "make_schedule"]
