"""A task-agnostic epoch loop for supervised models trained on padded batches.

The model exposes ``forward(*inputs) -> outputs``, ``backward(d_outputs)``, ``params`` / ``grads`` /
``zero_grad`` / ``train`` / ``eval`` (any ``elman`` Module built like ``SequenceClassifier``). A task supplies

* ``train_batches(epoch, rng)`` → an iterable of ``(inputs, targets)``, ``inputs`` a tuple passed to forward;
* ``loss_fn(outputs, targets)`` → ``(loss, d_outputs)`` (e.g. ``elman.nn.losses.cross_entropy``);
* ``evaluate(model)`` → a dict of metrics (the model is put in eval mode around the call).

Each epoch: shuffle-and-train, evaluate, write one JSON line to ``out_dir/metrics.jsonl``, save the model to
``out_dir/<checkpoint>`` (``io.save_model``) when ``metric`` improved, and stop after ``patience`` epochs without
improvement. At the end the best weights are loaded back into the model.

    >>> # summary = fit(model, batches_fn, cross_entropy, evaluate_fn, optimizer=Adam(model.params), epochs=5,
    >>> #               out_dir="runs/x", metric="dev_accuracy")
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from elman.io.checkpoint import load_model, save_model
from elman.optim import clip_grad_norm_
from elman.train.log import MetricsLog, Progress


def _check_positive(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number{' or None' if allow_none else ''}, got {value!r}")


def train_epoch(model, batches, loss_fn, optimizer, *, clip=None, progress=None) -> dict:
    """One pass over ``batches``: forward, loss, backward, clip, step. Returns mean loss and the update count.

    Batches with a non-finite loss or gradient norm are skipped (counted in ``skipped``).
    """
    model.train()
    names = list(optimizer.params)
    total, count, skipped = 0.0, 0, 0
    for inputs, targets in batches:
        model.zero_grad()
        outputs = model(*inputs)
        loss, d_outputs = loss_fn(outputs, targets)
        model.backward(d_outputs)
        grads = {n: model.grads[n] for n in names}
        norm = clip_grad_norm_(grads, clip) if clip else math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        if not (math.isfinite(float(loss)) and math.isfinite(norm)):
            skipped += 1
            continue
        optimizer.step(grads)
        total += float(loss)
        count += 1
        if progress is not None:
            progress.update(loss=f"{float(loss):.4f}")
    return {"train_loss": total / count if count else float("nan"), "updates": count, "skipped": skipped}


def fit(model, train_batches, loss_fn, evaluate, *, optimizer, epochs: int, out_dir, metric: str,
        higher_is_better: bool = True, clip: float | None = 5.0, patience: int | None = None, seed: int = 0,
        progress: bool = False, checkpoint: str = "model.safetensors", log_name: str = "metrics.jsonl",
        max_minutes: float | None = None) -> dict:
    """Train for up to ``epochs`` epochs; keep the best model by ``evaluate(model)[metric]``.

    Returns ``{"best_epoch", "best": {metrics of that epoch}, "epochs_run", "seconds", "stopped"}`` with
    ``stopped`` one of "epochs", "patience", "time". ``patience=None`` never stops early.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    _check_positive("clip", clip, allow_none=True)
    _check_positive("max_minutes", max_minutes, allow_none=True)
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise ValueError(f"patience must be None or an integer >= 1, got {patience!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(out / log_name, append=False)
    rng = np.random.default_rng(seed)
    best_value, best_epoch, best, stale, stopped = None, 0, {}, 0, "epochs"
    start = time.perf_counter()
    epoch = 0
    try:
        for epoch in range(1, epochs + 1):
            bar = Progress(None, enabled=progress)
            t0 = time.perf_counter()
            record = {"epoch": epoch, **train_epoch(model, train_batches(epoch, rng), loss_fn, optimizer, clip=clip,
                                                    progress=bar)}
            bar.close()
            record["train_seconds"] = round(time.perf_counter() - t0, 2)
            model.eval()
            try:
                scores = evaluate(model)
            finally:
                model.train()
            if metric not in scores:
                raise KeyError(f"evaluate() must return the metric {metric!r}, got keys {sorted(scores)}")
            record.update(scores)
            value = float(scores[metric])
            improved = best_value is None or (value > best_value if higher_is_better else value < best_value)
            if improved:
                best_value, best_epoch, best, stale = value, epoch, dict(record), 0
                save_model(out / checkpoint, model)
            else:
                stale += 1
            record["best"] = improved
            log.write(record)
            if patience is not None and stale >= patience:
                stopped = "patience"
                break
            if max_minutes is not None and time.perf_counter() - start > 60 * max_minutes:
                stopped = "time"
                break
    finally:
        log.close()
    if best_epoch:
        load_model(out / checkpoint, model)
    return {"best_epoch": best_epoch, "best": best, "epochs_run": epoch, "stopped": stopped,
            "seconds": round(time.perf_counter() - start, 1)}
