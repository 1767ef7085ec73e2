"""Learning-rate schedules. Each maps the step (and, for reduce-on-plateau, the validation losses seen) to
a learning rate, and has a JSON-able ``state_dict`` so that a resumed run continues exactly.

    >>> s = make_schedule("cosine", lr=1.0, total_steps=100, min_lr=0.0)
    >>> [round(s.lr(t), 3) for t in (0, 50, 100)]
    [1.0, 0.5, 0.0]
"""

from __future__ import annotations

import math

from elman.errors import InvalidInput

SCHEDULES = ("constant", "step", "cosine", "plateau")


class Schedule:
    """Constant: lr at every step."""

    def __init__(self, lr: float):
        self.base_lr = float(lr)

    def lr(self, step: int) -> float:
        return self.base_lr

    def observe(self, val_loss: float) -> None:
        """Called after each evaluation; only reduce-on-plateau listens."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class StepLR(Schedule):
    """lr · γ^⌊step / step_size⌋."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.5):
        super().__init__(lr)
        if step_size <= 0:
            raise InvalidInput(f"step_size must be a positive number of steps, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def lr(self, step: int) -> float:
        return self.base_lr * self.gamma ** (step // self.step_size)


class CosineLR(Schedule):
    """min_lr + (lr − min_lr) · (1 + cos(π · step / total_steps)) / 2, then min_lr."""

    def __init__(self, lr: float, total_steps: int, min_lr: float = 0.0):
        super().__init__(lr)
        if total_steps <= 0:
            raise InvalidInput(f"total_steps must be positive for a cosine schedule, got {total_steps}")
        self.total_steps, self.min_lr = int(total_steps), float(min_lr)

    def lr(self, step: int) -> float:
        progress = min(step / self.total_steps, 1.0)
        return self.min_lr + (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` after ``patience`` evaluations without a new best validation loss."""

    def __init__(self, lr: float, factor: float = 0.5, patience: int = 2, min_lr: float = 0.0):
        super().__init__(lr)
        if not 0 < factor < 1:
            raise InvalidInput(f"factor must lie in (0, 1), got {factor}")
        self.factor, self.patience, self.min_lr = float(factor), int(patience), float(min_lr)
        self.current, self.best, self.bad = float(lr), math.inf, 0

    def lr(self, step: int) -> float:
        return self.current

    def observe(self, val_loss: float) -> None:
        if val_loss < self.best:
            self.best, self.bad = val_loss, 0
            return
        self.bad += 1
        if self.bad > self.patience:
            self.current, self.bad = max(self.current * self.factor, self.min_lr), 0

    def state_dict(self) -> dict:
        return {"current": self.current, "best": self.best if math.isfinite(self.best) else None, "bad": self.bad}

    def load_state_dict(self, state: dict) -> None:
        self.current, self.bad = float(state["current"]), int(state["bad"])
        self.best = math.inf if state["best"] is None else float(state["best"])


def make_schedule(
    name: str,
    lr: float,
    *,
    total_steps: int | None = None,
    step_size: int = 1000,
    gamma: float = 0.5,
    min_lr: float = 0.0,
    factor: float = 0.5,
    patience: int = 2,
) -> Schedule:
    if name == "constant":
        return Schedule(lr)
    if name == "step":
        return StepLR(lr, step_size, gamma)
    if name == "cosine":
        if total_steps is None:
            raise InvalidInput("a cosine schedule needs the total number of steps (--steps)")
        return CosineLR(lr, total_steps, min_lr)
    if name == "plateau":
        return ReduceOnPlateau(lr, factor, patience, min_lr)
    raise InvalidInput(f"Unknown schedule '{name}'. Expected one of {SCHEDULES}")
