"""Part-of-speech tagging on UD English-EWT: an RNN tagger (uni- or bidirectional) with token accuracy and confusions.

``train_pos(out_dir)`` trains ``SequenceTagger`` (GloVe 50-d rows by default, lower-cased words plus word-shape
features, word dropout to ``<unk>``) on the 17 UPOS tags with bucketed shuffled batches, Adam and clipping through
``elman.train.supervised.fit``, keeping the best dev model. The run folder holds config.json (``"task": "pos"``),
vocab.json, model.safetensors, checkpoint.safetensors (the training state of the last completed epoch),
metrics.jsonl and summary.json. ``--resume`` continues the epochs from checkpoint.safetensors, then scores the best
model. ``evaluate_pos(run_dir, split)`` re-reads a finished run.

Accuracy counts real tokens only (padding masked). ``confusion_summary`` gives per-tag accuracy and the most
frequent (gold → predicted) confusions.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import bucket_batches, pad_sequences
from elman.data.conllu import UPOS_TAGS, load_ud
from elman.data.text import Vocab
from elman.io.checkpoint import load_model
from elman.models.tagger import SequenceTagger, shapes_of
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.loading import require_rows
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import open_run, train_run, write_json
from elman.train.supervised import fit

SPECIALS = ("<pad>", "<unk>")
# --quick: a smoke run of seconds
QUICK = dict(hidden=16, epochs=1, glove=False, limit=200, max_minutes=None)


def normalise(word: str, lower: bool = True) -> str:
    """The vocabulary key of a word: lower-cased (its case lives in the shape features) when ``lower``."""
    return word.lower() if lower else word


def encode(vocab: Vocab, sentences, lower=True, tags=None):
    """(ids, shapes, tag ids) lists of int64 arrays, one per sentence; tag ids None when ``tags`` is None."""
    ids = [vocab.encode([normalise(w, lower) for w in s]) for s in sentences]
    shapes = [shapes_of(s) for s in sentences]
    index = {t: i for i, t in enumerate(UPOS_TAGS)}
    y = None if tags is None else [np.array([index[t] for t in ts], dtype=np.int64) for ts in tags]
    return ids, shapes, y


def batch_of(data, idx, pad_id=0):
    """((ids (T, B), lengths (B,), shapes (T, B)), tags (T, B) or None) for sentences ``idx`` of ``data``."""
    ids, shapes, y = data
    padded, lengths, _ = pad_sequences([ids[i] for i in idx], pad_id, time_major=True)
    sh = pad_sequences([shapes[i] for i in idx], 0, time_major=True)[0]
    tags = None if y is None else pad_sequences([y[i] for i in idx], -100, time_major=True)[0]
    return (padded, lengths, sh), tags


def predict(model, data, batch=256) -> list[np.ndarray]:
    """Predicted tag ids per sentence (eval mode), in the order of ``data``."""
    was = model.training
    model.eval()
    out = []
    try:
        n = len(data[0])
        for start in range(0, n, batch):
            idx = range(start, min(start + batch, n))
            inputs, _ = batch_of(data, idx)
            pred = model(*inputs).argmax(axis=-1)  # (T, B)
            out.extend(pred[: inputs[1][b], b] for b in range(len(idx)))
    finally:
        model.train(was)
    return out


def token_accuracy(gold, pred) -> float:
    """Fraction of real tokens tagged right (lists of per-sentence arrays; padding never enters)."""
    g, p = np.concatenate(gold), np.concatenate(pred)
    return float((g == p).mean())


def confusion_matrix(gold, pred, num_tags: int = 17) -> np.ndarray:
    """(num_tags, num_tags) counts (17 = len(UPOS_TAGS)): row = gold tag, column = predicted tag."""
    m = np.zeros((num_tags, num_tags), dtype=np.int64)
    np.add.at(m, (np.concatenate(gold), np.concatenate(pred)), 1)
    return m


def confusion_summary(matrix, tags=UPOS_TAGS, top=10) -> dict:
    """Per-tag accuracy (with support) and the ``top`` most frequent off-diagonal (gold, predicted) pairs."""
    support = matrix.sum(axis=1)
    per_tag = {
        t: {"n": int(support[i]), "accuracy": round(float(matrix[i, i] / support[i]), 4) if support[i] else None}
        for i, t in enumerate(tags)
    }
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    confusions = [
        {"gold": tags[i], "predicted": tags[j], "count": int(off[i, j])}
        for i, j in zip(*np.unravel_index(order, off.shape))
        if off[i, j] > 0
    ]
    return {"per_tag": per_tag, "confusions": confusions}


def format_confusions(summary) -> str:
    lines = [f"{'tag':6s} {'n':>6s} {'acc':>7s}"]
    lines += [
        f"{t:6s} {r['n']:6d} {'-' if r['accuracy'] is None else format(r['accuracy'], '.4f'):>7s}"
        for t, r in summary["per_tag"].items()
    ]
    lines.append("most frequent confusions (gold -> predicted: count)")
    lines += [f"  {c['gold']} -> {c['predicted']}: {c['count']}" for c in summary["confusions"]]
    return "\n".join(lines)


def _build_vocab(train_words, other_words, vectors, min_freq) -> Vocab:
    """Training words seen ``min_freq`` times, plus any word (train/dev/test, no tags read) the vectors know."""
    vocab = Vocab.build(train_words, specials=SPECIALS, min_freq=min_freq)
    if vectors is None:
        return vocab
    seen, extra = set(vocab.itos), []
    for s in list(train_words) + list(other_words):
        for w in s:
            if w not in seen and w in vectors:
                seen.add(w)
                extra.append(w)
    return Vocab(vocab.itos + extra, specials=SPECIALS)


def _loss(logits, targets):
    return cross_entropy(logits, targets, ignore_index=-100)


def _batches_fn(data, batch):
    lengths = np.array([len(s) for s in data[0]])

    def make(epoch, rng):
        for idx in bucket_batches(lengths, batch, rng):
            yield batch_of(data, idx)

    return make


def _load_splits(limit, source):
    splits = {s: load_ud(s, source=source) for s in ("train", "dev", "test")}
    if limit is not None:
        splits = {s: d[:limit] for s, d in splits.items()}
    require_rows("ud-english-ewt", splits, source)
    return {s: ([w for w, _ in d], [t for _, t in d]) for s, d in splits.items()}


def train_pos(
    out_dir,
    *,
    hidden=128,
    layers=1,
    bidirectional=True,
    glove=True,
    freeze=False,
    lower=True,
    shape_dim=16,
    min_freq=2,
    word_dropout=0.05,
    epochs=8,
    batch=32,
    lr=2e-3,
    dropout=0.3,
    clip=5.0,
    patience=3,
    seed=0,
    limit=None,
    source=None,
    max_minutes=None,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (dev/test token accuracy, test confusions).

    ``out_dir`` must be absent or empty unless ``force`` (the old run is moved aside) or ``resume`` (continue the
    run there with its own options; see ``elman.tasks.runs``). ``source``: a folder of UD EWT .conllu files.
    """
    return train_run("pos", train_pos, _train, locals(), lambda o: check_options(o, kinds_of(OPTIONS)))


