"""Language-conditioned surname generation on char-rnn "names": an RNN against a smoothed character trigram.

``train_names(out_dir)`` trains ``ConditionedGenerator`` (condition "h0", "input" or "both") with ``fit`` on
<bos>+name → name+<eos>, keeping the lowest dev NLL (a cosine learning rate, or one multiplied by ``lr_decay``
after each epoch without a new best); with ``members`` > 1 it trains that many from different seeds and keeps
their ``GeneratorEnsemble``, whose next-character distribution is the mean of theirs. Both models are scored
on the same held-out names and the same characters (every character of the name and the final <eos>): mean
negative log-likelihood per character, in nats. The baseline, ``TrigramModel``, is a hierarchy of
Dirichlet-smoothed estimates (each a valid distribution):

    P_l(c|a,b) = (n_l(abc) + α₄ P_l(c|b)) / (n_l(ab) + α₄)     P_l(c|b) = (n_l(bc) + α₃ P(c|a,b)) / (n_l(b) + α₃)
    P(c|a,b)   = (n(abc) + α₂ P(c|b)) / (n(ab) + α₂)            P(c|b)   = (n(bc) + α₁ P(c)) / (n(b) + α₁)
    P(c)       = (n(c) + 1) / (N + V)

(n_l: counts in language l, n: all languages), the α tuned on dev by coordinate search over a log grid. The run
folder holds config.json (``"task": "names"``), vocab.json, model.safetensors, metrics.jsonl, checkpoint.safetensors
(the training state of the last completed epoch) and summary.json; an ensemble's members, trained in parallel
processes, each keep their own member{k}_metrics.jsonl and member{k}_checkpoint.safetensors instead.

``--resume`` continues each member from its training state (a member that had finished is only read back), then
builds the ensemble, refits the trigram baseline and scores both again: those last steps take seconds.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import bucket_batches, pad_sequences
from elman.data.names import LANGUAGES, build_char_vocab, encode_names, load_names, split_names
from elman.data.text import Vocab
from elman.errors import InvalidInput
from elman.io.checkpoint import load_model, save_model
from elman.models.ensemble import GeneratorEnsemble
from elman.models.generator import CONDITIONS, ConditionedGenerator
from elman.nn.losses import cross_entropy
from elman.optim import Adam, AdamW
from elman.tasks.loading import require_rows
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import in_processes, open_run, train_run, write_json
from elman.train.schedules import CosineLR
from elman.train.supervised import fit

GRID = tuple(float(x) for x in np.logspace(-2, 3, 21))

# --quick: a smoke run of seconds
QUICK = dict(hidden=16, embed=8, epochs=1, members=1, limit=200, max_minutes=None)


class TrigramModel:
    """Counts from ``(ids, targets, languages)`` (``encode_names``); ``prob(l, a, b, c)`` broadcasts."""

    def __init__(self, data, vocab_size: int, n_languages: int, bos_id: int, alphas=(1.0, 1.0, 1.0, 1.0)):
        self.V, self.n_languages, self.bos_id, self.alphas = int(vocab_size), int(n_languages), bos_id, alphas
        lang, a, b, c = self.events(data)
        V = self.V
        self.tables = {
            k: np.unique(key, return_counts=True)
            for k, key in {
                "l3": ((lang * V + a) * V + b) * V + c,
                "l3c": (lang * V + a) * V + b,
                "l2": (lang * V + b) * V + c,
                "l2c": lang * V + b,
                "g3": (a * V + b) * V + c,
                "g3c": a * V + b,
                "g2": b * V + c,
                "g2c": b,
                "g1": c,
            }.items()
        }
        self.total = len(c)

    def events(self, data):
        """(language, c₋₂, c₋₁, c) int64 arrays, one per predicted character (name + <eos>), contexts from <bos>."""
        out = [[], [], [], []]
        for ids, targets, lang in zip(*data):
            prev = np.concatenate([[self.bos_id], ids])  # <bos> <bos> name
            out[0].append(np.full(len(targets), lang))
            out[1].append(prev[:-1])
            out[2].append(ids)
            out[3].append(targets)
        return tuple(np.concatenate(x).astype(np.int64) for x in out)

    def _n(self, table, key):
        keys, counts = self.tables[table]
        key = np.asarray(key)
        i = np.clip(np.searchsorted(keys, key), 0, len(keys) - 1)
        return np.where(keys[i] == key, counts[i], 0).astype(np.float64)

    def prob(self, lang, a, b, c, alphas=None):
        a1, a2, a3, a4 = self.alphas if alphas is None else alphas
        lang, a, b, c = (np.asarray(x, dtype=np.int64) for x in (lang, a, b, c))
        V = self.V
        p = (self._n("g1", c) + 1.0) / (self.total + V)
        p = (self._n("g2", b * V + c) + a1 * p) / (self._n("g2c", b) + a1)
        p = (self._n("g3", (a * V + b) * V + c) + a2 * p) / (self._n("g3c", a * V + b) + a2)
        p = (self._n("l2", (lang * V + b) * V + c) + a3 * p) / (self._n("l2c", lang * V + b) + a3)
        return (self._n("l3", ((lang * V + a) * V + b) * V + c) + a4 * p) / (
            self._n("l3c", (lang * V + a) * V + b) + a4
        )

    def nll(self, data, alphas=None) -> float:
        """Mean −log P per predicted character (nats) over ``data``."""
        return float(-np.log(self.prob(*self.events(data), alphas=alphas)).mean())

    def tune(self, dev, rounds: int = 3) -> dict:
        """Coordinate search of the four α over ``GRID`` minimising dev NLL; sets and returns them."""
        alphas = list(self.alphas)
        for _ in range(rounds):
            for k in range(4):
                scores = [self.nll(dev, alphas[:k] + [g] + alphas[k + 1 :]) for g in GRID]
                alphas[k] = GRID[int(np.argmin(scores))]
        self.alphas = tuple(alphas)
        return {"alphas": self.alphas, "dev_nll": self.nll(dev)}


def batch_of(data, idx, pad_id=0):
    """((ids (T, B), languages (B,), lengths (B,)), targets (T, B) padded with -100)."""
    ids, targets, langs = data
    padded, lengths, _ = pad_sequences([ids[i] for i in idx], pad_id, time_major=True)
    tg = pad_sequences([targets[i] for i in idx], -100, time_major=True)[0]
    return (padded, langs[list(idx)], lengths), tg


def rnn_nll(model, data, batch=512) -> float:
    """Mean −log P per predicted character (nats, <eos> included) of ``model`` over ``data`` (eval mode)."""
    was = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        n = len(data[0])
        for start in range(0, n, batch):
            inputs, tg = batch_of(data, range(start, min(start + batch, n)))
            loss, _ = cross_entropy(model(*inputs), tg, reduction="sum")
            total, count = total + float(loss), count + int((tg != -100).sum())
    finally:
        model.train(was)
    return total / count


def _loss(logits, targets):
    return cross_entropy(logits, targets, ignore_index=-100)


def _splits(seed, limit):
    splits = split_names(load_names(), seed=seed)
    if limit is not None:  # a small subset with every language kept: every k-th name
        splits = {s: d[:: max(1, len(d) // limit)][:limit] for s, d in splits.items()}
    return splits


def baseline(vocab, data) -> tuple[TrigramModel, dict]:
    tri = TrigramModel(data["train"], len(vocab), len(LANGUAGES), vocab.bos_id)
    return tri, tri.tune(data["dev"])


def train_names(
    out_dir,
    *,
    condition="h0",
    embed=32,
    hidden=512,
    layers=1,
    cond_dim=16,
    epochs=40,
    batch=64,
    lr=2e-3,
    dropout=0.1,
    clip=5.0,
    patience=None,
    weight_decay=0.0,
    lr_decay=1.0,
    cosine=True,
    members=12,
    workers=2,
    seed=0,
    limit=None,
    max_minutes=None,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (RNN and trigram NLL/char on dev and test).

    ``weight_decay`` > 0 trains with AdamW (decoupled decay) instead of Adam; ``lr_decay`` < 1 multiplies the learning
    rate by it after every epoch whose dev NLL is not a new best (reduce on plateau); ``cosine`` sets epoch e's
    learning rate to lr · (1 + cos(π (e − 1) / epochs)) / 2 instead (pass ``cosine=False`` for a constant rate).

    ``members`` > 1 trains that many generators and saves their ``GeneratorEnsemble``: member k starts from the seed
    ``seed + k`` (initial weights and batch order; the split is always ``seed``'s) and keeps its own best dev epoch.
    They train in ``workers`` processes with one BLAS thread each (small products gain little from a second thread,
    and the result does not depend on ``workers``). ``max_minutes`` bounds the whole run.

    ``out_dir`` must be absent or empty unless ``force`` (the old run is moved aside) or ``resume`` (continue the
    run there with its own options; see the module).
    """
    return train_run("names", train_names, _train, locals(), _check)


