"""Claims 5-7: long-range dependencies, truncated BPTT and gradient clipping, measured on small many-to-one models.

The model is ``(Embedding or raw inputs) -> RNN -> state at the last valid step -> Linear``, trained with the
library's own pieces (``cross_entropy`` / ``mse``, ``Adam`` or ``SGD``, ``clip_grad_norm_``). Every verdict is a
check on the measured numbers, so it can come out "not reproduced".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from elman.analysis.claims.base import ClaimResult, experiment, new_figure, save_figure
from elman.analysis.gradient_flow import hidden_grad_norms
from elman.data.synthetic import adding_problem, agreement_vocab, delayed_recall, encode_agreement, number_agreement
from elman.nn.init import with_spectral_radius
from elman.nn.layers import Embedding, Linear
from elman.nn.losses import cross_entropy, mse
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.optim import SGD, Adam, clip_grad_norm_

ADDING_BASELINE = 1.0 / 6.0  # MSE of always predicting the mean 1.0


# --- a small many-to-one model and its training loop ------------------------------------------------------------
class ManyToOne(Module):
    """(ids -> Embedding | raw inputs) -> RNN -> h at each sequence's last valid step -> Linear.

    ``window``: truncated BPTT with loss at the last step. The sequence is cut into chunks of ``window`` steps
    aligned to its end; the earlier chunks run forward only and their final state enters the last chunk as a
    constant, so the gradient reaches back at most ``window`` steps from the loss.
    """

    def __init__(self, n_in: int, hidden: int, n_out: int, *, rng, vocab_size: int | None = None,
                 nonlinearity: str = "tanh"):
        super().__init__()
        self.embed = None
        if vocab_size is not None:
            self.embed = self.add_module("embed", Embedding(vocab_size, n_in, padding_idx=0, rng=rng))
        self.rnn = self.add_module("rnn", RNN(n_in, hidden, nonlinearity=nonlinearity, rng=rng))
        self.head = self.add_module("head", Linear(hidden, n_out, rng=rng))

    def forward(self, x, lengths=None, window: int | None = None):
        e = x if self.embed is None else self.embed(x)
        h = None
        if window is not None and window < e.shape[0]:
            cut = e.shape[0] - window
            _, h_prefix = self.rnn(np.ascontiguousarray(e[:cut]))  # no backward through this part
            h, e = h_prefix.copy(), np.ascontiguousarray(e[cut:])
            self._cut = True
        else:
            self._cut = False
        _, h_n = self.rnn(e, h, lengths=lengths)
        return self.head(h_n[-1])

    def backward(self, d_out):
        dh = self.head.backward(d_out)
        dx, _ = self.rnn.backward(None, dh[None])
        if self.embed is not None and not self._cut:
            self.embed.backward(dx)


def _loss(kind: str, out, y):
    if kind == "ce":
        return cross_entropy(out, y)
    loss, d = mse(out[:, 0], y)
    return loss, d[:, None]


def _train(model, batch, kind: str, steps: int, lr: float, *, window: int | None = None) -> list[float]:
    """Adam on fresh batches from ``batch()`` -> (x, y, lengths); returns the training losses."""
    opt = Adam(model.params, lr=lr)
    losses = []
    for _ in range(steps):
        x, y, lengths = batch()
        model.zero_grad()
        loss, d = _loss(kind, model(x, lengths, window), y)
        model.backward(d)
        clip_grad_norm_(model.grads, 5.0)
        opt.step(model.grads)
        losses.append(float(loss))
    return losses


def _evaluate(model, x, y, lengths, kind: str) -> float:
    """Accuracy (classification) or MSE (regression) on a held-out batch."""
    out = model(x, lengths)
    if kind == "ce":
        return float(np.mean(out.argmax(-1) == y))
    return float(_loss(kind, out, y)[0])


# --- claim 5 ---------------------------------------------------------------------------------------------------
def _agreement_batch(rng, distance: int, batch: int, vocab):
    tokens, y = number_agreement(rng, distance, batch, attractors=False)
    ids, lengths = encode_agreement(tokens, vocab)
    return ids, y, lengths


def _agreement_accuracy(d: int, seed: int, steps: int, hidden: int) -> float:
    vocab = agreement_vocab()
    rng = np.random.default_rng([seed, 5, d])
    model = ManyToOne(16, hidden, 2, rng=rng, vocab_size=len(vocab))
    _train(model, lambda: _agreement_batch(rng, d, 64, vocab), "ce", steps, 3e-3)
    test = np.random.default_rng([seed, 50, d])
    return _evaluate(model, *_agreement_batch(test, d, 1000, vocab), "ce")


def _adding_mse(T: int, seed: int, steps: int, hidden: int) -> float:
    rng = np.random.default_rng([seed, 6, T])

    def batch():
        x, y = adding_problem(rng, T, 64)
        return x, y, None

    model = ManyToOne(2, hidden, 1, rng=rng)
    _train(model, batch, "mse", steps, 1e-2)
    x, y = adding_problem(np.random.default_rng([seed, 60, T]), T, 1000)
    return _evaluate(model, x, y, None, "mse")


@experiment("long_range", 5)
def long_range(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    distances = [1, 4, 12] if quick else [1, 2, 4, 8, 12, 16, 24]
    lengths = [10, 80] if quick else [5, 10, 20, 40, 80, 120]
    steps, hidden = (150, 24) if quick else (600, 32)
    add_steps = 600 if quick else 1500
    acc = [_agreement_accuracy(d, seed, steps, hidden) for d in distances]
    add = [_adding_mse(T, seed, add_steps, hidden) for T in lengths]
    agree_falls = acc[0] >= 0.9 and acc[-1] <= acc[0] - 0.15 and acc[-1] <= 0.8
    adding_gap = add[0] < 0.05 and add[-1] > 0.6 * ADDING_BASELINE
    verdict = "reproduced" if agree_falls and adding_gap else "nuanced" if agree_falls or adding_gap \
        else "not reproduced"
    fig, (ax1, ax2) = new_figure(2, width=5.0)
    ax1.plot(distances, acc, "o-")
    ax1.axhline(0.5, color="grey", ls="--", label="chance")
    ax1.set(xlabel="subject-verb distance d", ylabel="held-out accuracy", title="number agreement (tanh RNN)")
    ax1.legend()
    ax2.plot(lengths, add, "o-")
    ax2.axhline(ADDING_BASELINE, color="grey", ls="--", label="predict the mean (1/6)")
    ax2.axhline(0.05, color="green", ls=":", label="solved (0.05)")
    ax2.set(xlabel="sequence length T", ylabel="held-out MSE", title="adding problem (tanh RNN)")
    ax2.legend()
    figure = save_figure(fig, out, "long_range")
    which = "both trends hold" if agree_falls and adding_gap else \
        "only the agreement trend holds" if agree_falls else \
        "only the adding-problem gap holds" if adding_gap else "neither trend holds"
    measured = (f"number agreement (no-attractor control, {steps} Adam steps): accuracy "
                + ", ".join(f"d={d}: {a:.2f}" for d, a in zip(distances, acc))
                + f"; adding problem ({add_steps} steps) held-out MSE "
                + ", ".join(f"T={T}: {m:.3f}" for T, m in zip(lengths, add))
                + f" (baseline {ADDING_BASELINE:.3f}); {which}")
    return ClaimResult(
        5, "A vanilla tanh RNN with the default initialisation learns short dependencies but not long ones: "
           "agreement accuracy drops with distance and the adding problem is solved only for short sequences.",
        measured, verdict,
        data=dict(distances=distances, agreement_accuracy=acc, adding_T=lengths, adding_mse=add,
                  adding_baseline=ADDING_BASELINE, agreement_falls=agree_falls, adding_gap=adding_gap,
                  steps=steps, adding_steps=add_steps, hidden=hidden),
        figure=figure)


# --- claim 6 ---------------------------------------------------------------------------------------------------
N_SYMBOLS, N_NOISE = 8, 16


def _recall_batch(rng, lag: int, batch: int, noise: bool):
    """Delayed recall plus ``N_NOISE`` extra input channels of N(0, 1) distractor noise at every step (or zeros)."""
    x, y = delayed_recall(rng, lag, batch, n_symbols=N_SYMBOLS)
    extra = rng.standard_normal((x.shape[0], batch, N_NOISE)) if noise else np.zeros((x.shape[0], batch, N_NOISE))
    return np.concatenate([x, extra.astype(np.float32)], axis=-1), y, None


def _recall_accuracy(lag: int, window: int | None, seed: int, steps: int, hidden: int,
                     noise: bool = True) -> tuple[float, list[float]]:
    rng = np.random.default_rng([seed, 7, lag])  # the same init and data for truncated and full BPTT
    model = ManyToOne(N_SYMBOLS + 1 + N_NOISE, hidden, N_SYMBOLS, rng=rng)
    losses = _train(model, lambda: _recall_batch(rng, lag, 64, noise), "ce", steps, 1e-2, window=window)
    test = _recall_batch(np.random.default_rng([seed, 70, lag]), lag, 1000, noise)
    return _evaluate(model, *test, "ce"), losses


@experiment("truncation", 6)
def truncation(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    K = 3
    lags = [1, 2, 6] if quick else [1, 2, 3, 4, 6, 8, 12]
    steps, hidden = (300, 32) if quick else (1000, 32)
    chance = 1.0 / N_SYMBOLS
    tbptt, full, curves = [], [], {}
    for lag in lags:
        a, curve = _recall_accuracy(lag, K, seed, steps, hidden)
        tbptt.append(a)
        curves[f"tbptt_lag{lag}"] = curve[:: max(1, steps // 50)]
        a, curve = _recall_accuracy(lag, None, seed, steps, hidden)
        full.append(a)
        curves[f"full_lag{lag}"] = curve[:: max(1, steps // 50)]
    # A lag of l needs l + 1 steps of gradient path (symbol at step 0, cue at step l): it fits when l < K.
    inside = [a for lag, a in zip(lags, tbptt) if lag < K]
    # lag == K is the boundary: the symbol's own step is cut, but the state right after it is what enters the
    # window, so it is reported and not checked; the claim concerns lags beyond K.
    outside = [(lag, a, f) for lag, a, f in zip(lags, tbptt, full) if lag > K]
    near_chance = chance + 0.15
    learns_inside = min(inside) >= 0.8
    fails_outside = all(a <= near_chance for _, a, _ in outside)
    longest_full = max(outside, key=lambda o: o[2])  # an outside lag that full BPTT learns
    full_learns = longest_full[2] >= 0.8
    checks = dict(truncated_learns_short_lags=learns_inside, truncated_near_chance_beyond_window=fails_outside,
                  full_bptt_learns_a_lag_beyond_window=full_learns)
    # Above near-chance but far below full BPTT: partly learnt by reading the carried state, a nuance.
    partial = all(a <= f - 0.3 for _, a, f in outside)
    verdict = "reproduced" if all(checks.values()) else \
        "nuanced" if learns_inside and full_learns and partial else "not reproduced"
    # The caveat: without distractors the untrained dynamics carry the symbol across the cut untouched, and the
    # last window can learn to read it from the carried state; measured at the longest lag, reported, not checked.
    clean_lag = lags[-1]
    clean_tbptt = _recall_accuracy(clean_lag, K, seed, steps, hidden, noise=False)[0]
    fig, (ax,) = new_figure(1)
    ax.plot(lags, tbptt, "o-", label=f"truncated BPTT, K={K}")
    ax.plot(lags, full, "s--", label="full BPTT")
    ax.axhline(chance, color="grey", ls=":", label="chance")
    ax.axvline(K - 0.5, color="red", ls=":", label="lag = K (gradient window)")
    ax.set(xlabel="lag", ylabel="held-out recall accuracy", title="delayed recall: truncated vs full BPTT")
    ax.legend()
    figure = save_figure(fig, out, "truncation")
    failed = [k for k, v in checks.items() if not v]
    measured = (f"delayed recall, {N_SYMBOLS} symbols (chance {chance:.3f}), {steps} Adam steps, gradient window "
                f"K={K}: truncated " + ", ".join(f"lag {lag}: {a:.2f}" for lag, a in zip(lags, tbptt))
                + "; full BPTT " + ", ".join(f"lag {lag}: {a:.2f}" for lag, a in zip(lags, full))
                + (f"; checks failed: {failed}" if failed else "")
                + f". Caveat: without the distractor noise truncated BPTT reaches {clean_tbptt:.2f} at lag "
                  f"{clean_lag}: the carried state still holds the symbol and the last window learns to read it")
    return ClaimResult(
        6, "Truncated BPTT that cuts the gradient every K steps cannot learn a dependency longer than its window, "
           "though full BPTT learns the same lag (delayed recall with N(0, 1) distractor channels).",
        measured, verdict,
        data=dict(K=K, lags=lags, tbptt_accuracy=tbptt, full_accuracy=full, chance=chance, steps=steps,
                  checks=checks, loss_curves=curves, n_noise_channels=N_NOISE, clean_lag=clean_lag,
                  clean_tbptt_accuracy=clean_tbptt),
        figure=figure)


# --- claim 7 ---------------------------------------------------------------------------------------------------
def _sgd_run(rho: float, nonlinearity: str, clip: float | None, seed: int, steps: int, T: int, hidden: int,
             lr: float) -> dict:
    """SGD on the adding problem with W_hh rescaled to spectral radius ``rho``; stops at the first non-finite or
    exploded (> 1e6 x the first) loss or gradient norm."""
    rng = np.random.default_rng([seed, 8])
    model = ManyToOne(2, hidden, 1, rng=rng, nonlinearity=nonlinearity)
    W = model.rnn.params["weight_hh_l0"]
    W[...] = with_spectral_radius(W, rho)
    data = np.random.default_rng([seed, 80])
    probe, _ = adding_problem(np.random.default_rng([seed, 81]), T, 16)
    opt = SGD(model.params, lr=lr)
    losses, before, after, events, diverged_at = [], [], [], 0, None
    early_norms = []
    with np.errstate(all="ignore"):
        for step in range(steps):
            if step in (0, steps // 2):
                norms = hidden_grad_norms(model.rnn, probe)[0, 0]
                early_norms.append([float(v) for v in norms])
            x, y = adding_problem(data, T, 32)
            model.zero_grad()
            loss, d = _loss("mse", model(x), y)
            model.backward(d)
            norm = clip_grad_norm_(model.grads, clip) if clip is not None else \
                float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in model.grads.values())))
            clipped = clip is not None and norm > clip
            events += int(clipped)
            losses.append(float(loss))
            before.append(norm)
            after.append(min(norm, clip) if clip is not None and np.isfinite(norm) else norm)
            bad = not (np.isfinite(loss) and np.isfinite(norm)) or loss > 1e6 * max(losses[0], 1e-12) \
                or norm > 1e6 * max(before[0], 1e-12)
            if bad:
                diverged_at = step
                break
            opt.step(model.grads)
    finite = [v for v in losses if np.isfinite(v)]
    return dict(losses=losses, grad_norm_before=before, grad_norm_after=after, clip_events=events,
                diverged_at=diverged_at, max_loss=max(finite) if finite else float("nan"),
                final_loss=losses[-1], hidden_grad_norms=early_norms)


def _jsonable(values):
    return [v if np.isfinite(v) else str(v) for v in values]


@experiment("clipping", 7)
def clipping(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    T, hidden, clip = (20, 32, 10.0) if quick else (40, 32, 10.0)
    steps = 60 if quick else 300
    big_rho, small_rho, lr = 1.8, 0.5, 0.05
    exp_free = _sgd_run(big_rho, "relu", None, seed, steps, T, hidden, lr)
    exp_clip = _sgd_run(big_rho, "relu", clip, seed, steps, T, hidden, lr)
    van_free = _sgd_run(small_rho, "tanh", None, seed, steps, T, hidden, lr)
    van_clip = _sgd_run(small_rho, "tanh", clip, seed, steps, T, hidden, lr)
    explodes = exp_free["diverged_at"] is not None
    clip_cures = exp_clip["diverged_at"] is None and exp_clip["clip_events"] > 0
    van_a, van_b = np.array(van_free["hidden_grad_norms"]), np.array(van_clip["hidden_grad_norms"])
    ratio = float(van_a[0, 0] / van_a[0, -1])  # ||dL/dh_0|| / ||dL/dh_{T-1}|| at the start
    ratio_end = float(van_b[-1, 0] / van_b[-1, -1])
    same = van_clip["clip_events"] == 0 and van_a.shape == van_b.shape and bool(np.array_equal(van_a, van_b))
    vanishes = ratio < 1e-3 and ratio_end < 1e-3
    checks = dict(unclipped_explodes=explodes, clipping_keeps_finite=clip_cures,
                  small_rho_vanishes=vanishes, clipping_changes_nothing_when_vanishing=same)
    verdict = "reproduced" if all(checks.values()) else "nuanced" if any(checks.values()) else "not reproduced"

    fig, (ax1, ax2) = new_figure(2, width=5.0)
    for run, label in ((exp_free, "no clipping"), (exp_clip, f"clip at {clip}")):
        ax1.semilogy(np.arange(len(run["grad_norm_before"])), np.nan_to_num(run["grad_norm_before"], nan=1e38,
                                                                             posinf=1e38), label=label)
    ax1.axhline(clip, color="grey", ls=":")
    ax1.set(xlabel="SGD step", ylabel="gradient norm (before clipping)",
            title=f"ReLU RNN, rho(W_hh)={big_rho}, T={T}")
    ax1.legend()
    t = np.arange(T)
    ax2.semilogy(t, van_a[0], "o-", label="no clipping")
    ax2.semilogy(t, van_b[0], "x--", label=f"clip at {clip}")
    ax2.set(xlabel="step t", ylabel="||dL/dh_t||", title=f"tanh RNN, rho(W_hh)={small_rho}: vanishing")
    ax2.legend()
    figure = save_figure(fig, out, "clipping")
    div = exp_free["diverged_at"]
    measured = (f"rho={big_rho} ReLU, SGD lr={lr}, T={T}: without clipping "
                + (f"diverged at step {div} (loss {exp_free['losses'][-1]:.3g}, gradient norm "
                   f"{exp_free['grad_norm_before'][-1]:.3g}; first {exp_free['grad_norm_before'][0]:.3g})"
                   if div is not None else f"stayed finite (max loss {exp_free['max_loss']:.3g})")
                + f"; with clip_grad_norm_({clip}) {exp_clip['clip_events']}/{len(exp_clip['losses'])} steps "
                  f"clipped, norms before up to {max(exp_clip['grad_norm_before']):.3g}, after <= {clip}, "
                  f"final loss {exp_clip['final_loss']:.3g}"
                + ("" if exp_clip["diverged_at"] is None else f" but diverged at step {exp_clip['diverged_at']}")
                + f". rho={small_rho} tanh: ||dL/dh_0||/||dL/dh_T-1|| = {ratio:.2e} at the start, {ratio_end:.2e} "
                  f"after {steps // 2} steps; clip events {van_clip['clip_events']}, max gradient norm "
                  f"{max(van_clip['grad_norm_before']):.3g}; norms with and without clipping identical: {same}")
    return ClaimResult(
        7, "Gradient-norm clipping tames exploding gradients (rho > 1) but does nothing for vanishing ones "
           "(rho < 1), where the gradient is far below any clipping threshold.",
        measured, verdict,
        data=dict(T=T, clip=clip, lr=lr, big_rho=big_rho, small_rho=small_rho, steps=steps, checks=checks,
                  explode_no_clip=dict(diverged_at=div, losses=_jsonable(exp_free["losses"]),
                                       grad_norm=_jsonable(exp_free["grad_norm_before"])),
                  explode_clip=dict(diverged_at=exp_clip["diverged_at"], clip_events=exp_clip["clip_events"],
                                    losses=_jsonable(exp_clip["losses"]),
                                    grad_norm_before=_jsonable(exp_clip["grad_norm_before"]),
                                    grad_norm_after=_jsonable(exp_clip["grad_norm_after"])),
                  vanish_no_clip=dict(hidden_grad_norms=van_free["hidden_grad_norms"],
                                      grad_norm=van_free["grad_norm_before"]),
                  vanish_clip=dict(hidden_grad_norms=van_clip["hidden_grad_norms"],
                                   clip_events=van_clip["clip_events"], grad_norm=van_clip["grad_norm_before"]),
                  early_to_late_ratio=[ratio, ratio_end]),
        figure=figure)
