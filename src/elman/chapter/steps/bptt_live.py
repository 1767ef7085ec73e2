"""Step 4, "train it here": a small RNN trained live on the server, full BPTT against truncated, clipping off and on.

Four copies of one seeded network (the library's ``RNN`` and ``Linear``, float64) learn Step 4's recall task (the
latch, ``bptt.recall_batch``: the answer at the last of T steps is the sign of a pulse L steps back) with Adam,
on the same batches: full BPTT, full BPTT with ``clip_grad_norm_`` at τ, truncated BPTT at K (the step's
``truncated_at_the_loss``: the loss's window holds K steps, the carried state a constant), and truncated with
clipping. With L > K (the defaults: L = 15, K = 10) no gradient ever reaches the pulse under truncation: the full
runs learn the task within a few dozen updates, the truncated ones stay at the loss of answering 0 (1.0).

``/api/bptt/live`` streams one JSON line per update (newline-delimited JSON): the four losses, ‖g‖ before and
after clipping, and every few updates ‖∂L/∂h_t‖ over t for the unclipped pair. A run is bounded (at most
``MAX_UPDATES`` updates, ``MAX_SECONDS`` of wall time), at most ``RUNS`` stream at once per server process, and
each slice of updates computes on the ``compute`` lane (``elman.chapter.admission``); when the learner stops, the
page aborts its fetch and the server stops at the next slice.
"""

from __future__ import annotations

import json
import math
import threading
import time
import weakref
from dataclasses import dataclass, field

import anyio
import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from elman.analysis.gradient_flow import truncated_bptt
from elman.chapter.admission import LANES, Busy, Lane
from elman.chapter.steps.bptt import recall_batch, truncated_at_the_loss
from elman.chapter.validation import MAX_SEED, number_in
from elman.errors import InvalidInput
from elman.nn.init import with_spectral_radius
from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.optim import Adam
from elman.train.step import train_step

router = APIRouter()

T, L, HIDDEN, BATCH, RHO, LR = 30, 15, 16, 64, 0.9, 0.01
DEFAULTS = {"K": 10, "tau": 1.0, "updates": 200}
MAX_UPDATES = 300
MAX_SECONDS = 30.0  # a run on a crowded machine ends here whatever its count
SLICE = 10  # updates per trip to the compute lane (a few tens of ms)
PROFILE_EVERY = 5  # ‖∂L/∂h_t‖ over t every this many updates (and at the first and the last)
TAIL = 20  # a run's end: the mean loss of its last TAIL updates
RUNS = 2  # live runs streaming at once per server process
VARIANTS = ("full", "full_clip", "truncated", "truncated_clip")
LIVE = Lane("live", "live-training", RUNS, 0)  # for Busy's sentence; admission itself is _admit below
_lock = threading.Lock()
_active = 0


class Latch(Module):
    """x (T, B, 1) -> RNN -> output at the last step -> Linear -> (B, 1), trained by BPTT over windows of
    ``window`` steps laid back from the loss (``window >= T``: full BPTT).

    ``backward`` runs the step's truncated BPTT (``truncated_bptt`` / ``truncated_at_the_loss``, which leave the
    RNN's gradients alone and return their own), puts its gradients in ``grads`` and returns ‖∂L/∂h_t‖ (1, 1, T).
    """

    def __init__(self, seed: int, window: int):
        super().__init__()
        rng = np.random.default_rng(seed)  # every copy starts from the same weights
        self.rnn = self.add_module("rnn", RNN(1, HIDDEN, dtype="float64", rng=rng))
        self.head = self.add_module("head", Linear(HIDDEN, 1, dtype="float64", rng=rng))
        self.rnn.params["weight_hh_l0"][...] = with_spectral_radius(self.rnn.params["weight_hh_l0"], RHO)
        self.window = window
        self._x = self._output = None

    def forward(self, x):
        self._x, (self._output, _) = x, self.rnn(x)
        return self.head(self._output[-1])

    def backward(self, d_pred):
        x = self._x
        d_output = np.zeros_like(self._output)
        d_output[-1] = self.head.backward(d_pred)
        if self.window >= x.shape[0]:
            grads, norms = truncated_bptt(self.rnn, x, d_output, x.shape[0])
        else:
            grads, norms = truncated_at_the_loss(self.rnn, x, d_output, self.window)
        for name, g in grads.items():
            np.copyto(self.rnn.grads[name], g)
        return norms


@dataclass
class Learner:
    """One of the four copies: its model, optimiser and clipping threshold."""

    model: Latch
    optimizer: Adam
    tau: float | None  # the clipping threshold, None: no clipping
    losses: list = field(default_factory=list)
    clips: int = 0

    def update(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, np.ndarray]:
        """One Adam step on the batch; returns (loss, ‖g‖ before clipping, after, ‖∂L/∂h_t‖ over t)."""
        step = train_step(self.model, self.optimizer, mse, (x,), y[:, None], clip=self.tau)
        self.clips += int(step.clipped)
        self.losses.append(step.loss)
        return step.loss, step.grad_norm, step.grad_norm_after, step.backward[0, 0]


def _learner(seed: int, window: int, tau: float | None) -> Learner:
    model = Latch(seed, window)
    return Learner(model, Adam(model.params, lr=LR), tau)


