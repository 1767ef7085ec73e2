"""The chapter's foundational claims (1, 2, 3, 4, 10, 12), measured with the library.

    vanishing       ‖∂h_T/∂h_k‖ shrinks like ρⁿ for ρ < 1, grows for ρ > 1; tanh' ≤ 1 only shrinks it further
    weight_sharing  an RNN's parameter count does not depend on the sequence length
    unrolled        the RNN over T steps is a T-layer feed-forward net whose layers share one set of weights
    order           a feed-forward net needs a fixed input size; a bag of words loses word order, an RNN keeps it
    analogy         GloVe: king − man + woman lands nearest to queen
    one_hot         one-hot vectors make all words equally far apart; dense vectors put related words nearer

Every number comes from the library's own code (``elman.RNN``, ``rnn_step_forward``/``rnn_step_backward``,
``elman.analysis.jacobian_norms``, ``WordVectors``); each verdict is a check on those numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from elman.analysis.claims.base import ClaimResult, experiment, new_figure, save_figure
from elman.analysis.gradient_flow import jacobian_norms, rho_bound, spectrum
from elman.nn import init
from elman.nn.layers import Linear
from elman.nn.losses import cross_entropy
from elman.nn.rnn import RNN
from elman.nn.rnn_step import rnn_step_backward, rnn_step_forward
from elman.optim import Adam

GLOVE = "glove-6b-50d"


# --------------------------------------------------------------------------------------------- claim 1
def _growth_rate(norms_by_distance: np.ndarray) -> float:
    """Geometric mean of the per-step ratios ‖P_{n+1}‖ / ‖P_n‖ over n = 0..N-1, i.e. (‖P_N‖ / ‖P_0‖)^(1/N)."""
    logs = np.log(np.maximum(norms_by_distance, 1e-300))
    return float(np.exp(np.mean(np.diff(logs))))


@experiment("vanishing", 1)
def vanishing(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    rng = np.random.default_rng(seed)
    rhos = np.linspace(0.5, 1.5, 5 if quick else 11)
    T, H, I, B = (50 if quick else 100), 32, 8, 4
    base = init.orthogonal((H, H), rng, dtype="float64")
    rnn = RNN(I, H, dtype="float64", rng=rng)
    x_zero = np.zeros((T, B, I))  # zero input and zero bias: h stays 0, tanh'(0) = 1, J_k = W_hh exactly
    x_big = rng.standard_normal((T, B, I))  # unit inputs drive tanh towards saturation: tanh' < 1
    biases = {k: rnn.params[k].copy() for k in ("bias_ih_l0", "bias_hh_l0")}
    W_ih = rnn.params["weight_ih_l0"]
    W_ih *= 3.0  # larger input weights: a clearly saturating regime

    rows = []
    for rho in rhos:
        rnn.params["weight_hh_l0"][...] = init.with_spectral_radius(base, float(rho))
        measured_rho = spectrum(rnn.params["weight_hh_l0"])["spectral_radius"]
        for k in biases:
            rnn.params[k][...] = 0.0
        linear = jacobian_norms(rnn, x_zero)[::-1]  # index n = T-1-k: distance from the last step
        for k, b in biases.items():
            rnn.params[k][...] = b
        tanh = jacobian_norms(rnn, x_big)[::-1]
        rows.append(dict(rho=float(rho), measured_rho=measured_rho, linear=linear, tanh=tanh,
                         rate_linear=_growth_rate(linear), rate_tanh=_growth_rate(tanh)))

    bound_09 = float(rho_bound(0.9, 101)[100])
    near_one = 1e-9
    below = [r for r in rows if r["rho"] < 1 - near_one]
    above = [r for r in rows if r["rho"] > 1 + near_one]
    vanish_ok = all(r["rate_linear"] < 1 for r in below)
    explode_ok = all(r["rate_linear"] > 1 for r in above)
    rho_match = max(abs(r["rate_linear"] - r["rho"]) / r["rho"] for r in rows)
    tanh_ok = all(np.all(r["tanh"] <= r["linear"] * (1 + 1e-9)) for r in rows)
    power_ok = abs(bound_09 - 0.9 ** 100) < 1e-12 and abs(bound_09 - 2.66e-5) < 0.01e-5
    verdict = "reproduced" if vanish_ok and explode_ok and tanh_ok and power_ok else "not reproduced"

    fig, (ax, ax2) = new_figure(2)
    n = np.arange(T)
    colors = [f"C{i % 10}" for i in range(len(rows))]
    for r, c in zip(rows, colors):
        ax.semilogy(n, r["linear"], color=c, label=f"ρ={r['rho']:.2f}")
        ax.semilogy(n, r["tanh"], color=c, ls="--")
        ax.semilogy(n, rho_bound(r["rho"], T), color=c, ls=":", lw=0.8)
    ax.set_xlabel("distance n = T−1−k")
    ax.set_ylabel("‖∂h_T/∂h_k‖₂")
    ax.set_title("solid: linear regime, dashed: tanh (saturating), dotted: ρⁿ", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax2.plot(rhos, [r["rate_linear"] for r in rows], "o-", label="linear regime")
    ax2.plot(rhos, [r["rate_tanh"] for r in rows], "s--", label="tanh, unit inputs")
    ax2.plot(rhos, rhos, ":", color="grey", label="ρ")
    ax2.axhline(1, color="k", lw=0.6)
    ax2.set_xlabel("spectral radius ρ of W_hh")
    ax2.set_ylabel("per-step growth rate (geometric mean)")
    ax2.legend(fontsize=8)
    figure = save_figure(fig, out, "vanishing")

    summary = ", ".join(f"ρ={r['rho']:.2f}: {r['rate_linear']:.3f}/{r['rate_tanh']:.3f}" for r in rows)
    last = {f"{r['rho']:.2f}": (float(r["linear"][-1]), float(r["tanh"][-1])) for r in rows}
    measured = (f"0.9^100 = {bound_09:.3g}. H={H}, T={T}, orthogonal W_hh rescaled to ρ. Per-step growth rate "
                f"(linear regime / tanh with unit inputs): {summary}. Linear rates match ρ to {rho_match:.1e} "
                f"(relative). ‖∂h_T/∂h_1‖ linear/tanh at n={T - 1}: "
                + ", ".join(f"ρ={k}: {a:.2g}/{b:.2g}" for k, (a, b) in last.items())
                + f". tanh norms ≤ linear norms everywhere: {tanh_ok}.")
    data = dict(power_0_9_100=bound_09, T=T, hidden=H, rhos=[r["rho"] for r in rows],
                measured_rhos=[r["measured_rho"] for r in rows],
                rate_linear=[r["rate_linear"] for r in rows], rate_tanh=[r["rate_tanh"] for r in rows],
                norm_linear=[r["linear"].tolist() for r in rows], norm_tanh=[r["tanh"].tolist() for r in rows],
                rate_vs_rho_max_rel_error=rho_match, vanishes_below_1=vanish_ok, grows_above_1=explode_ok,
                tanh_below_linear=bool(tanh_ok))
    return ClaimResult(1, "When the recurrent matrix has spectral radius below one the gradient reaching a step "
                          "n steps back shrinks like ρⁿ (0.9^100 ≈ 2.7e-5), above one it grows, and tanh's "
                          "derivative (≤ 1) can only shrink it further.", measured, verdict, data, figure)


# --------------------------------------------------------------------------------------------- claim 2
@experiment("weight_sharing", 2)
def weight_sharing(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    rng = np.random.default_rng(seed)
    I, H, B = 8, 16, 2
    rnn = RNN(I, H, dtype="float64", rng=rng)
    before = {k: v.copy() for k, v in rnn.params.items()}
    count0 = rnn.num_parameters()
    lengths = [5, 50, 500] if quick else [5, 50, 500, 2000]
    counts, finite, grads_ok = {}, {}, {}
    for T in lengths:
        x = rng.standard_normal((T, B, I))
        output, h_n = rnn(x)
        rnn.zero_grad()
        rnn.backward(np.ones_like(output))
        counts[T] = rnn.num_parameters()
        finite[T] = bool(np.all(np.isfinite(output)) and np.all(np.isfinite(h_n)) and output.shape[0] == T)
        grads_ok[T] = all(rnn.grads[k].shape == rnn.params[k].shape and np.all(np.isfinite(rnn.grads[k]))
                          for k in rnn.params)
    same_params = all(np.array_equal(before[k], rnn.params[k]) for k in before)
    # A feed-forward net reading the whole sequence at once needs a weight per input position.
    ff_counts = {T: Linear(T * I, H, dtype="float64", rng=np.random.default_rng(0)).num_parameters() for T in lengths}
    ok = (all(c == count0 for c in counts.values()) and all(finite.values()) and all(grads_ok.values())
          and same_params)
    verdict = "reproduced" if ok else "not reproduced"

    fig, (ax,) = new_figure()
    ax.loglog(lengths, [counts[T] for T in lengths], "o-", label="elman.RNN (one set of weights)")
    ax.loglog(lengths, [ff_counts[T] for T in lengths], "s--", label="Linear(T·I, H) over the whole sequence")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("parameters")
    ax.legend()
    figure = save_figure(fig, out, "weight_sharing")
    measured = (f"RNN({I}, {H}) has {count0} parameters; after running T = {', '.join(map(str, lengths))} it has "
                f"{sorted(set(counts.values()))} (outputs finite: {all(finite.values())}, gradients shaped like the "
                f"parameters: {all(grads_ok.values())}, parameter arrays unchanged: {same_params}). A Linear over the "
                f"flattened sequence would need " + ", ".join(f"{ff_counts[T]:,} (T={T})" for T in lengths) + ".")
    data = dict(parameters=count0, counts_by_T={str(T): c for T, c in counts.items()},
                feedforward_counts_by_T={str(T): c for T, c in ff_counts.items()},
                outputs_finite={str(T): v for T, v in finite.items()}, params_unchanged=same_params)
    return ClaimResult(2, "An RNN reuses the same weights at every step, so its number of parameters does not "
                          "depend on how long the sequence is.", measured, verdict, data, figure)


# --------------------------------------------------------------------------------------------- claim 3
@experiment("unrolled", 3)
def unrolled(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    rng = np.random.default_rng(seed)
    T, B, I, H = (10 if quick else 50), 3, 4, 6
    rnn = RNN(I, H, dtype="float64", rng=rng)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((1, B, H)) * 0.5
    d_out = rng.standard_normal((T, B, H))
    output, h_n = rnn(x, h0)
    rnn.zero_grad()
    dx_rnn, dh0_rnn = rnn.backward(d_out)

    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    # The feed-forward net: T layers, each with ITS OWN arrays, all equal to the RNN's shared ones.
    layers = [tuple(rnn.params[k].copy() for k in names) for _ in range(T)]
    h, caches, outs = h0[0], [], []
    for t, (W_ih, W_hh, b_ih, b_hh) in enumerate(layers):
        h, cache = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh, rnn.nonlinearity)
        caches.append(cache)
        outs.append(h)
    ff_out = np.stack(outs)
    # Ordinary layer-by-layer backprop; layer t's output feeds the loss (d_out[t]) and layer t+1.
    layer_grads, dx_ff = [None] * T, np.zeros_like(x)
    dh = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        dx_ff[t], dh, *grads = rnn_step_backward(d_out[t] + dh, caches[t])
        layer_grads[t] = grads
    dh0_ff = dh
    summed = [sum(g[i] for g in layer_grads) for i in range(4)]

    diffs = dict(output=float(np.abs(ff_out - output).max()), h_n=float(np.abs(ff_out[-1] - h_n[0]).max()),
                 dx=float(np.abs(dx_ff - dx_rnn).max()), dh0=float(np.abs(dh0_ff - dh0_rnn[0]).max()))
    for name, g in zip(names, summed):
        diffs["grad_" + name] = float(np.abs(g - rnn.grads[name]).max())
    per_layer_hh = [float(np.linalg.norm(g[1])) for g in layer_grads]
    # The per-layer gradients differ; only their sum is the RNN's gradient.
    spread = float(np.std(per_layer_hh) / (np.mean(per_layer_hh) + 1e-300))
    tol = 1e-12
    ok = max(diffs.values()) < tol and spread > 0
    verdict = "reproduced" if ok else "not reproduced"

    fig, (ax, ax2) = new_figure(2)
    ax.bar(np.arange(T), per_layer_hh)
    ax.axhline(np.linalg.norm(rnn.grads["weight_hh_l0"]), color="C3", ls="--", label="‖Σ layers‖ = ‖RNN grad‖")
    ax.set_xlabel("layer t of the unrolled net")
    ax.set_ylabel("‖∂L/∂W_hh^(t)‖_F")
    ax.legend(fontsize=8)
    ax2.bar(range(len(diffs)), [max(v, 1e-18) for v in diffs.values()])
    ax2.set_yscale("log")
    ax2.set_xticks(range(len(diffs)), list(diffs), rotation=60, fontsize=7)
    ax2.set_ylabel("max |unrolled − RNN|")
    figure = save_figure(fig, out, "unrolled")
    measured = (f"T={T} layers built from rnn_step_forward, each with its own copy of the weights (float64). Max "
                f"absolute differences from elman.RNN: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
                + f". The per-layer ‖dW_hh‖ vary (coefficient of variation {spread:.2f}); their sum is the RNN's.")
    data = dict(T=T, max_abs_diff=diffs, per_layer_grad_norm_hh=per_layer_hh, tolerance=tol)
    return ClaimResult(3, "Unrolled over T steps an RNN is a T-layer feed-forward network whose layers all share "
                          "one set of weights; the shared weight's gradient is the sum of the layers' gradients.",
                       measured, verdict, data, figure)


# --------------------------------------------------------------------------------------------- claim 4
def _one_hot(sentence: list[str], vocab: list[str]) -> np.ndarray:
    eye = np.eye(len(vocab))
    return np.stack([eye[vocab.index(w)] for w in sentence])


@experiment("order", 4)
def order(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    rng = np.random.default_rng(seed)
    nouns = ["dog", "man", "cat", "boy"]
    vocab = ["the", "bit", "big"] + nouns
    V, H = len(vocab), 16
    s1, s2 = "the dog bit the man".split(), "the man bit the dog".split()
    x1, x2 = _one_hot(s1, vocab), _one_hot(s2, vocab)

    # A feed-forward net over the concatenated one-hot words of a 5-word sentence.
    mlp = Linear(5 * V, H, dtype="float64", rng=rng)
    mlp(x1.reshape(-1))
    six = _one_hot("the dog bit the big man".split(), vocab).reshape(-1)
    try:
        mlp(six)
        mlp_error = None
    except (ValueError, TypeError) as err:
        mlp_error = f"{type(err).__name__}: {err}"

    bow1, bow2 = x1.sum(axis=0), x2.sum(axis=0)
    bow_equal = bool(np.array_equal(bow1, bow2))

    # A tiny RNN trained to say who did the biting: the order of the nouns is the only cue.
    pairs = [(a, b) for a in nouns for b in nouns if a != b]
    X = np.stack([_one_hot(["the", a, "bit", "the", b], vocab) for a, b in pairs], axis=1)  # (T, B, V)
    y = np.array([nouns.index(a) for a, _ in pairs])
    rnn = RNN(V, H, dtype="float64", rng=rng)
    head = Linear(H, len(nouns), dtype="float64", rng=rng)
    cos_random = _final_cosine(rnn, x1, x2)
    params = {f"rnn.{k}": v for k, v in rnn.params.items()} | {f"head.{k}": v for k, v in head.params.items()}
    opt = Adam(params, lr=0.05)
    steps = 150 if quick else 400
    losses = []
    for _ in range(steps):
        rnn.zero_grad()
        head.zero_grad()
        _, h_n = rnn(X)
        loss, dlogits = cross_entropy(head(h_n[0]), y)
        losses.append(float(loss))
        dh = head.backward(dlogits)
        rnn.backward(None, dh[None])
        grads = {f"rnn.{k}": v for k, v in rnn.grads.items()} | {f"head.{k}": v for k, v in head.grads.items()}
        opt.step(grads)
    rnn.eval()
    _, h_n = rnn(X)
    accuracy = float(np.mean(head(h_n[0]).argmax(axis=1) == y))
    cos_trained = _final_cosine(rnn, x1, x2)
    h1, h2 = rnn(x1)[1][0], rnn(x2)[1][0]
    pred1, pred2 = (nouns[int(head(h[None]).argmax())] for h in (h1, h2))
    # Whatever a model does with a bag of words, the two sentences get the same input, hence the same answer.
    bow_best_pair_accuracy = 0.5 if bow_equal else 1.0

    ok = mlp_error is not None and bow_equal and cos_random < 1 - 1e-6 and cos_trained < 1 - 1e-6
    verdict = "reproduced" if ok else "not reproduced"

    fig, (ax, ax2) = new_figure(2)
    w = 0.4
    ax.bar(np.arange(V) - w / 2, bow1, w, label=" ".join(s1))
    ax.bar(np.arange(V) + w / 2, bow2, w, label=" ".join(s2))
    ax.set_xticks(range(V), vocab)
    ax.set_ylabel("count")
    ax.set_title("bag of words: identical")
    ax.legend(fontsize=8)
    ax2.bar(np.arange(H) - w / 2, h1, w, label=f"{' '.join(s1)} → {pred1}")
    ax2.bar(np.arange(H) + w / 2, h2, w, label=f"{' '.join(s2)} → {pred2}")
    ax2.set_xlabel("hidden unit")
    ax2.set_title(f"trained RNN final state: cosine {cos_trained:.3f}")
    ax2.legend(fontsize=8)
    figure = save_figure(fig, out, "order")
    measured = (f"Linear built for 5 words (input {5 * V}) given 6 words (input {6 * V}) raises: "
                f"{mlp_error or 'no error'}. Bag-of-words vectors identical: {bow_equal}. Cosine of the RNN's final "
                f"states for the two sentences: {cos_random:.4f} (random weights), {cos_trained:.4f} (after "
                f"{steps} Adam steps on 'who bit?', training accuracy {accuracy:.0%}, predictions "
                f"'{pred1}' / '{pred2}'); any bag-of-words model gets at most {bow_best_pair_accuracy:.0%} of such "
                f"mirrored pairs right.")
    data = dict(mlp_error=mlp_error, bow_1=bow1.tolist(), bow_2=bow2.tolist(), bow_equal=bow_equal,
                cosine_random_rnn=cos_random, cosine_trained_rnn=cos_trained, trained_accuracy=accuracy,
                predictions=[pred1, pred2], loss_first=losses[0], loss_last=losses[-1])
    return ClaimResult(4, "A feed-forward net takes inputs of one fixed size and a bag of words forgets word order, "
                          "so 'the dog bit the man' and 'the man bit the dog' look the same; an RNN reads the "
                          "words in order and tells them apart.", measured, verdict, data, figure)


def _final_cosine(rnn: RNN, x1: np.ndarray, x2: np.ndarray) -> float:
    a, b = rnn(x1)[1][0], rnn(x2)[1][0]
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------------------------- claims 10, 12
def _glove(limit: int | None):
    """(WordVectors, None) from the local GloVe file, or (None, reason) when it is not on this machine.

    Never downloads: the experiments must run offline; the data comes from $ELMAN_DATA_DIR or the cache.
    """
    from elman.data.sources import ChecksumError, DataUnavailableError, path
    from elman.embeddings import WordVectors

    try:
        p = path(GLOVE, download=False)
    except (DataUnavailableError, ChecksumError, KeyError) as err:
        return None, f"{type(err).__name__}: {err}"
    return WordVectors.load(p, limit=limit), None


@experiment("analogy", 10)
def analogy(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    claim = "In GloVe's vector space king − man + woman lands nearest to queen, and neighbours are related words."
    vectors, missing = _glove(50000 if quick else None)
    if vectors is None:
        fig, (ax,) = new_figure()
        ax.text(0.5, 0.5, f"{GLOVE} is not available locally", ha="center", va="center")
        ax.axis("off")
        figure = save_figure(fig, out, "analogy")
        return ClaimResult(10, claim, f"not measured: the {GLOVE} vectors are missing ({missing}); set "
                                      f"ELMAN_DATA_DIR or run `elman data fetch {GLOVE}`.", "nuanced",
                           dict(data_missing=True, reason=missing), figure)
    top = vectors.analogy("man", "king", "woman", topn=10)  # man : king :: woman : ?  (query words excluded)
    probes = ["frog", "paris", "computer", "king"]
    neighbours = {w: vectors.most_similar(w, topn=5) for w in probes if w in vectors}
    hit = top[0][0] == "queen"
    rank = next((i + 1 for i, (w, _) in enumerate(top) if w == "queen"), None)
    verdict = "reproduced" if hit else "not reproduced"

    fig, (ax,) = new_figure()
    ax.barh(range(len(top))[::-1], [s for _, s in top], color=["C3" if w == "queen" else "C0" for w, _ in top])
    ax.set_yticks(range(len(top))[::-1], [w for w, _ in top])
    ax.set_xlabel("cosine with king − man + woman")
    ax.set_xlim(min(s for _, s in top) - 0.05, 1)
    ax.set_title(f"GloVe 6B 50d ({len(vectors):,} words), query words excluded", fontsize=9)
    figure = save_figure(fig, out, "analogy")
    measured = (f"Over {len(vectors):,} GloVe 6B 50d words, king − man + woman → {top[0][0]} (cosine "
                f"{top[0][1]:.3f}; queen ranks {rank}); next: " + ", ".join(f"{w} {s:.3f}" for w, s in top[1:5])
                + ". Neighbours: " + "; ".join(f"{w}: " + ", ".join(n for n, _ in ns) for w, ns in neighbours.items())
                + ".")
    data = dict(vocabulary=len(vectors), top10=[[w, s] for w, s in top], queen_rank=rank,
                neighbours={w: [[n, s] for n, s in ns] for w, ns in neighbours.items()}, data_missing=False)
    return ClaimResult(10, claim, measured, verdict, data, figure)


_GROUPS = {"animal": ["cat", "dog", "horse"], "city": ["paris", "london", "rome"], "food": ["bread", "cheese", "apple"]}
_CONTEXTS = {"animal": ["pet", "feed", "fur", "vet", "tail"], "city": ["visit", "streets", "mayor", "museum", "train"],
             "food": ["eat", "taste", "bake", "fresh", "plate"]}
_GLOVE_WORDS = ["king", "queen", "man", "woman", "paris", "france", "london", "england", "cat", "dog"]
_GLOVE_RELATED = [("king", "queen"), ("man", "woman"), ("paris", "france"), ("london", "england"), ("cat", "dog"),
                  ("king", "man"), ("queen", "woman"), ("paris", "london"), ("france", "england")]


def _toy_vectors(seed: int, quick: bool):
    """word2vec trained on a generated corpus in which words of a group share their contexts."""
    from elman.embeddings.word2vec import Word2VecConfig, train_word2vec

    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(600 if quick else 2000):
        g = list(_GROUPS)[rng.integers(len(_GROUPS))]
        words = [rng.choice(_GROUPS[g])] + list(rng.choice(_CONTEXTS[g], size=4))
        rng.shuffle(words)
        sentences.append([str(w) for w in words])
    cfg = Word2VecConfig(dim=16, window=3, negative=5, min_count=1, sample=0, epochs=5 if quick else 10, alpha=0.05,
                         batch_pairs=256, seed=seed)  # small batches: enough updates on a tiny corpus
    vocab, _, W = train_word2vec(sentences, cfg, progress=False)
    words = [w for g in _GROUPS.values() for w in g]
    related = [(a, b) for g in _GROUPS.values() for i, a in enumerate(g) for b in g[i + 1:]]
    ids = [vocab.index(w) for w in words]
    return words, ids, W[ids], related, len(vocab)


@experiment("one_hot", 12)
def one_hot(quick: bool, out: Path | None, seed: int) -> ClaimResult:
    from elman.embeddings.projection import similarity_matrices

    vectors, missing = _glove(50000 if quick else None)
    if vectors is not None and all(w in vectors for w in _GLOVE_WORDS):
        words, related, V = _GLOVE_WORDS, _GLOVE_RELATED, len(vectors)
        dense = np.stack([vectors.vector(w) for w in words])
        ids = [vectors.id(w) for w in words]
        source = f"GloVe 6B 50d ({V:,} words)"
    else:
        words, ids, dense, related, V = _toy_vectors(seed, quick)
        source = f"word2vec trained on a generated corpus ({V} words; GloVe is not available locally)"
    one_hot_vectors = np.zeros((len(words), V))
    one_hot_vectors[np.arange(len(words)), ids] = 1.0
    norms = np.linalg.norm(one_hot_vectors, axis=1)
    cos_onehot = (one_hot_vectors @ one_hot_vectors.T) / np.outer(norms, norms)
    dist_onehot = np.linalg.norm(one_hot_vectors[:, None] - one_hot_vectors[None], axis=-1)
    eye, cos_dense = similarity_matrices(dense)
    off = ~np.eye(len(words), dtype=bool)
    onehot_ok = (one_hot_vectors.shape[1] == V and np.array_equal(cos_onehot, eye)
                 and np.allclose(dist_onehot[off], np.sqrt(2), rtol=0, atol=1e-12))
    index = {w: i for i, w in enumerate(words)}
    rel_mask = np.zeros_like(off)
    for a, b in related:
        rel_mask[index[a], index[b]] = rel_mask[index[b], index[a]] = True
    rel = cos_dense[rel_mask]
    unrel = cos_dense[off & ~rel_mask]
    dense_ok = float(rel.mean()) > float(unrel.mean()) + 0.2 and float(np.median(rel)) > float(np.max(unrel)) - 0.2
    verdict = "reproduced" if onehot_ok and dense_ok else "not reproduced"

    fig, (ax, ax2) = new_figure(2, width=5.5, height=4.8)
    for a, M, title in ((ax, cos_onehot, f"one-hot (length {V:,}): cosine"), (ax2, cos_dense, "dense: cosine")):
        im = a.imshow(M, vmin=-1, vmax=1, cmap="RdBu_r")
        a.set_xticks(range(len(words)), words, rotation=70, fontsize=8)
        a.set_yticks(range(len(words)), words, fontsize=8)
        a.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax2, shrink=0.8)
    figure = save_figure(fig, out, "one_hot")
    measured = (f"One-hot vectors have length {V:,} (the vocabulary); for {len(words)} words every distinct pair has "
                f"cosine {cos_onehot[off].max():.0f} and distance {dist_onehot[off].mean():.4f} (√2 = "
                f"{np.sqrt(2):.4f}). Dense vectors from {source}: related pairs mean cosine {rel.mean():.3f} "
                f"(min {rel.min():.3f}), unrelated pairs {unrel.mean():.3f} (max {unrel.max():.3f}).")
    data = dict(words=words, vocabulary=V, source=source,
                onehot_cosines_offdiag_max=float(np.abs(cos_onehot[off]).max()),
                onehot_distance_offdiag=[float(dist_onehot[off].min()), float(dist_onehot[off].max())],
                dense_cosine=cos_dense.tolist(), related_mean=float(rel.mean()), unrelated_mean=float(unrel.mean()),
                related_min=float(rel.min()), unrelated_max=float(unrel.max()), glove_missing=missing)
    return ClaimResult(12, "One-hot vectors are as long as the vocabulary and put every pair of different words at "
                           "the same distance, while dense embeddings place related words closer together.",
                       measured, verdict, data, figure)