# the command line's options, in the order --help lists them; their defaults are train_pos's
OPTIONS = signature_options(
    train_pos,
    {
        "hidden": Option("hidden units of the RNN (per direction)", kind="count"),
        "layers": Option("stacked RNN layers", kind="count"),
        "bidirectional": Option("read each sentence both ways, so a tag sees the words after it too"),
        "glove": Option("GloVe 50-d initialisation of the embedding"),
        "freeze": Option("keep the pretrained embedding fixed"),
        "shape_dim": Option("word-shape feature size (0: none)", kind="natural"),
        "min_freq": Option("rarer training words (unknown to GloVe) -> <unk>", kind="count"),
        "word_dropout": Option("P(word -> <unk>) while training", kind="fraction"),
        "epochs": Option("passes over the training sentences", kind="count"),
        "batch": Option("sentences per update", kind="count"),
        "lr": Option("Adam's learning rate", kind="positive"),
        "dropout": Option("dropout probability on the RNN's inputs and outputs", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "patience": Option("stop after this many epochs without a better dev score", kind="count?"),
        "max_minutes": Option("stop after the epoch that passes this many minutes", type=float, kind="positive?"),
        "limit": Option("use the first N sentences of each split", type=int, kind="count?"),
        "seed": Option("seed of the initial weights, the batch order and dropout", kind="natural"),
    },
)


def _train(
    out,
    options,
    *,
    hidden,
    layers,
    bidirectional,
    glove,
    freeze,
    lower,
    shape_dim,
    min_freq,
    word_dropout,
    epochs,
    batch,
    lr,
    dropout,
    clip,
    patience,
    seed,
    limit,
    source,
    max_minutes,
    resume,
    progress,
    verbose,
) -> dict:
    splits = _load_splits(limit, source)
    vectors = None
    if glove:
        from elman.embeddings.vectors import WordVectors

        vectors = WordVectors.load("glove-6b-50d")
    norm = {s: [[normalise(w, lower) for w in sent] for sent in x] for s, (x, _) in splits.items()}
    vocab = _build_vocab(norm["train"], norm["dev"] + norm["test"], vectors, min_freq)
    rng = np.random.default_rng(seed)
    embedding, coverage = None, None
    if vectors is not None:
        from elman.embeddings.pretrained import embedding_for_vocab

        embedding, coverage = embedding_for_vocab(vectors, vocab.itos, freeze=freeze, padding_idx=vocab.pad_id, rng=rng)
    model = SequenceTagger(
        len(vocab),
        len(UPOS_TAGS),
        embed_dim=50,
        hidden_size=hidden,
        num_layers=layers,
        bidirectional=bidirectional,
        dropout=dropout,
        padding_idx=vocab.pad_id,
        unk_idx=vocab.unk_id,
        word_dropout=word_dropout,
        shape_dim=shape_dim,
        freeze_embedding=freeze,
        rng=rng,
        embedding=embedding,
    )
    config = {
        "task": "pos",
        "model": model.config(),
        "train": dict(
            glove=glove,
            lower=lower,
            min_freq=min_freq,
            epochs=epochs,
            batch=batch,
            lr=lr,
            clip=clip,
            patience=patience,
            seed=seed,
            limit=limit,
            max_minutes=max_minutes,
        ),
        "tags": list(UPOS_TAGS),
        "glove_coverage": coverage,
        "options": options,
    }
    vocab.save(out / "vocab.json")
    write_json(out / "config.json", config)
    data = {s: encode(vocab, x, lower, y) for s, (x, y) in splits.items()}

    def evaluate(m):
        return {"dev_accuracy": token_accuracy(data["dev"][2], predict(m, data["dev"]))}

    summary = fit(
        model,
        _batches_fn(data["train"], batch),
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
        max_minutes=max_minutes,
        resume=resume,
    )
    if verbose:
        print(f"pos: best epoch {summary['best_epoch']} {summary['best']}", file=sys.stderr)
    pred = predict(model, data["test"])
    result = {
        "task": "pos",
        "bidirectional": bidirectional,
        "dev_accuracy": summary["best"]["dev_accuracy"],
        "test_accuracy": token_accuracy(data["test"][2], pred),
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "seconds": summary["seconds"],
        "glove_coverage": coverage,
        "vocab_size": len(vocab),
        "test_confusions": confusion_summary(confusion_matrix(data["test"][2], pred)),
    }
    write_json(out / "summary.json", result)
    return result


def load_pos_run(run_dir):
    """(model, vocab, config) of a finished pos run."""
    run, config = open_run(run_dir, "pos")
    model = load_model(run / "model.safetensors", SequenceTagger(**config["model"]))
    return model, Vocab.load(run / "vocab.json"), config


def evaluate_pos(run_dir, split="test", *, source=None) -> dict:
    """Token accuracy of a saved tagger on a UD EWT split, with the confusion summary."""
    model, vocab, config = load_pos_run(run_dir)
    sents = load_ud(split, source=source)
    limit = config["train"].get("limit")
    if limit is not None:
        sents = sents[:limit]
    data = encode(vocab, [w for w, _ in sents], config["train"].get("lower", True), [t for _, t in sents])
    pred = predict(model, data)
    return {
        "task": "pos",
        "split": split,
        "sentences": len(sents),
        "tokens": int(sum(len(p) for p in pred)),
        "accuracy": token_accuracy(data[2], pred),
        "confusions": confusion_summary(confusion_matrix(data[2], pred)),
    }


def add_pos_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/pos")


def run_pos(args) -> int:
    apply_quick(args, QUICK)
    result = train_with(train_pos, OPTIONS, args)
    confusions = result.pop("test_confusions")
    print(json.dumps(result))
    print(format_confusions(confusions))
    return 0