def check(K: int, tau: float, updates: int, seed: int) -> None:
    for name, value, low, high in (("K", K, 1, T), ("updates", updates, 1, MAX_UPDATES), ("seed", seed, 0, MAX_SEED)):
        if not (isinstance(value, int) and low <= value <= high):
            raise InvalidInput(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    if not (isinstance(tau, (int, float)) and 0.01 <= tau <= 100):
        raise InvalidInput(f"tau: expected a number from 0.01 to 100, got {tau!r}")


class Run:
    """The four learners on one seeded stream of batches; ``advance(n)`` makes n more updates, one record each."""

    def __init__(
        self, K: int = DEFAULTS["K"], tau: float = DEFAULTS["tau"], updates: int = DEFAULTS["updates"], seed: int = 0
    ):
        check(K, tau, updates, seed)
        self.K, self.tau, self.updates, self.seed, self.step = K, float(tau), updates, seed, 0
        self.learners = {
            "full": _learner(seed, T, None),
            "full_clip": _learner(seed, T, self.tau),
            "truncated": _learner(seed, K, None),
            "truncated_clip": _learner(seed, K, self.tau),
        }
        self.data = np.random.default_rng([seed, 1])

    @property
    def done(self) -> bool:
        return self.step >= self.updates

    def header(self) -> dict:
        return {
            "kind": "start",
            "T": T,
            "L": L,
            "K": self.K,
            "tau": self.tau,
            "updates": self.updates,
            "seed": self.seed,
            "hidden_size": HIDDEN,
            "batch": BATCH,
            "lr": LR,
            "rho": RHO,
            "tail": TAIL,
            "variants": list(VARIANTS),
            "marked": T - L + 1,
            "window": [T - min(self.K, T) + 1, T],
            "task": "the sign of a pulse L steps before the last step (elman.data.synthetic.latch_task)",
        }

    def advance(self, n: int) -> list[dict]:
        records = []
        for _ in range(min(n, self.updates - self.step)):
            x, y = recall_batch(self.data, T, L, BATCH)
            self.step += 1
            record = {"kind": "update", "step": self.step, "loss": {}, "norm": {}, "clipped": {}}
            profiles = {}
            for name, learner in self.learners.items():
                loss, before, after, profile = learner.update(x, y)
                record["loss"][name] = _finite(loss)
                record["norm"][name] = [_finite(before), _finite(after)]
                record["clipped"][name] = learner.tau is not None and before > learner.tau
                profiles[name] = profile
            if self.step == 1 or self.step % PROFILE_EVERY == 0 or self.done:
                record["profile"] = {
                    name: [_finite(v) for v in profiles[name]] for name in ("full", "truncated") if name in profiles
                }
            records.append(record)
        return records

    def summary(self, stopped: bool = False) -> dict:
        end = {name: float(np.mean(l.losses[-TAIL:])) if l.losses else None for name, l in self.learners.items()}
        return {
            "kind": "end",
            "step": self.step,
            "stopped": stopped,
            "end": end,
            "baseline": 1.0,
            "clips": {name: l.clips for name, l in self.learners.items()},
        }


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def train(
    K: int = DEFAULTS["K"],
    tau: float = DEFAULTS["tau"],
    updates: int = DEFAULTS["updates"],
    seed: int = 0,
    variants=VARIANTS,
) -> dict:
    """A whole run at once (what the stream sends, gathered): per variant the losses and ‖g‖ before/after, and
    the summary. ``variants`` leaves out copies the caller does not need (the tests' time)."""
    run = Run(K, tau, updates, seed)
    run.learners = {name: run.learners[name] for name in variants}
    records = run.advance(updates)
    return {
        "loss": {v: [r["loss"][v] for r in records] for v in variants},
        "before": {v: [r["norm"][v][0] for r in records] for v in variants},
        "after": {v: [r["norm"][v][1] for r in records] for v in variants},
        **run.summary(),
    }


class _Place:
    """One of the ``RUNS`` places for a live run, taken at once or refused with ``Busy``; given back once, by the
    stream's end or, should the stream never start (the client left first), when its run is collected."""

    def __init__(self, run: Run):
        global _active
        with _lock:
            if _active >= RUNS:
                raise Busy(LIVE)
            _active += 1
        self._held = True
        weakref.finalize(run, self.release)

    def release(self) -> None:
        global _active
        with _lock:
            if self._held:
                self._held = False
                _active -= 1


def _line(record: dict) -> bytes:
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


async def stream(run: Run, place: _Place, request: Request | None = None):
    """The run's records as NDJSON lines, a slice at a time on the compute lane; stops when the client leaves."""
    started = time.monotonic()
    try:
        yield _line(run.header())
        while not run.done:
            if request is not None and await request.is_disconnected():
                return
            if time.monotonic() - started > MAX_SECONDS:
                yield _line(run.summary(stopped=True))
                return
            try:
                records = await LANES["compute"].run(run.advance, SLICE)
            except Busy:  # the lane is full for a moment: wait, keep the run
                await anyio.sleep(0.2)
                continue
            for record in records:
                yield _line(record)
        yield _line(run.summary())
    finally:
        place.release()


@router.get("/live")
async def live_endpoint(
    request: Request,
    K: str = Query(str(DEFAULTS["K"])),
    tau: str = Query(str(DEFAULTS["tau"])),
    updates: str = Query(str(DEFAULTS["updates"])),
    seed: str = Query("0"),
) -> StreamingResponse:
    run = Run(
        number_in("K", K, 1, T),
        number_in("tau", tau, 0.01, 100, float),
        number_in("updates", updates, 1, MAX_UPDATES),
        number_in("seed", seed, 0, MAX_SEED),
    )
    return StreamingResponse(
        stream(run, _Place(run), request),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
