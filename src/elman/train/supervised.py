"""A task-agnostic epoch loop for supervised models trained on padded batches, resumable at every epoch.

The model exposes ``forward(*inputs) -> outputs``, ``backward(d_outputs)``, ``params`` / ``grads`` /
``zero_grad`` / ``train`` / ``eval`` (any ``elman`` Module built like ``SequenceClassifier``). A task supplies

* ``train_batches(epoch, rng)`` → an iterable of ``(inputs, targets)``, ``inputs`` a tuple passed to forward;
* ``loss_fn(outputs, targets)`` → ``(loss, d_outputs)`` (e.g. ``elman.nn.losses.cross_entropy``);
* ``evaluate(model)`` → a dict of metrics (the model is put in eval mode around the call).

Each epoch: shuffle-and-train, evaluate, write one JSON line to ``out_dir/metrics.jsonl``, save the model to
``out_dir/<checkpoint>`` (``io.save_model``) when ``metric`` improved, stop after ``patience`` epochs without
improvement, and write the whole training state to ``out_dir/<state_name>`` (``checkpoint.safetensors``):
parameters, optimiser state, the best weights so far, every random generator (the batch order's and the
model's own, for dropout), the epoch, the best metric and its epoch, the patience counter, and ``task_state``
(a JSON-able dict the task keeps between epochs, e.g. a learning-rate schedule's memory). The state of epoch 0
is written before training, so a run always has one. At the end the best weights are loaded back into the model.

``resume=True`` continues from that file: the next epoch starts with the same numbers an uninterrupted run
would have, so the final weights are the same to the bit; ``metrics.jsonl`` is cut (atomically) to the
completed epochs, and ``<checkpoint>`` is rewritten from the saved best weights (a kill between the two writes
of an epoch cannot leave them out of step). A finished run resumes to its result at once; one without a state
file starts from epoch 1. Ctrl-C raises :class:`elman.errors.Interrupted`: the state of the last completed
epoch is already on disk. ``max_minutes`` bounds the training time of one call (a resumed run gets it again).

    >>> # summary = fit(model, batches_fn, cross_entropy, evaluate_fn, optimizer=Adam(model.params), epochs=5,
    >>> #               out_dir="runs/x", metric="dev_accuracy")
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from elman.errors import CheckpointError, Interrupted, InvalidInput
from elman.io.checkpoint import model_config, save_checkpoint
from elman.train.log import MetricsLog, Progress, truncate_metrics
from elman.train.state import load_training_state, model_generators, rng_state, save_training_state, set_rng_state
from elman.train.step import train_step

BEST = "best."  # prefix of the best weights among the state file's carried arrays


def _check_positive(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidInput(f"{name} must be a positive number{' or None' if allow_none else ''}, got {value!r}")


def train_epoch(model, batches, loss_fn, optimizer, *, clip=None, progress=None) -> dict:
    """One pass over ``batches``, one ``train_step`` each (forward, loss, backward, clip, step). Returns mean loss
    and the update count.

    Batches with a non-finite loss or gradient norm are skipped (counted in ``skipped``).
    """
    model.train()
    total, count, skipped = 0.0, 0, 0
    for inputs, targets in batches:
        step = train_step(model, optimizer, loss_fn, inputs, targets, clip=clip or None, skip_nonfinite=True)
        if not step.stepped:
            skipped += 1
            continue
        total += step.loss
        count += 1
        if progress is not None:
            progress.update(loss=f"{step.loss:.4f}")
    return {"train_loss": total / count if count else float("nan"), "updates": count, "skipped": skipped}


def _fresh() -> dict:
    """Where a run stands before its first epoch."""
    return {"epoch": 0, "best_value": None, "best_epoch": 0, "best": {}, "stale": 0, "stopped": None, "seconds": 0.0}


def _save_state(path, model, optimizer, best_params, info) -> None:
    carry = {} if best_params is None else {BEST + k: v for k, v in best_params.items()}
    save_training_state(path, model.state_dict(), optimizer.state_dict(), carry, info)


def _restore(path, model, optimizer, rngs: dict, task_state, metric) -> tuple[dict | None, dict]:
    """Load the state file into the model, optimiser, generators and ``task_state``; (best weights, progress)."""
    redo = "start the run again with --force (the old one is kept aside)"
    try:
        params, optim, carry, info = load_training_state(path)
    except CheckpointError as err:
        raise CheckpointError(f"{err}; {redo}") from None
    wanted = (*_fresh(), "metric", "batches_rng", "rngs")
    missing = [key for key in wanted if key not in info] if isinstance(info, dict) else list(wanted)
    if missing:
        raise CheckpointError(f"{path} is not the state of an epoch loop (it lacks {', '.join(missing)}); {redo}")
    if info["metric"] != metric or set(info["rngs"]) != set(rngs) - {"batches"}:
        raise CheckpointError(
            f"{path} was written by another kind of run (metric {info.get('metric')!r}, expected {metric!r}); {redo}"
        )
    try:
        model.load_state_dict(params)
        optimizer.load_state_dict(optim)
    except ValueError as err:
        raise CheckpointError(f"{path} does not fit this run's model or optimiser ({err}); {redo}") from None
    try:
        set_rng_state(rngs["batches"], info["batches_rng"])
        for name, state in info["rngs"].items():
            set_rng_state(rngs[name], state)
    except (TypeError, ValueError, KeyError) as err:  # NumPy's words for a generator state it cannot take
        raise CheckpointError(f"{path} holds a random generator state NumPy refuses ({err!r:.200}); {redo}") from None
    if task_state is not None:
        task_state.clear()
        task_state.update(info.get("task_state") or {})
    best = {k[len(BEST) :]: v for k, v in carry.items() if k.startswith(BEST)}
    return best or None, {k: info[k] for k in _fresh()}


def fit(
    model,
    train_batches,
    loss_fn,
    evaluate,
    *,
    optimizer,
    epochs: int,
    out_dir,
    metric: str,
    higher_is_better: bool = True,
    clip: float | None = 5.0,
    patience: int | None = None,
    seed: int = 0,
    progress: bool = False,
    checkpoint: str = "model.safetensors",
    log_name: str = "metrics.jsonl",
    state_name: str = "checkpoint.safetensors",
    max_minutes: float | None = None,
    resume: bool = False,
    task_state: dict | None = None,
) -> dict:
    """Train for up to ``epochs`` epochs; keep the best model by ``evaluate(model)[metric]``.

    Returns ``{"best_epoch", "best": {metrics of that epoch}, "epochs_run", "seconds", "stopped"}`` with
    ``stopped`` one of "epochs", "patience", "time" and ``seconds`` the training time of every call together.
    ``patience=None`` never stops early. ``resume``: continue from ``out_dir/<state_name>`` (see the module).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise InvalidInput(f"epochs must be an integer >= 1, got {epochs!r}")
    _check_positive("clip", clip, allow_none=True)
    _check_positive("max_minutes", max_minutes, allow_none=True)
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int) or patience < 1):
        raise InvalidInput(f"patience must be None or an integer >= 1, got {patience!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / state_name
    rngs = {"batches": np.random.default_rng(seed), **model_generators(model)}
    best_params, run = None, _fresh()
    resuming = resume and state_path.is_file()
    if resuming:
        best_params, run = _restore(state_path, model, optimizer, rngs, task_state, metric)
        truncate_metrics(out / log_name, run["epoch"], key="epoch")
        if best_params is not None:
            save_checkpoint(out / checkpoint, best_params, config=model_config(model))

    saved = [run["epoch"]]  # the epoch whose state is on disk

    def save_state():
        info = {
            **run,
            "metric": metric,
            "batches_rng": rng_state(rngs["batches"]),
            "task_state": task_state,
            "rngs": {name: rng_state(g) for name, g in rngs.items() if name != "batches"},
        }
        _save_state(state_path, model, optimizer, best_params, info)
        saved[0] = run["epoch"]

    if not resuming:
        save_state()
    log = MetricsLog(out / log_name, append=resuming)
    start = time.perf_counter()
    epoch = run["epoch"]
    try:
        for epoch in range(run["epoch"] + 1, epochs + 1):
            if run["stopped"]:
                break
            bar = Progress(None, enabled=progress)
            t0 = time.perf_counter()
            record = {
                "epoch": epoch,
                **train_epoch(
                    model, train_batches(epoch, rngs["batches"]), loss_fn, optimizer, clip=clip, progress=bar
                ),
            }
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
            best_value = run["best_value"]
            improved = best_value is None or (value > best_value if higher_is_better else value < best_value)
            if improved:
                best_params = model.state_dict()
                run.update(best_value=value, best_epoch=epoch, best=dict(record), stale=0)
                save_checkpoint(out / checkpoint, best_params, config=model_config(model))
            else:
                run["stale"] += 1
            record["best"] = improved
            log.write(record)
            if patience is not None and run["stale"] >= patience:
                run["stopped"] = "patience"
            elif max_minutes is not None and time.perf_counter() - start > 60 * max_minutes:
                run["stopped"] = "time"
            elif epoch == epochs:
                run["stopped"] = "epochs"
            run.update(epoch=epoch, seconds=run["seconds"] + time.perf_counter() - t0)
            save_state()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted in epoch {epoch} of {epochs}: {state_path} holds the {saved[0]} "
            f"completed epoch(s) to continue from"
        ) from None
    finally:
        log.close()
    if best_params is not None:
        model.load_state_dict(best_params)
    return {
        "best_epoch": run["best_epoch"],
        "best": run["best"],
        "epochs_run": run["epoch"],
        "stopped": run["stopped"] or "epochs",
        "seconds": round(run["seconds"], 1),
    }
