"""Sentence sentiment on SST and MR: an RNN classifier, a bag-of-words baseline, order probes.

``train_sentiment(out_dir)`` trains ``SequenceClassifier`` (GloVe 50-d initialisation by default) on SST-2, SST-5
or MR (sentence polarity, no official split: test fold ``fold`` of a seeded 10-fold deal, the next fold as dev,
see ``elman.data.polarity``) with bucketed shuffled batches, Adam, gradient clipping and dropout, keeping the
best dev model, then a bag-of-words logistic regression on the same tokens with the same optimiser. The run
folder holds config.json, vocab.json, model.safetensors and bow.safetensors (the best RNN and bag of words),
checkpoint.safetensors and bow_checkpoint.safetensors (their training states at the last completed epoch),
metrics.jsonl, bow_metrics.jsonl, probes.json and summary.json. ``evaluate_sentiment(run_dir, split)`` re-reads a
finished run.

``--resume`` continues the stage that was interrupted and skips those that finished: the RNN's epochs (from
checkpoint.safetensors), then the bag of words' (from bow_checkpoint.safetensors); the test scores and the probes
are computed again at the end.

Probes: sentence pairs whose meaning turns on word order or negation; the RNN's and the bag of words'
P(positive) are reported for each. The bag of words gives identical predictions for any permutation.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import bucket_batches, pad_sequences
from elman.data.polarity import load_polarity
from elman.data.sst import load_sst
from elman.data.text import Vocab
from elman.io.checkpoint import load_model
from elman.models.classifier import POOLINGS, BagOfWords, SequenceClassifier
from elman.nn.losses import cross_entropy
from elman.nn.softmax import softmax
from elman.optim import Adam
from elman.tasks.loading import require_rows
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import open_run, train_run, write_json
from elman.train.supervised import fit

SPECIALS = ("<pad>", "<unk>")
PROBES = [
    ("good", "not good"),
    ("bad", "not bad"),
    ("the movie was bad", "the movie was not bad"),
    ("the movie was good", "the movie was not good"),
    ("good , not great", "great , not good"),
    ("bad , not terrible", "terrible , not bad"),
    ("not bad , actually good", "not good , actually bad"),
    ("i expected it to be bad but it was good", "i expected it to be good but it was bad"),
    ("it is funny and not boring", "it is boring and not funny"),
    ("a great cast wasted on a dull script", "a dull cast wasted on a great script"),
]
DATASETS = ("sst2", "sst5", "mr")
# --quick: a smoke run of seconds
QUICK = dict(hidden=16, epochs=1, glove=False, phrases=False, bow_epochs=1, limit=200)


def encode(vocab: Vocab, sentences) -> list[np.ndarray]:
    return [vocab.encode(s) for s in sentences]


def batch_of(seqs, idx, pad_id=0):
    """(ids (T, B), lengths (B,)) for the sequences ``seqs[i]`` for i in idx."""
    padded, lengths, _ = pad_sequences([seqs[i] for i in idx], pad_id, time_major=True)
    return padded, lengths


def predict_proba(model, seqs, batch: int = 256) -> np.ndarray:
    """Class probabilities (N, C) in eval mode, in the order of ``seqs``."""
    was = model.training
    model.eval()
    out = []
    try:
        for start in range(0, len(seqs), batch):
            out.append(softmax(model(*batch_of(seqs, range(start, min(start + batch, len(seqs)))))))
    finally:
        model.train(was)
    return np.concatenate(out)


def accuracy(model, seqs, labels) -> float:
    return float((predict_proba(model, seqs).argmax(axis=1) == np.asarray(labels)).mean())


def load_split(dataset, split, *, phrases=False, fold=0, source=None):
    """(sentences, labels) of ``split`` of ``dataset``; ``phrases`` applies to SST only, ``fold`` to MR only."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if dataset == "mr":
        return load_polarity(split, fold=fold, source=source)
    return load_sst(split, binary=dataset == "sst2", phrases=phrases, source=source)


