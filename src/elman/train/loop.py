"""Training a language model with truncated backpropagation through time (TBPTT).

The token stream is cut into B parallel contiguous streams. Each update reads the next k1 tokens of every
stream, runs the model over a window of up to k2 ≥ k1 steps (the k2 − k1 tokens before them, then the
new ones), takes the loss on the k1 new positions only and backpropagates through the whole window. The
hidden state is carried from window to window as a plain array: nothing flows back through it, which is
what torch's ``h.detach()`` means. With k1 = k2 = K (the usual case) every window is K new tokens.

Everything a run depends on (parameters, optimiser state, random generators, data position, the carried
state) is checkpointed, so ``resume`` continues with the same numbers, to the bit, as an uninterrupted run.
A run writes its first checkpoint before its first update and one when Ctrl-C stops it, so it can always be
resumed; a resumed run drops the metrics that the stopped one wrote after its last checkpoint.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import numpy as np

from elman import optim
from elman.data.streams import LMStreams
from elman.errors import CheckpointError, ElmanError, Interrupted
from elman.io.checkpoint import save_model
from elman.nn.losses import cross_entropy
from elman.train.config import NONFINITE, OPTIMIZERS, TrainConfig
from elman.train.interrupt import DeferredInterrupt
from elman.train.log import MetricsLog, Progress, truncate_metrics
from elman.train.schedules import make_schedule
from elman.train.state import load_training_state, model_generators, rng_state, save_training_state, set_rng_state

__all__ = [
    "CHECKPOINT",
    "NONFINITE",
    "OPTIMIZERS",
    "LMTrainer",
    "TrainConfig",
    "TrainingStopped",
    "boundary_resets",
    "evaluate",
]


class TrainingStopped(ElmanError, RuntimeError):
    """Raised when the loss or the gradients stop being finite and the policy is to stop (an expected end,
    told in a sentence: where it stopped and what the checkpoint holds)."""


def boundary_resets(x: np.ndarray, prev_token: np.ndarray | None, boundary_token: int | None):
    """(T, B) True where the token before step t ends a sequence, so the state restarts at t; None if unused.

    ``prev_token`` (B,) is the token before the window's first step (None at the start of the streams)."""
    if boundary_token is None:
        return None
    before = np.full((1, x.shape[1]), -1) if prev_token is None else prev_token[None]
    return np.concatenate([before, x[:-1]]) == boundary_token


