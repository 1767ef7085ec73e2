"""Stacking 1, 2 and 3 RNN layers on one task: the held-out metric, the training time, and the gradient that
reaches the first layer against the one at the last layer.

The gradient figure is the engine's own: every training update runs the model's backward with
``return_dh_norms=True``, which hands back ‖∂L/∂h_t‖ (2-norm over batch and units) per layer and step from BPTT.
Each update's norms are averaged over the steps t, then over all updates of the run; the table shows that mean at
layer 1 (the first, reading the input) and at layer L (the last, under the read-out), their ratio, and the same
ratio at the first update alone (the untrained network, mean over seeds).

Tasks (both take seconds per run on one core):

* ``series``: yearly sunspots, windows of 20 years, the next year's value (``elman train series`` defaults);
  metric: test MSE in sunspot units² (persistence: 859.1), lower is better.
* ``caption``: 8×8 digits spelled as their names (``elman train caption`` defaults); metric: greedy exact match
  on the test images, higher is better.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 ELMAN_DATA_DIR=../shared/data python benchmarks/stacking.py \
        --task series --seeds 0 1 2 --out /tmp/stacking
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from elman.data.batching import batches as index_batches
from elman.data.digits import PIXELS, build_name_vocab
from elman.data.series import load_series
from elman.models.captioner import Captioner
from elman.models.regressor import SeriesRegressor
from elman.nn.losses import cross_entropy, mse
from elman.optim import Adam
from elman.tasks.caption import _data as caption_data
from elman.tasks.caption import batch_of, caption_nll, caption_scores
from elman.tasks.series import Prepared
from elman.train.supervised import fit


def recording(cls):
    """A subclass of model ``cls`` whose backward also keeps each update's per-layer mean ‖∂L/∂h_t‖ over t."""

    class Recording(cls):
        def backward(self, d, *, return_dh_norms=False):
            norms = super().backward(d, return_dh_norms=True)  # (L, 1, T), from the engine's BPTT
            self.__dict__.setdefault("norms", []).append(norms[:, 0].astype(np.float64).mean(axis=1))
            return norms if return_dh_norms else None

    Recording.__name__ = f"Recording{cls.__name__}"
    return Recording


def run_series(layers, seed, out, hidden=32, window=20, epochs=100, batch=32, lr=3e-3, patience=15):
    prep = Prepared(load_series("sunspots"), window)
    x, pos = prep.windows("train")
    y = prep.scale(prep.series.values[pos]).astype(np.float32)[:, None]
    dev_x, dev_pos = prep.windows("dev")
    dev_y = prep.scale(prep.series.values[dev_pos])[:, None]
    model = recording(SeriesRegressor)(1, hidden, layers, 1, 0.0, rng=np.random.default_rng(seed))

    def train_batches(epoch, rng):
        for idx in index_batches(len(pos), batch, rng):
            yield (x[:, idx],), y[idx]

    summary = fit(
        model,
        train_batches,
        mse,
        lambda m: {"dev_mse": float(np.mean((m.predict(dev_x) - dev_y) ** 2))},
        optimizer=Adam(model.params, lr=lr),
        epochs=epochs,
        out_dir=out,
        metric="dev_mse",
        higher_is_better=False,
        clip=5.0,
        patience=patience,
        seed=seed,
    )
    return prep.scores(model, "test")["rnn"]["mse"], summary, np.array(model.norms)


def run_caption(layers, seed, out, hidden=64, embed=16, epochs=40, batch=32, lr=3e-3, patience=8):
    data, vocab = caption_data(seed, None), build_name_vocab()
    images, labels = data["train"]
    model = recording(Captioner)(
        len(vocab),
        PIXELS,
        embed,
        hidden,
        layers,
        0.1,
        vocab.pad_id,
        vocab.bos_id,
        vocab.eos_id,
        rng=np.random.default_rng(seed),
    )

    def train_batches(epoch, rng):
        for idx in index_batches(len(labels), batch, rng):
            yield batch_of(images, labels, idx, vocab)

    summary = fit(
        model,
        train_batches,
        lambda z, t: cross_entropy(z, t),
        lambda m: {"dev_nll": caption_nll(m, *data["dev"], vocab)},
        optimizer=Adam(model.params, lr=lr),
        epochs=epochs,
        out_dir=out,
        metric="dev_nll",
        higher_is_better=False,
        clip=5.0,
        patience=patience,
        seed=seed,
    )
    return caption_scores(model, *data["test"], vocab)["exact_match"], summary, np.array(model.norms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("series", "caption"), default="series")
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=None, help="where the runs go (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="also print every run as a JSON line")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="stacking-"))
    run = run_series if args.task == "series" else run_caption
    metric = "test MSE" if args.task == "series" else "test exact"
    rows = []
    for layers in args.layers:
        for seed in args.seeds:
            t0 = time.perf_counter()
            value, summary, norms = run(layers, seed, out / f"{args.task}-l{layers}-s{seed}")
            seconds = time.perf_counter() - t0
            row = {
                "layers": layers,
                "seed": seed,
                "metric": float(value),
                "seconds": seconds,
                "epochs": summary["epochs_run"],
                "best_epoch": summary["best_epoch"],
                "grad_first": float(norms[:, 0].mean()),
                "grad_last": float(norms[:, -1].mean()),
                "grad_first_at_start": float(norms[0, 0]),
                "grad_last_at_start": float(norms[0, -1]),
            }
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    print(f"task: {args.task}, seeds {args.seeds}: mean ± sd over seeds; ‖∂L/∂h_t‖ averaged over steps and updates")
    print(
        f"{'layers':>6}  {metric:>17}  {'train s':>13}  {'epochs':>6}  {'ms/epoch':>8}  "
        f"{'grad layer 1':>12}  {'grad layer L':>12}  {'1/L':>6}  {'1/L at update 1':>15}"
    )
    for layers in args.layers:
        r = [x for x in rows if x["layers"] == layers]

        def ms(key, r=r):
            v = np.array([x[key] for x in r])
            return v.mean(), v.std()

        (m, sd), (s, ssd), (e, _) = ms("metric"), ms("seconds"), ms("epochs")
        g1, gl = ms("grad_first")[0], ms("grad_last")[0]
        start = np.mean([x["grad_first_at_start"] / x["grad_last_at_start"] for x in r])
        per_epoch = 1000 * np.mean([x["seconds"] / x["epochs"] for x in r])
        print(
            f"{layers:>6}  {m:>9.4g} ± {sd:<5.3g}  {s:>6.2f} ± {ssd:<4.2f}  {e:>6.1f}  {per_epoch:>8.1f}  "
            f"{g1:>12.4g}  {gl:>12.4g}  {g1 / gl:>6.3f}  {start:>15.3f}"
        )


if __name__ == "__main__":
    main()
