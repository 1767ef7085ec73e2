"""Sequence regression on a real series: an RNN predicts the next value from the T before it, beside persistence.

``train_series(out_dir, data="sunspots"|"stocks")`` cuts the series in time order (train, dev, test targets), scales
it by the training part's mean and standard deviation, and trains ``SeriesRegressor`` (mse) with ``fit``, keeping
the lowest dev MSE. Scores are in the series' own units on the held-out targets:

* sunspots (yearly levels): the RNN against persistence (next year = this year) and the training mean;
* stocks (daily log returns of Adj Close): the RNN against persistence of the return (r̂_t = r_{t−1}) and the zero
  return; then as prices, p̂_{t+1} = p_t·exp(r̂_t) against persistence of the price (p̂_{t+1} = p_t, the zero return),
  the random walk that daily prices are notoriously hard to beat.

The run folder holds config.json (``"task": "series"``, the scaling and the split), model.safetensors,
checkpoint.safetensors (the training state of the last completed epoch), metrics.jsonl and summary.json; there is
no vocabulary. ``--resume`` continues the epochs from checkpoint.safetensors, then scores the best model.
``evaluate_series(run_dir, split)`` re-reads a finished run.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import batches as index_batches
from elman.data.series import DATASETS, TICKERS, chronological_split, load_series, make_windows
from elman.errors import InvalidInput
from elman.io.checkpoint import load_model
from elman.models.regressor import SeriesRegressor
from elman.nn.losses import mse
from elman.optim import Adam
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import open_run, train_run, write_json
from elman.train.supervised import fit

QUICK = dict(epochs=2, hidden=8)
RUN_FILES = ("config.json", "model.safetensors")


def _errors(pred, target) -> dict:
    d = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return {"mse": float(np.mean(d * d)), "mae": float(np.mean(np.abs(d)))}


class Prepared:
    """A series with its split, scaling and windows: ``windows(split)`` → (x (T, N, 1) scaled float32, positions)."""

    def __init__(self, series, window, dev=0.15, test=0.15):
        self.series, self.window = series, int(window)
        self.bounds = chronological_split(len(series.values), self.window, dev=dev, test=test)
        train = series.values[: self.bounds["train"][1]]
        self.mean, self.std = float(train.mean()), float(train.std()) or 1.0

    def scale(self, v):
        return (np.asarray(v, dtype=np.float64) - self.mean) / self.std

    def windows(self, split):
        start, stop = self.bounds[split]
        x, _ = make_windows(self.scale(self.series.values), self.window, start, stop)
        return np.ascontiguousarray(x.T[:, :, None], dtype=np.float32), np.arange(max(start, self.window), stop)

    def scores(self, model, split) -> dict:
        """Errors of the RNN and the baselines on ``split``'s targets, in the series' units (and prices for stocks)."""
        x, pos = self.windows(split)
        v = self.series.values
        pred = model.predict(x)[:, 0].astype(np.float64) * self.std + self.mean
        out = {
            "targets": len(pos),
            "first": self.series.index[pos[0]],
            "last": self.series.index[pos[-1]],
            "rnn": _errors(pred, v[pos]),
            "persistence": _errors(v[pos - 1], v[pos]),
        }
        if self.series.kind == "level":
            out["train_mean"] = _errors(np.full(len(pos), self.mean), v[pos])
            return out
        out["zero_return"] = _errors(np.zeros(len(pos)), v[pos])
        base = self.series.base[pos]
        price = base * np.exp(v[pos])
        out["price"] = {"rnn": _errors(base * np.exp(pred), price), "persistence": _errors(base, price)}
        out["direction_accuracy"] = float(np.mean(np.sign(pred) == np.sign(v[pos])))
        return out


def _dev_mse(model, prep, x, pos):
    pred = model.predict(x)[:, 0].astype(np.float64)
    return float(np.mean((pred - prep.scale(prep.series.values[pos])) ** 2))


def train_series(
    out_dir,
    *,
    data="sunspots",
    ticker="AAPL",
    window=20,
    hidden=32,
    layers=1,
    epochs=100,
    batch=32,
    lr=3e-3,
    dropout=0.0,
    clip=5.0,
    patience=15,
    seed=0,
    max_minutes=None,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (RNN and baselines on dev and test).

    ``out_dir`` must be absent or empty unless ``force`` (the old run is moved aside) or ``resume`` (continue the
    run there with its own options; see ``elman.tasks.runs``).
    """
    return train_run("series", train_series, _train, locals(), lambda o: check_options(o, kinds_of(OPTIONS)))