def p_positive(probs: np.ndarray) -> np.ndarray:
    """P(positive): class 1 for SST-2 and MR, classes 3 + 4 for SST-5."""
    return probs[:, 1] if probs.shape[1] == 2 else probs[:, 3:].sum(axis=1)


def probe_table(model, bow, vocab: Vocab, pairs=PROBES) -> list[dict]:
    """For each pair (a, b): P(positive) of a and b under the RNN and under the bag of words."""
    sents = [s for pair in pairs for s in pair]
    seqs = encode(vocab, [s.split() for s in sents])
    rnn, bag = p_positive(predict_proba(model, seqs)), p_positive(predict_proba(bow, seqs))
    return [
        {
            "a": a,
            "b": b,
            "rnn_a": round(float(rnn[2 * i]), 4),
            "rnn_b": round(float(rnn[2 * i + 1]), 4),
            "bow_a": round(float(bag[2 * i]), 4),
            "bow_b": round(float(bag[2 * i + 1]), 4),
            "same_bag": sorted(a.split()) == sorted(b.split()),
        }
        for i, (a, b) in enumerate(pairs)
    ]


def format_probes(rows) -> str:
    lines = [f"{'sentence a':40s} {'sentence b':40s}  RNN a  RNN b  BoW a  BoW b"]
    for r in rows:
        mark = "  (same bag)" if r["same_bag"] else ""
        lines.append(
            f"{r['a']:40s} {r['b']:40s}  {r['rnn_a']:.3f}  {r['rnn_b']:.3f}  {r['bow_a']:.3f}  {r['bow_b']:.3f}{mark}"
        )
    return "\n".join(lines)


def _build_vocab(train_sents, other_sents, vectors) -> Vocab:
    """Training tokens, plus (with pretrained vectors) dev/test tokens the vectors know (no labels are read)."""
    vocab = Vocab.build(train_sents, specials=SPECIALS)
    if vectors is None:
        return vocab
    seen, extra = set(vocab.itos), []
    for s in other_sents:
        for w in s:
            if w not in seen and w in vectors:
                seen.add(w)
                extra.append(w)
    return Vocab(vocab.itos + extra, specials=SPECIALS)


def _loss(logits, targets):
    return cross_entropy(logits, targets)


def _batches_fn(seqs, labels, batch):
    lengths = np.array([len(s) for s in seqs])
    labels = np.asarray(labels, dtype=np.int64)

    def make(epoch, rng):
        for idx in bucket_batches(lengths, batch, rng):
            yield batch_of(seqs, idx), labels[idx]

    return make


