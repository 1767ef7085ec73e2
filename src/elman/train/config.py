"""What a language-model run trains with: ``TrainConfig``, each field with its default and, where the command line
sets it, its option (``elman train lm`` builds its options from these fields; see ``elman.arguments``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from elman import optim
from elman.arguments import option
from elman.errors import InvalidInput
from elman.train.schedules import SCHEDULES

OPTIMIZERS = {
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "sgd": optim.SGD,
    "rmsprop": optim.RMSprop,
    "adagrad": optim.Adagrad,
}
NONFINITE = ("skip", "stop", "shrink")


def _option(default, help: str, **kwargs):
    return field(default=default, metadata=option(help, **kwargs))


@dataclass
class TrainConfig:
    batch_size: int = _option(64, "parallel streams of text per update", flag="batch")
    bptt: int = _option(100, "k1: new tokens per update")
    bptt_backward: int | None = _option(None, "k2 >= k1: steps backpropagated (unset: k1)", type=int)
    random_bptt: bool = _option(False, "draw the window length per update around --bptt (Merity et al. 2018)")
    boundary_token: int | None = None  # a token that ends a sequence: the state restarts from zero after it
    optimizer: str = _option("adam", "the update rule", choices=tuple(OPTIMIZERS))
    lr: float = _option(2e-3, "learning rate")
    weight_decay: float = _option(0.0, "L2 penalty (decoupled for adamw)")
    schedule: str = _option("constant", "how the learning rate changes", choices=SCHEDULES)
    step_size: int = _option(1000, "--schedule step: updates between two decays")
    gamma: float = _option(0.5, "--schedule step: the factor of each decay")
    min_lr: float = _option(0.0, "--schedule cosine: the rate it ends at; plateau: the rate it stops at")
    clip: float | None = _option(5.0, "gradient clipping threshold", off=0)
    clip_mode: str = _option("norm", "clip the global norm of the gradients, or each value", choices=("norm", "value"))
    max_steps: int | None = _option(
        None, "stop after this many updates in all (with --resume: a new total)", flag="steps", type=int
    )
    max_minutes: float | None = _option(
        None,
        "stop after this many minutes of training in this invocation (a "
        "resumed run gets them afresh; the time spent before does not count)",
        type=float,
    )
    max_epochs: int | None = _option(
        None, "stop after this many passes over the training text", flag="epochs", type=int
    )
    eval_every: int = _option(200, "updates between validation evaluations")
    eval_batch_size: int = _option(32, "parallel streams of the validation text")
    checkpoint_every: int = _option(
        500, "updates between checkpoints (there is one at step 0, one at the end, one on Ctrl-C)"
    )
    patience: int | None = _option(None, "early stopping after this many evaluations without a new best", type=int)
    nonfinite: str = _option(
        "skip",
        "on a non-finite loss or gradient: skip the update, stop, or shrink (Pascanu et al. 2013: step along 0.1·θ)",
        choices=NONFINITE,
    )
    seed: int = _option(0, "seed of the initialisation, dropout and window lengths")
    log_every: int = _option(10, "updates between two lines of metrics.jsonl")
    progress: bool = _option(True, "a progress bar")

    def __post_init__(self):
        k2 = self.bptt if self.bptt_backward is None else self.bptt_backward
        checks = [
            (self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}"),
            (self.bptt >= 1, f"bptt must be >= 1, got {self.bptt}"),
            (k2 >= self.bptt, f"bptt_backward (k2) must be >= bptt (k1): got k2={k2}, k1={self.bptt}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {tuple(OPTIMIZERS)}, got {self.optimizer!r}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {SCHEDULES}, got {self.schedule!r}"),
            (
                self.schedule != "cosine" or self.max_steps is not None,
                "a cosine schedule needs the total number of updates (--steps)",
            ),
            (self.step_size >= 1, f"step_size must be >= 1, got {self.step_size}"),
            (self.clip_mode in ("norm", "value"), f"clip_mode must be 'norm' or 'value', got {self.clip_mode!r}"),
            (self.clip is None or self.clip > 0, f"clip must be > 0 or None, got {self.clip}"),
            (self.nonfinite in NONFINITE, f"nonfinite must be one of {NONFINITE}, got {self.nonfinite!r}"),
            (self.eval_every >= 1 and self.checkpoint_every >= 1, "eval_every and checkpoint_every must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidInput(message)

    @property
    def k2(self) -> int:
        return self.bptt if self.bptt_backward is None else self.bptt_backward