# the command line's options, in the order --help lists them; their defaults are train_series's
OPTIONS = signature_options(
    train_series,
    {
        "data": Option("yearly sunspot numbers, or a stock's daily log returns", choices=DATASETS),
        "ticker": Option("the stock, with --data stocks", choices=TICKERS),
        "window": Option("T: the values the RNN reads before predicting the next", kind="count"),
        "hidden": Option("hidden units of the RNN", kind="count"),
        "layers": Option("stacked RNN layers", kind="count"),
        "epochs": Option("passes over the training windows", kind="count"),
        "batch": Option("windows per update", kind="count"),
        "lr": Option("Adam's learning rate", kind="positive"),
        "dropout": Option("dropout probability before the output layer (and between layers)", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "patience": Option("stop after this many epochs without a lower dev MSE", kind="count?"),
        "max_minutes": Option("stop after the epoch that passes this many minutes", type=float, kind="positive?"),
        "seed": Option("seed of the initial weights and the batch order", kind="natural"),
    },
)


def _train(
    out,
    options,
    *,
    data,
    ticker,
    window,
    hidden,
    layers,
    epochs,
    batch,
    lr,
    dropout,
    clip,
    patience,
    seed,
    max_minutes,
    resume,
    progress,
    verbose,
) -> dict:
    series = load_series(data, ticker=ticker)
    try:
        prep = Prepared(series, window)
    except ValueError as err:  # the series is too short for the window
        raise InvalidInput(f"--window {window} does not fit the {series.name} series: {err}") from None
    rng = np.random.default_rng(seed)
    model = SeriesRegressor(1, hidden, layers, 1, dropout, rng=rng)
    config = {
        "task": "series",
        "model": model.config(),
        "data": {
            "data": data,
            "ticker": ticker if data == "stocks" else None,
            "kind": series.kind,
            "window": window,
            "mean": prep.mean,
            "std": prep.std,
            "bounds": prep.bounds,
        },
        "train": dict(
            epochs=epochs, batch=batch, lr=lr, clip=clip, patience=patience, seed=seed, max_minutes=max_minutes
        ),
        "options": options,
    }
    write_json(out / "config.json", config)
    x, pos = prep.windows("train")
    y = prep.scale(series.values[pos]).astype(np.float32)[:, None]
    dev_x, dev_pos = prep.windows("dev")

    def train_batches(epoch, brng):
        for idx in index_batches(len(pos), batch, brng):
            yield (x[:, idx],), y[idx]

    summary = fit(
        model,
        train_batches,
        mse,
        lambda m: {"dev_mse": _dev_mse(m, prep, dev_x, dev_pos)},
        optimizer=Adam(model.params, lr=lr),
        epochs=epochs,
        out_dir=out,
        metric="dev_mse",
        higher_is_better=False,
        clip=clip,
        patience=patience,
        seed=seed,
        progress=progress,
        max_minutes=max_minutes,
        resume=resume,
    )
    result = {
        "task": "series",
        "data": series.name,
        "kind": series.kind,
        "window": window,
        "windows": {s: int(b[1] - max(b[0], window)) for s, b in prep.bounds.items()},
        "dev": prep.scores(model, "dev"),
        "test": prep.scores(model, "test"),
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "seconds": summary["seconds"],
    }
    if verbose:
        print(f"series: best epoch {summary['best_epoch']} {summary['best']}", file=sys.stderr)
    write_json(out / "summary.json", result)
    return result


def load_series_run(run_dir):
    """(model, config) of a finished series run; a clear error when files are missing or the task differs."""
    run, config = open_run(run_dir, "series", RUN_FILES)
    return load_model(run / "model.safetensors", SeriesRegressor(**config["model"])), config


def evaluate_series(run_dir, split="test") -> dict:
    """The RNN's and the baselines' errors on ``split`` of the run's series (same window, scaling and split)."""
    model, config = load_series_run(run_dir)
    d = config["data"]
    prep = Prepared(load_series(d["data"], ticker=d["ticker"] or "AAPL"), d["window"])
    prep.mean, prep.std = d["mean"], d["std"]
    return {"task": "series", "data": d["data"], "ticker": d["ticker"], "split": split, **prep.scores(model, split)}


def add_series_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/series")


def run_series(args) -> int:
    apply_quick(args, QUICK)
    result = train_with(train_series, OPTIONS, args)
    print(json.dumps(result))
    return 0