def train_sentiment(
    out_dir,
    *,
    dataset="sst2",
    hidden=128,
    layers=1,
    bidirectional=True,
    pooling="max",
    glove=True,
    freeze=False,
    phrases=True,
    epochs=6,
    batch=64,
    lr=2e-3,
    dropout=0.3,
    clip=5.0,
    patience=3,
    seed=0,
    bow=True,
    bow_epochs=10,
    limit=None,
    fold=0,
    source=None,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (dev/test accuracies, BoW test accuracy, probes).

    ``phrases`` (train on every labelled phrase) needs the SST trees and is ignored for MR; ``fold`` (0..9) picks
    MR's test fold and is ignored for SST. ``source`` is a folder of SST tree files or MR's zip file.
    ``out_dir`` must be absent or empty unless ``force`` (the old run is moved aside) or ``resume`` (continue the
    run there with its own options; see the module).
    """
    return train_run("sentiment", train_sentiment, _train, locals(), lambda o: check_options(o, kinds_of(OPTIONS)))


# the command line's options, in the order --help lists them; their defaults are train_sentiment's
OPTIONS = signature_options(
    train_sentiment,
    {
        "dataset": Option(
            "SST-2, SST-5, or MR sentence polarity (test fold --fold of a seeded 10-fold deal)", choices=DATASETS
        ),
        "fold": Option(
            "MR only: the test fold; the next fold is dev, the other eight train",
            choices=range(10),
            metavar="0..9",
            kind=("an integer from 0 to 9", lambda v: v in range(10)),
        ),
        "hidden": Option("hidden units of the RNN (per direction)", kind="count"),
        "layers": Option("stacked RNN layers", kind="count"),
        "bidirectional": Option("read each sentence both ways"),
        "pooling": Option(
            "how the RNN's states become one vector: the last one, their mean or their maximum", choices=POOLINGS
        ),
        "glove": Option("GloVe 50-d initialisation of the embedding"),
        "phrases": Option("train on every labelled phrase of the training trees; dev/test: sentences"),
        "freeze": Option("keep the pretrained embedding fixed"),
        "epochs": Option("passes over the training data (the RNN)", kind="count"),
        "batch": Option("sentences per update", kind="count"),
        "lr": Option("Adam's learning rate (both models)", kind="positive"),
        "dropout": Option("dropout probability on the pooled vector", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "patience": Option("stop after this many epochs without a better dev score", kind="count?"),
        "bow_epochs": Option("passes over the training data (the bag of words)", kind="count"),
        "bow": Option("train the bag-of-words baseline beside the RNN (--no-bow: skip it)"),
        "limit": Option("use the first N sentences of each split", type=int, kind="count?"),
        "seed": Option("seed of the initial weights, the batch order and dropout", kind="natural"),
    },
)


def _load_splits(dataset, phrases, fold, limit, source):
    name = "mr-polarity" if dataset == "mr" else "sst"
    splits = {
        s: load_split(dataset, s, phrases=phrases and s == "train", fold=fold, source=source)
        for s in ("train", "dev", "test")
    }
    if limit is not None:
        splits = {s: (x[:limit], y[:limit]) for s, (x, y) in splits.items()}
    require_rows(name, {s: x for s, (x, _) in splits.items()}, source)
    return splits


def _train(
    out,
    options,
    *,
    dataset,
    hidden,
    layers,
    bidirectional,
    pooling,
    glove,
    freeze,
    phrases,
    epochs,
    batch,
    lr,
    dropout,
    clip,
    patience,
    seed,
    bow,
    bow_epochs,
    limit,
    fold,
    source,
    resume,
    progress,
    verbose,
) -> dict:
    phrases = phrases and dataset != "mr"
    fold = fold if dataset == "mr" else None
    splits = _load_splits(dataset, phrases, fold, limit, source)
    vectors = None
    if glove:
        from elman.embeddings.vectors import WordVectors

        vectors = WordVectors.load("glove-6b-50d")
    vocab = _build_vocab(splits["train"][0], splits["dev"][0] + splits["test"][0], vectors)
    rng = np.random.default_rng(seed)
    embedding, coverage = None, None
    if vectors is not None:
        from elman.embeddings.pretrained import embedding_for_vocab

        embedding, coverage = embedding_for_vocab(vectors, vocab.itos, freeze=freeze, padding_idx=vocab.pad_id, rng=rng)
    num_classes = 5 if dataset == "sst5" else 2
    model = SequenceClassifier(
        len(vocab),
        num_classes,
        embed_dim=50,
        hidden_size=hidden,
        num_layers=layers,
        bidirectional=bidirectional,
        pooling=pooling,
        dropout=dropout,
        padding_idx=vocab.pad_id,
        freeze_embedding=freeze,
        rng=rng,
        embedding=embedding,
    )
    config = {
        "task": "sentiment",
        "model": model.config(),
        "train": dict(
            dataset=dataset,
            glove=glove,
            phrases=phrases,
            epochs=epochs,
            batch=batch,
            lr=lr,
            clip=clip,
            patience=patience,
            seed=seed,
            bow_epochs=bow_epochs,
            limit=limit,
            fold=fold,
        ),
        "glove_coverage": coverage,
        "options": options,
    }
    vocab.save(out / "vocab.json")
    write_json(out / "config.json", config)
    seqs = {s: encode(vocab, x) for s, (x, _) in splits.items()}
    labels = {s: y for s, (_, y) in splits.items()}

    def evaluate(m):
        return {"dev_accuracy": accuracy(m, seqs["dev"], labels["dev"])}

    def report(name):
        def show(summary):
            if verbose:
                print(f"{name}: best epoch {summary['best_epoch']} {summary['best']}", file=sys.stderr)

        return show

    summary = fit(
        model,
        _batches_fn(seqs["train"], labels["train"], batch),
        _loss,
        evaluate,
        optimizer=Adam(model.params, lr=lr),
        epochs=epochs,
        out_dir=out,
        metric="dev_accuracy",
        clip=clip,
        patience=patience,
        seed=seed,
        progress=progress,
        resume=resume,
    )
    report("rnn")(summary)
    result = {
        "dataset": dataset,
        "fold": fold,
        "dev_accuracy": summary["best"]["dev_accuracy"],
        "test_accuracy": accuracy(model, seqs["test"], labels["test"]),
        "best_epoch": summary["best_epoch"],
        "seconds": summary["seconds"],
        "glove_coverage": coverage,
        "vocab_size": len(vocab),
    }
    if bow:
        bag = BagOfWords(len(vocab), num_classes)
        bow_summary = fit(
            bag,
            _batches_fn(seqs["train"], labels["train"], batch),
            _loss,
            evaluate,
            optimizer=Adam(bag.params, lr=lr),
            epochs=bow_epochs,
            out_dir=out,
            metric="dev_accuracy",
            clip=clip,
            patience=patience,
            seed=seed,
            checkpoint="bow.safetensors",
            log_name="bow_metrics.jsonl",
            state_name="bow_checkpoint.safetensors",
            resume=resume,
        )
        report("bow")(bow_summary)
        result.update(
            bow_dev_accuracy=bow_summary["best"]["dev_accuracy"],
            bow_test_accuracy=accuracy(bag, seqs["test"], labels["test"]),
        )
        result["probes"] = probe_table(model, bag, vocab)
        write_json(out / "probes.json", result["probes"])
    write_json(out / "summary.json", result)
    return result


def load_sentiment_run(run_dir):
    """(model, bag of words or None, vocab, config) of a run written by ``train_sentiment``."""
    run, config = open_run(run_dir, "sentiment")
    model = load_model(run / "model.safetensors", SequenceClassifier(**config["model"]))
    bag = None
    if (run / "bow.safetensors").exists():
        m = config["model"]
        bag = load_model(run / "bow.safetensors", BagOfWords(m["vocab_size"], m["num_classes"]))
    return model, bag, Vocab.load(run / "vocab.json"), config


def evaluate_sentiment(run_dir, split="test", *, source=None) -> dict:
    """Accuracy of the saved RNN (and bag of words, when saved) on a split of its dataset, with the probe table."""
    model, bag, vocab, config = load_sentiment_run(run_dir)
    train = config["train"]
    x, y = load_split(train["dataset"], split, fold=train.get("fold") or 0, source=source)
    limit = config["train"].get("limit")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    seqs = encode(vocab, x)
    result = {"split": split, "n": len(y), "accuracy": accuracy(model, seqs, y)}
    if bag is not None:
        result["bow_accuracy"] = accuracy(bag, seqs, y)
        result["probes"] = probe_table(model, bag, vocab)
    return result


def add_sentiment_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/sentiment")


def run_sentiment(args) -> int:
    apply_quick(args, QUICK)
    result = train_with(train_sentiment, OPTIONS, args)
    probes = result.pop("probes", None)
    print(json.dumps(result))
    if probes:
        print(format_probes(probes))
    return 0