def evaluate(model, ids: np.ndarray, *, batch_size: int, bptt: int, boundary_token: int | None = None) -> float:
    """Mean negative log-likelihood per token, in nats, of ``ids`` under ``model``.

    The ids are read as ``batch_size`` contiguous streams in windows of ``bptt`` with the state carried
    (so every token but each stream's first is predicted with context), in eval mode, restarting after
    boundary tokens as training does.
    """
    batch_size = max(1, min(batch_size, (len(ids) - 1) // 2))
    streams = LMStreams(ids, batch_size)
    was_training = model.training
    model.eval()
    total, count, h, prev = 0.0, 0, None, None
    try:
        for _ in range(streams.windows_per_epoch(bptt)):
            x, y = streams.next_window(bptt)
            logits, h = model(x, h, boundary_resets(x, prev, boundary_token))
            prev = x[-1]
            loss, _ = cross_entropy(logits, y, reduction="sum")
            total, count = total + float(loss), count + y.size
    finally:
        model.train(was_training)
    return total / count


CHECKPOINT = "checkpoint.safetensors"


class LMTrainer:
    """Owns one run: the streams, the optimiser, the schedule, the carried state, the logs and checkpoints.

    Building one touches no file: ``restore(path)`` continues a run from its checkpoint, ``run()`` creates
    ``out`` and writes there. ``best_val`` is the best periodic evaluation (it drives the schedule and early
    stopping); ``best_saved`` is the loss of the weights in model.safetensors, which the final evaluation may
    also improve.
    """

    def __init__(self, model, train_ids: np.ndarray, val_ids: np.ndarray | None, config: TrainConfig, out: Path):
        self.model, self.val_ids, self.cfg, self.out = model, val_ids, config, Path(out)
        self.streams = LMStreams(train_ids, config.batch_size)
        self.opt = OPTIMIZERS[config.optimizer](model.params, lr=config.lr, weight_decay=config.weight_decay)
        self.schedule = make_schedule(
            config.schedule,
            config.lr,
            total_steps=config.max_steps,
            step_size=config.step_size,
            gamma=config.gamma,
            min_lr=config.min_lr,
        )
        self.rng = np.random.default_rng(config.seed)  # truncation lengths; the model holds its own (dropout)
        self.step = self.tokens = self.clip_events = self.skipped = self.bad_evals = 0
        self.elapsed, self.best_val, self.best_saved, self.epoch_seen = 0.0, math.inf, math.inf, 0
        self.h, self.history = None, None  # carried state (L, B, H) and the (x, y) rows kept for the next window
        self.prev_token = None  # (B,) the token before the next window, for restarts at boundaries
        self.saved_step, self._elapsed_at_start = None, 0.0

    # --- one update -------------------------------------------------------------------------------------------
    def _draw_bptt(self) -> int:
        if not self.cfg.random_bptt:
            return self.cfg.bptt
        base = self.cfg.bptt if self.rng.random() < 0.95 else self.cfg.bptt / 2
        return max(5, int(round(self.rng.normal(base, 5))))

    def train_step(self) -> dict:
        cfg, model = self.cfg, self.model
        x_new, y_new = self.streams.next_window(self._draw_bptt())
        if self.streams.epoch != self.epoch_seen:  # the streams restarted from the top: so does the state
            self.h, self.history, self.prev_token, self.epoch_seen = None, None, None, self.streams.epoch
        x, y = x_new, y_new
        if self.history is not None:
            x, y = np.concatenate([self.history[0], x_new]), np.concatenate([self.history[1], y_new])
        T, k = x.shape[0], x_new.shape[0]
        keep = min(cfg.k2 - cfg.bptt, T)  # rows of this window that the next one backpropagates through again
        mask = np.zeros(y.shape, dtype=bool)
        mask[T - k :] = True  # the loss is taken on the new tokens only
        logits, h_n = model(x, self.h, boundary_resets(x, self.prev_token, cfg.boundary_token))
        loss, d_logits = cross_entropy(logits, y, mask=mask)
        loss = float(loss)
        carried = h_n if keep == 0 else (model.states_at(T - keep - 1) if T > keep else self.h)
        record = {"step": self.step + 1, "epoch": self.streams.epoch, "loss": loss, "bptt": k}
        if not math.isfinite(loss):
            return self._nonfinite(record, f"the loss is {loss}")
        model.backward(d_logits)
        norm, after = self._clip()
        if not math.isfinite(norm):
            return self._nonfinite(record, f"the gradient norm is {norm}")
        self.opt.lr = self.schedule.lr(self.step)
        self.opt.step(model.grads)
        model.zero_grad()
        self.h = carried
        self.history = (x[T - keep :], y[T - keep :]) if keep else None
        self.prev_token = x[T - keep - 1].copy() if T > keep else self.prev_token
        self.step += 1
        self.tokens += y_new.size
        self.clip_events += int(after < norm)
        record.update(lr=self.opt.lr, grad_norm=norm, grad_norm_clipped=after, clipped=after < norm)
        return record

    def _clip(self) -> tuple[float, float]:
        """(global gradient norm before clipping, after clipping)."""
        grads = self.model.grads
        if self.cfg.clip is None:
            norm = optim.clip_grad_norm_(grads, math.inf)
            return norm, norm
        if self.cfg.clip_mode == "norm":
            norm = optim.clip_grad_norm_(grads, self.cfg.clip)
            return norm, min(norm, self.cfg.clip)
        norm = optim.clip_grad_norm_(grads, math.inf)
        optim.clip_grad_value_(grads, self.cfg.clip)
        return norm, optim.clip_grad_norm_(grads, math.inf)

    def _nonfinite(self, record: dict, what: str) -> dict:
        self.model.zero_grad()
        self.h, self.history, self.prev_token = None, None, None  # the state may hold the non-finite values too
        if self.cfg.nonfinite == "stop":
            self.checkpoint()
            raise TrainingStopped(
                f"stopped at step {self.step + 1}: {what} (nonfinite='stop'); the checkpoint "
                f"in {self.out} holds the state before this step"
            )
        if self.cfg.nonfinite == "shrink":  # Pascanu et al. 2013: replace the gradient by 0.1·θ and take the step
            for name, grad in self.model.grads.items():
                np.multiply(self.model.params[name], 0.1, out=grad)
            self.opt.lr = self.schedule.lr(self.step)
            self.opt.step(self.model.grads)
            self.model.zero_grad()
        self.skipped += 1
        self.step += 1
        record.update(skipped=True, reason=what, action=self.cfg.nonfinite)
        return record

    # --- evaluation, checkpoints ------------------------------------------------------------------------------
    def evaluate(self, *, final: bool = False) -> dict:
        """Validation loss; the best model so far is saved. The periodic evaluations also drive the
        schedule and early stopping; the final one only reports, so that a run stopped and resumed makes
        the same decisions as one that never stopped."""
        val = self.validation_loss()
        improved = val < self.best_saved
        if improved:
            self.save_model()
            self.best_saved = val
        if not final:
            self.schedule.observe(val)
            self.best_val, self.bad_evals = (val, 0) if val < self.best_val else (self.best_val, self.bad_evals + 1)
        return {"step": self.step, "val_loss": val, "val_bpc": val / math.log(2), "best": improved, "final": final}

    def validation_loss(self) -> float:
        return evaluate(
            self.model,
            self.val_ids,
            batch_size=self.cfg.eval_batch_size,
            bptt=self.cfg.bptt,
            boundary_token=self.cfg.boundary_token,
        )

    def save_model(self) -> None:
        """The weights as they are now in model.safetensors (what `elman sample` reads)."""
        self.out.mkdir(parents=True, exist_ok=True)
        save_model(self.out / "model.safetensors", self.model)

    def _info(self) -> dict:
        return {
            "step": self.step,
            "tokens": self.tokens,
            "clip_events": self.clip_events,
            "skipped": self.skipped,
            "bad_evals": self.bad_evals,
            "elapsed": self.elapsed,
            "epoch_seen": self.epoch_seen,
            "best_val": self.best_val if math.isfinite(self.best_val) else None,
            "best_saved": self.best_saved if math.isfinite(self.best_saved) else None,
            "streams": self.streams.state_dict(),
            "rng": rng_state(self.rng),
            "model_rngs": {name: rng_state(g) for name, g in model_generators(self.model).items()},
            "schedule": self.schedule.state_dict(),
            "config": dataclasses.asdict(self.cfg),
        }

    def checkpoint(self) -> None:
        carry = {}
        if self.h is not None:
            carry["h"] = self.h
        if self.history is not None:
            carry["history_x"], carry["history_y"] = self.history
        if self.prev_token is not None:
            carry["prev_token"] = self.prev_token
        self.out.mkdir(parents=True, exist_ok=True)
        save_training_state(self.out / CHECKPOINT, self.model.params, self.opt.state_dict(), carry, self._info())
        self.saved_step = self.step

    def restore(self, path: Path) -> None:
        """Continue the run saved in the checkpoint at ``path``: every number as the stopped run left it."""
        params, optim_state, carry, info = load_training_state(path)
        self.model.load_state_dict(params)
        self.opt.load_state_dict(optim_state)
        for key in ("step", "tokens", "clip_events", "skipped", "bad_evals", "elapsed", "epoch_seen"):
            setattr(self, key, info[key])
        self.best_val = math.inf if info["best_val"] is None else info["best_val"]
        best_saved = info.get("best_saved", info["best_val"])  # checkpoints before best_saved: the same value
        self.best_saved = math.inf if best_saved is None else best_saved
        self.saved_step, self._elapsed_at_start = self.step, self.elapsed  # --max-minutes counts from here
        self.streams.load_state_dict(info["streams"])
        set_rng_state(self.rng, info["rng"])
        generators = model_generators(self.model)
        # checkpoints before "model_rngs" hold the one generator every layer of the language model shares
        saved = info.get("model_rngs") or dict.fromkeys(generators, info.get("model_rng"))
        if set(saved) != set(generators):
            raise CheckpointError(
                f"{path}: the checkpoint holds the random generators {sorted(saved)}, the model {sorted(generators)}"
            )
        for name, generator in generators.items():
            set_rng_state(generator, saved[name])
        self.schedule.load_state_dict(info["schedule"])
        self.h = carry.get("h")
        self.history = (carry["history_x"], carry["history_y"]) if "history_x" in carry else None
        self.prev_token = carry.get("prev_token")

    # --- the run ----------------------------------------------------------------------------------------------
    def stop_reason(self) -> str | None:
        """Why the run stops now (max_steps, max_minutes, max_epochs, early_stopping), or None to go on."""
        cfg = self.cfg
        if cfg.max_steps is not None and self.step >= cfg.max_steps:
            return "max_steps"
        if cfg.max_minutes is not None and self.elapsed - self._elapsed_at_start >= 60 * cfg.max_minutes:
            return "max_minutes"
        if cfg.max_epochs is not None and self.streams.epochs_completed >= cfg.max_epochs:
            return "max_epochs"
        if cfg.patience is not None and self.bad_evals >= cfg.patience:
            return "early_stopping"
        return None

    def interrupt_agreed(self, requested: bool) -> bool:
        """Whether the run stops for a Ctrl-C after this update. One process decides alone; the distributed
        trainer (``elman.torch.train_lm``) makes every process take the same decision at the same step."""
        return requested

    def _open_log(self) -> MetricsLog:
        """The metrics file. A run that continues (from a checkpoint) keeps the records up to its step and drops
        those the stopped process wrote after it; a new run starts the file afresh, after its first checkpoint."""
        path = self.out / "metrics.jsonl"
        if self.saved_step is not None:
            truncate_metrics(path, self.step)
            return MetricsLog(path, append=True)
        self.checkpoint()  # step 0: from now on the run can be resumed, however it ends
        return MetricsLog(path, append=False)

    def run(self) -> dict:
        """Train until :meth:`stop_reason` says stop; returns a summary. Ctrl-C ends the current update, saves a
        checkpoint of it and raises :class:`~elman.errors.Interrupted`."""
        self._elapsed_at_start = self.elapsed
        self.log = self._open_log()
        progress = Progress(self.cfg.max_steps, enabled=self.cfg.progress, initial=self.step)
        window_tokens, window_time, run_tokens, run_time = 0, 0.0, 0, 0.0
        try:
            with DeferredInterrupt() as ctrl_c:
                while (reason := self.stop_reason()) is None:
                    start = time.perf_counter()
                    record = self.train_step()
                    spent = time.perf_counter() - start
                    self.elapsed += spent
                    tokens = record["bptt"] * self.cfg.batch_size
                    window_tokens, window_time = window_tokens + tokens, window_time + spent
                    run_tokens, run_time = run_tokens + tokens, run_time + spent
                    if self.step % self.cfg.log_every == 0 or record.get("skipped"):
                        record.update(
                            tokens=self.tokens,
                            tokens_per_s=window_tokens / max(window_time, 1e-9),
                            clip_rate=self.clip_events / max(self.step, 1),
                            elapsed=self.elapsed,
                        )
                        self.log.write(record)
                        window_tokens, window_time = 0, 0.0
                    progress.update(
                        loss=f"{record['loss']:.3f}",
                        tok_s=f"{run_tokens / max(run_time, 1e-9):.0f}",
                        clip=f"{self.clip_events / max(self.step, 1):.2f}",
                    )
                    if self.val_ids is not None and self.step % self.cfg.eval_every == 0:
                        self.log.write(self.evaluate())
                    stop_now = self.interrupt_agreed(ctrl_c.requested)
                    if self.step % self.cfg.checkpoint_every == 0 or stop_now:
                        self.checkpoint()
                    if stop_now:
                        raise Interrupted(f"interrupted at step {self.step}: checkpoint saved in {self.out}")
                if self.val_ids is None:
                    self.save_model()
                elif self.step % self.cfg.eval_every != 0:
                    self.log.write(self.evaluate(final=True))
                self.checkpoint()
        except KeyboardInterrupt:  # a second Ctrl-C: the update under way may be half done, so nothing is saved
            raise Interrupted(
                f"interrupted at once: nothing saved after the checkpoint of step {self.saved_step} in {self.out}"
            ) from None
        finally:
            progress.close()
            self.log.close()
        return {
            "stopped": reason,
            "steps": self.step,
            "tokens": self.tokens,
            "elapsed": self.elapsed,
            "best_val": self.best_saved if math.isfinite(self.best_saved) else None,
            "clip_events": self.clip_events,
            "skipped": self.skipped,
        }
