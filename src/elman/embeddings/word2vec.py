"""word2vec in NumPy: skip-gram (or CBOW) with negative sampling (Mikolov et al. 2013; the word2vec C tool).

Skip-gram with negative sampling (SGNS): for a centre word c, a context word o within the window, and k
noise words w_1..w_k drawn from P_n(w) ∝ count(w)^0.75, with input vectors v (W_in) and output vectors u
(W_out), the loss of one pair is

    ℓ = −log σ(u_o·v_c) − Σ_k log σ(−u_k·v_c),
    ∂ℓ/∂v_c = (σ(u_o·v_c) − 1) u_o + Σ_k σ(u_k·v_c) u_k,
    ∂ℓ/∂u_o = (σ(u_o·v_c) − 1) v_c,    ∂ℓ/∂u_k = σ(u_k·v_c) v_c.

CBOW predicts the centre from h = (1/|C|) Σ_{j∈C} v_j with the same loss, u·h replacing u·v_c;
∂ℓ/∂v_j = ∂ℓ/∂h / |C|. (word2vec.c adds the whole ∂ℓ/∂h to every v_j, and so does training here: its
default α = 0.05 is tuned for that update. ``cbow_loss_and_grads`` returns the exact gradient.)

As in word2vec.c: a vocabulary of the words seen ``min_count`` times (sorted by decreasing count); each
epoch a word of relative frequency f is kept with probability min(1, (√(f/t) + 1)·t/f), t = ``sample``
(removed words leave the sentence, so windows reach further); for every centre an effective window b is
drawn uniformly from 1..``window``; the learning rate decays linearly from α to α·1e-4 over all words of all
epochs; W_in ~ U(−0.5/D, 0.5/D), W_out = 0. Unlike the C tool's one-pair-at-a-time updates, pairs are
processed in mini-batches of ``batch_pairs`` (in text order): all gradients of a batch are computed from the
same parameters and summed per row (sorted-segment sums), so a row repeated in the batch accumulates.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from elman.errors import InvalidInput

__all__ = [
    "Word2VecConfig",
    "add_train_arguments",
    "build_vocab",
    "cbow_loss_and_grads",
    "keep_probabilities",
    "noise_distribution",
    "run_train",
    "sgns_loss_and_grads",
    "train_word2vec",
    "window_sizes",
]


def build_vocab(sentences, min_count: int = 5) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times, by decreasing count (ties in order of first appearance)."""
    counter = Counter(w for s in sentences for w in s)
    kept = [(w, c) for w, c in counter.most_common() if c >= min_count]
    return [w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """P(keep w) = min(1, (√(c_w/(t·T)) + 1)·(t·T)/c_w), T = Σ counts, t = ``sample``; all ones when t = 0."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * threshold / counts)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """P_n(w) = c_w^power / Σ_v c_v^power."""
    p = np.asarray(counts, dtype=np.float64) ** power
    return p / p.sum()


def window_sizes(n: int, window: int, rng: np.random.Generator) -> np.ndarray:
    """The effective window b of each of ``n`` centres, uniform on 1..``window``."""
    return rng.integers(1, window + 1, size=n)


def _score_grads(v, u, mask=None):
    """Loss and ∂ℓ/∂score for scores s = u·v: target 0 is the positive, the rest are negatives.

    v (B, D), u (B, 1+k, D) -> (loss, g (B, 1+k)) with ℓ = softplus(−s_0) + Σ softplus(s_k), g = σ(s) − label.
    """
    s = np.matmul(u, v[:, :, None])[:, :, 0]
    s[:, 0] = -s[:, 0]
    loss_terms = np.logaddexp(0, s)
    g = 1 / (1 + np.exp(-np.clip(s, -30, 30)))
    g[:, 0] = -g[:, 0]  # σ(s_0) − 1 = −σ(−s_0)
    if mask is not None:
        loss_terms, g = loss_terms * mask, g * mask
    return loss_terms.sum(), g


def _forward_backward(v, u, mask=None):
    """(loss, ∂ℓ/∂v (B, D), ∂ℓ/∂u (B, 1+k, D)) of the negative-sampling loss of hidden vectors v."""
    loss, g = _score_grads(v, u, mask)
    return loss, np.matmul(g[:, None, :], u)[:, 0, :], g[:, :, None] * v[:, None, :]


def sgns_loss_and_grads(W_in, W_out, centers, contexts, negatives):
    """Skip-gram negative-sampling loss summed over the batch, and dense gradients (dW_in, dW_out).

    ``centers`` and ``contexts`` are (B,) word ids, ``negatives`` (B, k).
    """
    targets = np.concatenate([np.asarray(contexts)[:, None], np.asarray(negatives)], axis=1)
    loss, dv, du = _forward_backward(W_in[centers], W_out[targets])
    dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
    np.add.at(dW_in, centers, dv)
    np.add.at(dW_out, targets.ravel(), du.reshape(-1, W_out.shape[1]))
    return loss, dW_in, dW_out


def cbow_loss_and_grads(W_in, W_out, context_ids, context_mask, centers, negatives):
    """CBOW negative-sampling loss summed over the batch, and exact dense gradients (dW_in, dW_out).

    ``context_ids`` (B, m) with boolean ``context_mask`` (B, m) marking the real contexts (at least one per
    row); h_b = mean of W_in[context_ids[b, j]] over the masked j; centre (B,) and negatives (B, k) as in SGNS.
    """
    mask = np.asarray(context_mask, dtype=W_in.dtype)
    n = mask.sum(axis=1, keepdims=True)
    h = (W_in[context_ids] * mask[:, :, None]).sum(axis=1) / n
    targets = np.concatenate([np.asarray(centers)[:, None], np.asarray(negatives)], axis=1)
    loss, dh, du = _forward_backward(h, W_out[targets])
    dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
    np.add.at(dW_in, context_ids.ravel(), ((dh / n)[:, None, :] * mask[:, :, None]).reshape(-1, W_in.shape[1]))
    np.add.at(dW_out, targets.ravel(), du.reshape(-1, W_out.shape[1]))
    return loss, dW_in, dW_out


def _apply(W, rows, grads, lr):
    """W[rows] −= lr·grads, repeated rows accumulating: sort the rows, sum each run with ``np.add.reduceat``."""
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    W[rows[starts]] -= lr * np.add.reduceat(grads[order], starts, axis=0)


@dataclass
class Word2VecConfig:
    dim: int = 100
    window: int = 5
    negative: int = 5
    min_count: int = 5
    sample: float = 1e-3
    epochs: int = 5
    alpha: float | None = None  # None: 0.025 for skip-gram, 0.05 for CBOW (the C tool's defaults)
    cbow: bool = False
    batch_pairs: int = 4096
    seed: int = 0


def _windows(ids, sent, b, window, start, stop):
    """Context ids (n, 2·window) of centres start..stop-1 and a mask of those within b and the same sentence."""
    i = np.arange(start, stop)
    offsets = np.r_[np.arange(-window, 0), np.arange(1, window + 1)]
    j = i[:, None] + offsets
    jc = np.clip(j, 0, len(ids) - 1)
    mask = (j == jc) & (np.abs(offsets) <= b[i, None]) & (sent[jc] == sent[i, None])
    return ids[jc], mask


def train_word2vec(
    sentences, config: Word2VecConfig | None = None, *, progress: bool = True, stats: dict | None = None
):
    """Train on ``sentences`` (lists of tokens); returns (words, counts, W_in float32 (V, dim)).

    ``stats``, when given, receives "words" (corpus words × epochs), "seconds" and "words_per_sec".
    """
    from elman.train.log import Progress

    cfg = config or Word2VecConfig()
    words, counts = build_vocab(sentences, cfg.min_count)
    if not words:
        raise InvalidInput(
            f"no word occurs min_count={cfg.min_count} times: the vocabulary would be empty "
            "(give more text, or a smaller --min-count)"
        )
    rng = np.random.default_rng(cfg.seed)
    alpha = cfg.alpha if cfg.alpha is not None else (0.05 if cfg.cbow else 0.025)
    V, D, K, w = len(words), cfg.dim, cfg.negative, cfg.window
    index = {word: i for i, word in enumerate(words)}
    coded = [[index[t] for t in s if t in index] for s in sentences]
    ids = np.fromiter((t for s in coded for t in s), dtype=np.int64)
    sent = np.repeat(np.arange(len(coded)), [len(s) for s in coded])
    total = len(ids)
    keep_p, cdf = keep_probabilities(counts, cfg.sample), np.cumsum(noise_distribution(counts))
    W_in = ((rng.random((V, D), dtype=np.float32) - 0.5) / D).astype(np.float32)
    W_out = np.zeros((V, D), dtype=np.float32)
    per_batch = cfg.batch_pairs if not cfg.cbow else max(1, cfg.batch_pairs // w)
    bar, start_time = Progress(None, enabled=progress, every=200), time.perf_counter()
    for epoch in range(cfg.epochs):
        kept = np.flatnonzero(rng.random(total) < keep_p[ids])
        e_ids, e_sent = ids[kept], sent[kept]
        b = window_sizes(len(kept), w, rng)
        for chunk in range(0, len(kept), 65536):
            ctx, mask = _windows(e_ids, e_sent, b, w, chunk, min(chunk + 65536, len(kept)))
            centres, where = e_ids[chunk : chunk + len(ctx)], kept[chunk : chunk + len(ctx)]
            if cfg.cbow:
                has = mask.any(axis=1)
                ctx, mask, centres, where = ctx[has], mask[has], centres[has], where[has]
            else:
                centres, where = np.broadcast_to(centres[:, None], mask.shape)[mask], np.repeat(where, mask.sum(1))
                ctx = ctx[mask]
            for s in range(0, len(centres), per_batch):
                c, done = centres[s : s + per_batch], epoch * total + where[s]
                lr = alpha * max(1e-4, 1 - done / (cfg.epochs * total + 1))
                negs = np.minimum(np.searchsorted(cdf, rng.random((len(c), K))), V - 1)
                if cfg.cbow:
                    m = mask[s : s + per_batch].astype(np.float32)
                    cw = ctx[s : s + per_batch]
                    h = (W_in[cw] * m[:, :, None]).sum(axis=1) / m.sum(axis=1, keepdims=True)
                    targets = np.concatenate([c[:, None], negs], axis=1)
                    loss, dh, du = _forward_backward(h, W_out[targets], _neg_mask(targets))
                    _apply(W_in, cw[m > 0], np.repeat(dh, m.sum(axis=1).astype(np.int64), axis=0), lr)
                else:
                    targets = np.concatenate([ctx[s : s + per_batch, None], negs], axis=1)
                    loss, dv, du = _forward_backward(W_in[c], W_out[targets], _neg_mask(targets))
                    _apply(W_in, c, dv, lr)
                _apply(W_out, targets.ravel(), du.reshape(-1, D), lr)
                words_done = done - epoch * total
                bar.update(epoch=epoch + 1, lr=f"{lr:.5f}", loss=f"{loss / len(c):.4f}", words=f"{words_done}/{total}")
    bar.close()
    elapsed = time.perf_counter() - start_time
    if stats is not None:
        stats.update(words=cfg.epochs * total, seconds=elapsed, words_per_sec=cfg.epochs * total / max(elapsed, 1e-9))
    return words, counts, W_in


def _neg_mask(targets):
    """1 where a target counts: word2vec.c skips a noise word that equals the positive one."""
    mask = np.ones(targets.shape, dtype=np.float32)
    mask[:, 1:] = targets[:, 1:] != targets[:, :1]
    return mask


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``elman embeddings train``."""
    d = Word2VecConfig()
    parser.add_argument(
        "--data",
        default="brown",
        help="brown, tinyshakespeare, or a .txt file with one sentence per line (default brown)",
    )
    parser.add_argument("--dim", type=int, default=d.dim, help="the vectors' dimension")
    parser.add_argument("--window", type=int, default=d.window, help="the largest distance of a context word")
    parser.add_argument("--negative", type=int, default=d.negative, help="noise words per positive pair")
    parser.add_argument("--min-count", type=int, default=d.min_count, help="the fewest times a word must occur")
    parser.add_argument("--sample", type=float, default=d.sample, help="the subsampling threshold of frequent words")
    parser.add_argument("--epochs", type=int, default=d.epochs, help="passes over the corpus")
    parser.add_argument("--alpha", type=float, default=None, help="initial learning rate (0.025 SG, 0.05 CBOW)")
    parser.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    parser.add_argument("--batch-pairs", type=int, default=d.batch_pairs, help="(centre, context) pairs per update")
    parser.add_argument("--seed", type=int, default=d.seed, help="seed of the initialisation and sampling")
    parser.add_argument("--out", required=True, help="output folder: vectors.txt, vectors.safetensors, config.json")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write although --out holds vectors (the old folder is moved to OUT.old-DATE)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def run_train(args: argparse.Namespace) -> int:
    """Train, then write OUT/vectors.txt (word2vec text), OUT/vectors.safetensors and OUT/config.json."""
    from elman.embeddings.vectors import WordVectors

    config = Word2VecConfig(
        dim=args.dim,
        window=args.window,
        negative=args.negative,
        min_count=args.min_count,
        sample=args.sample,
        epochs=args.epochs,
        alpha=args.alpha,
        cbow=args.cbow,
        batch_pairs=args.batch_pairs,
        seed=args.seed,
    )
    from elman.data.corpora import load_sentences
    from elman.train.rundir import prepare_run_dir

    out = prepare_run_dir(args.out, force=args.force)  # before hours of training, not after
    sentences = load_sentences(args.data)
    stats: dict = {}
    words, counts, W_in = train_word2vec(sentences, config, progress=not args.no_progress, stats=stats)
    vectors = WordVectors(words, W_in)
    vectors.save_text(out / "vectors.txt")
    vectors.save_safetensors(out / "vectors.safetensors")
    record = {
        **asdict(config),
        "data": args.data,
        "vocab_size": len(words),
        "train_words": int(counts.sum()),
        "sentences": len(sentences),
        **stats,
    }
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(
        f"trained {len(words)} word vectors on {stats['words']} words in {stats['seconds']:.1f} s "
        f"({stats['words_per_sec']:.0f} words/s); wrote {out}",
        file=sys.stdout,
    )
    return 0