# the command line's options, in the order --help lists them; their defaults are train_names's
OPTIONS = signature_options(
    train_names,
    {
        "condition": Option(
            "the language as the initial hidden state, as an input at every step, or both", choices=CONDITIONS
        ),
        "embed": Option("character embedding size", kind="count"),
        "hidden": Option("hidden units of the RNN", kind="count"),
        "layers": Option("stacked RNN layers", kind="count"),
        "cond_dim": Option("size of the language vector fed at every step (condition input or both)", kind="count"),
        "epochs": Option("passes over the training names", kind="count"),
        "batch": Option("names per update", kind="count"),
        "lr": Option("the (initial) learning rate", kind="positive"),
        "dropout": Option("dropout probability on the RNN's inputs and outputs", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "patience": Option("stop after this many epochs without a lower dev NLL", type=int, kind="count?"),
        "weight_decay": Option("above 0: AdamW with this decoupled weight decay", kind="non-negative"),
        "lr_decay": Option(
            "with --no-cosine: the learning rate's factor after each epoch without a new best", kind="rate"
        ),
        "members": Option("generators trained from different seeds and averaged", kind="count"),
        "workers": Option("processes training members", kind="count"),
        "max_minutes": Option(
            "stop the whole run after this many minutes (shared among the members)", type=float, kind="positive?"
        ),
        "limit": Option("use N names of each split (every k-th, so every language stays)", type=int, kind="count?"),
        "seed": Option("seed of the split, the initial weights and the batch order", kind="natural"),
        "cosine": Option(
            "a cosine learning rate from --lr down to 0 over --epochs; --no-cosine keeps --lr (times "
            "--lr-decay after each epoch without a new best)"
        ),
    },
)


def _check(options) -> None:
    check_options(options, kinds_of(OPTIONS))
    if options["cosine"] and options["lr_decay"] != 1:
        raise InvalidInput(
            "choose one learning-rate schedule: cosine, or --no-cosine with --lr-decay below 1; "
            f"got both (--lr-decay {options['lr_decay']})"
        )


def _train(
    out,
    options,
    *,
    condition,
    embed,
    hidden,
    layers,
    cond_dim,
    epochs,
    batch,
    lr,
    dropout,
    clip,
    patience,
    weight_decay,
    lr_decay,
    cosine,
    members,
    workers,
    seed,
    limit,
    max_minutes,
    resume,
    progress,
    verbose,
) -> dict:
    start = time.perf_counter()
    vocab, data, splits = _data(seed, limit)
    model_cfg = dict(
        vocab_size=len(vocab),
        n_classes=len(LANGUAGES),
        embed_dim=embed,
        hidden_size=hidden,
        num_layers=layers,
        condition=condition,
        cond_dim=cond_dim,
        dropout=dropout,
        padding_idx=vocab.pad_id,
        bos_idx=vocab.bos_id,
        eos_idx=vocab.eos_id,
    )
    train_cfg = dict(
        epochs=epochs,
        batch=batch,
        lr=lr,
        clip=clip,
        patience=patience,
        weight_decay=weight_decay,
        lr_decay=lr_decay,
        cosine=cosine,
        seed=seed,
        limit=limit,
        max_minutes=max_minutes,
    )
    config = {
        "task": "names",
        "model": ConditionedGenerator(**model_cfg).config(),
        "members": members,
        "languages": list(LANGUAGES),
        "train": train_cfg,
        "options": options,
    }
    vocab.save(out / "vocab.json")
    write_json(out / "config.json", config)
    if members == 1:
        fits = [_train_member(out, 0, 1, model_cfg, train_cfg, progress, resume)]
    else:
        workers = min(workers, members)
        if max_minutes is not None:  # each worker trains ⌈members / workers⌉ members one after another
            train_cfg = dict(train_cfg, max_minutes=max_minutes / -(-members // workers))
        calls = [(out, k, members, model_cfg, train_cfg, False, resume) for k in range(members)]
        fits = in_processes(_train_member, calls, workers)
    trained = [
        load_model(out / f"{_member_prefix(k, members)}model.safetensors", ConditionedGenerator(**config["model"]))
        for k in range(members)
    ]
    if verbose:
        for k, f in enumerate(fits):
            print(f"names: member {k} best epoch {f['best_epoch']} {f['best']}", file=sys.stderr)
    model = trained[0]
    if members > 1:
        model = GeneratorEnsemble(trained)
        save_model(out / "model.safetensors", model)
        for k in range(members):  # each member's best weights stay in its training state, member{k}_checkpoint
            (out / f"{_member_prefix(k, members)}model.safetensors").unlink()
    tri, tuned = baseline(vocab, data)
    result = {
        "task": "names",
        "condition": condition,
        "members": members,
        "names": {s: len(d) for s, d in splits.items()},
        "dev_nll": rnn_nll(model, data["dev"]),
        "test_nll": rnn_nll(model, data["test"]),
        "trigram_dev_nll": tuned["dev_nll"],
        "trigram_test_nll": tri.nll(data["test"]),
        "train_nll": rnn_nll(model, data["train"]),
        "trigram_train_nll": tri.nll(data["train"]),
        "trigram_alphas": [round(a, 4) for a in tuned["alphas"]],
        "best_epoch": [f["best_epoch"] for f in fits] if members > 1 else fits[0]["best_epoch"],
        "epochs_run": [f["epochs_run"] for f in fits] if members > 1 else fits[0]["epochs_run"],
        "seconds": round(time.perf_counter() - start, 1),
        "vocab_size": len(vocab),
    }
    if members > 1:
        result["member_test_nll"] = [rnn_nll(m, data["test"]) for m in trained]
    result["relative_improvement"] = 1 - result["test_nll"] / result["trigram_test_nll"]
    write_json(out / "summary.json", result)
    return result


def _data(seed, limit):
    """(character vocabulary, encoded splits, raw splits) of the seeded split."""
    splits = _splits(seed, limit)
    require_rows("names", splits)
    vocab = build_char_vocab([n for n, _ in splits["train"]])
    return vocab, {s: encode_names(vocab, d) for s, d in splits.items()}, splits


def _member_prefix(k, members):
    return "" if members == 1 else f"member{k}_"


def _train_member(out, k, members, model_cfg, train_cfg, progress, resume=False) -> dict:
    """Member k from the seed ``seed + k``, trained with ``fit`` on the train split, its best dev-NLL epoch kept in
    ``out`` (``member{k}_…`` files when in an ensemble); returns ``fit``'s summary. ``resume``: continue from its
    training state (a member that had finished returns at once)."""
    t = train_cfg
    _, data, _ = _data(t["seed"], t["limit"])
    seed = t["seed"] + k
    model = ConditionedGenerator(**model_cfg, rng=np.random.default_rng(seed))
    lr, lr_decay = t["lr"], t["lr_decay"]
    optimizer = (
        AdamW(model.params, lr=lr, weight_decay=t["weight_decay"]) if t["weight_decay"] else Adam(model.params, lr=lr)
    )
    schedule = CosineLR(lr, t["epochs"]) if t["cosine"] else None
    lengths = np.array([len(x) for x in data["train"][0]])
    plateau = {"best_dev_nll": None}  # what --lr-decay compares with; saved in each epoch's training state

    def batches(epoch, brng):
        if schedule is not None:
            optimizer.lr = schedule.lr(epoch - 1)
        for idx in bucket_batches(lengths, t["batch"], brng):
            yield batch_of(data["train"], idx)

    def evaluate(m):
        nll = rnn_nll(m, data["dev"])
        if plateau["best_dev_nll"] is None or nll < plateau["best_dev_nll"]:
            plateau["best_dev_nll"] = nll
        else:
            optimizer.lr *= lr_decay
        return {"dev_nll": nll, "lr": optimizer.lr}

    prefix = _member_prefix(k, members)
    return fit(
        model,
        batches,
        _loss,
        evaluate,
        optimizer=optimizer,
        epochs=t["epochs"],
        out_dir=out,
        metric="dev_nll",
        higher_is_better=False,
        clip=t["clip"],
        patience=t["patience"],
        seed=seed,
        progress=progress,
        checkpoint=f"{prefix}model.safetensors",
        log_name=f"{prefix}metrics.jsonl",
        state_name=f"{prefix}checkpoint.safetensors",
        max_minutes=t["max_minutes"],
        resume=resume,
        task_state=plateau,
    )


def load_names_run(run_dir):
    """(model, vocab, config) of a finished names run: a ``ConditionedGenerator``, or a ``GeneratorEnsemble``."""
    run, config = open_run(run_dir, "names")
    members = int(config.get("members", 1))
    model = ConditionedGenerator(**config["model"])
    if members > 1:
        model = GeneratorEnsemble([model] + [ConditionedGenerator(**config["model"]) for _ in range(members - 1)])
    return load_model(run / "model.safetensors", model), Vocab.load(run / "vocab.json"), config


def evaluate_names(run_dir, split="test") -> dict:
    """NLL/char of a saved generator and of the trigram baseline (refit on the run's train split) on ``split``."""
    model, vocab, config = load_names_run(run_dir)
    splits = _splits(config["train"]["seed"], config["train"].get("limit"))
    data = {s: encode_names(vocab, d) for s, d in splits.items()}
    tri, _ = baseline(vocab, data)
    result = {
        "task": "names",
        "split": split,
        "names": len(splits[split]),
        "chars": int(sum(len(t) for t in data[split][1])),
        "nll": rnn_nll(model, data[split]),
        "trigram_nll": tri.nll(data[split]),
    }
    result["relative_improvement"] = 1 - result["nll"] / result["trigram_nll"]
    return result


def generate_names(run_dir, language, count=10, seed=0, temperature=1.0, max_len=20) -> list[str]:
    """``count`` surnames of ``language`` drawn from a finished names run: at ``temperature`` (0 or, in the limit,
    a tiny one: always the likeliest letter), at most ``max_len`` characters each, from the generator ``seed``."""
    check_options(
        {"count": count, "max_len": max_len, "seed": seed}, {"count": "count", "max_len": "count", "seed": "natural"}
    )
    check_options({"temperature": temperature}, {"temperature": "non-negative"})
    model, vocab, config = load_names_run(run_dir)
    languages = config["languages"]
    if language not in languages:
        raise InvalidInput(f"--language: expected one of {', '.join(languages)}, got {language!r}")
    rng = np.random.default_rng(seed)
    lang = languages.index(language)
    return [
        "".join(vocab.decode(model.sample(lang, rng, temperature, max_len, banned=(vocab.unk_id,))))
        for _ in range(count)
    ]


def add_names_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/names")


def run_names(args) -> int:
    apply_quick(args, QUICK)
    result = train_with(train_names, OPTIONS, args)
    print(json.dumps(result))
    return 0


def run_names_generate(args) -> int:
    names = generate_names(args.run_dir, args.language, args.count, args.seed, args.temperature, args.max_len)
    print("\n".join(names))
    return 0
