"""The chapter's sentence-sentiment model: a small bidirectional RNN classifier (and its bag-of-words baseline)
on SST-2, trained by ``elman.tasks.sentiment.train_sentiment`` and shipped with a 5,000-word vocabulary.

``build`` trains with the task's own function in a temporary folder (no GloVe, every labelled training phrase),
keeps the ``VOCAB`` most frequent training words (the task's vocabulary is already ordered by count; rarer words
become ``<unk>``, whose row is set to the mean of the rows dropped), measures the trimmed models on the SST-2
test sentences with the task's ``accuracy`` and ``probe_table``, and writes float16 weights. ``load`` casts them
back to float32.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from elman.chapter.models import WEIGHTS, files, write
from elman.chapter.models._ship import half, restore
from elman.data.text import Vocab
from elman.models.classifier import BagOfWords, SequenceClassifier
from elman.tasks.sentiment import (
    SPECIALS,
    accuracy,
    encode,
    load_sentiment_run,
    load_split,
    probe_table,
    train_sentiment,
)

NAME = "sentiment"
VOCAB = 5000  # most frequent training words kept
SETTINGS = dict(
    dataset="sst2",
    hidden=64,
    layers=1,
    bidirectional=True,
    pooling="max",
    glove=False,
    phrases=True,
    epochs=4,
    batch=64,
    lr=2e-3,
    dropout=0.3,
    clip=5.0,
    patience=2,
    seed=0,
    bow=True,
    bow_epochs=8,
)
QUICK = dict(SETTINGS, hidden=8, phrases=False, epochs=1, bow_epochs=1, limit=300)


class Sentiment(NamedTuple):
    model: SequenceClassifier
    bag: BagOfWords
    vocab: Vocab
    meta: dict


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train, trim, measure and write ``sentiment.safetensors`` / ``sentiment.json`` in ``out_dir``; the meta."""
    settings = QUICK if quick else SETTINGS
    with tempfile.TemporaryDirectory() as tmp:
        summary = train_sentiment(tmp, verbose=False, **settings)
        model, bag, vocab, config = load_sentiment_run(tmp)
    keep = min(len(vocab), len(SPECIALS) + VOCAB)
    small_vocab = Vocab(vocab.itos[:keep], specials=SPECIALS)
    small = SequenceClassifier(**{**config["model"], "vocab_size": keep})
    small.load_state_dict({k: _trim(v, keep) if k == "embed.weight" else v for k, v in model.state_dict().items()})
    small_bag = BagOfWords(keep, config["model"]["num_classes"])
    small_bag.load_state_dict({k: _trim(v, keep) if k == "weight" else v for k, v in bag.state_dict().items()})
    tensors = {**half(small.state_dict(), "rnn."), **half(small_bag.state_dict(), "bow.")}
    meta = {
        "name": NAME,
        "model": {**config["model"], "vocab_size": keep},
        "itos": small_vocab.itos,
        "specials": list(SPECIALS),
        "data": "SST-2 (Stanford Sentiment Treebank, binary; train on every labelled "
        "phrase, dev/test sentences), registered as sst-trees",
        "settings": settings,
        "vocab_kept": VOCAB,
        "full_vocab_size": len(vocab),
        "storage": "float16 (cast to float32 on load)",
        "trained_by": "elman.tasks.sentiment.train_sentiment",
        "quick": quick,
    }
    shipped = _load(tensors, meta)  # measured on what is shipped: trimmed vocabulary, float16 weights
    x, y = load_split("sst2", "test")
    if settings.get("limit"):
        x, y = x[: settings["limit"]], y[: settings["limit"]]
    seqs = encode(small_vocab, x)
    meta["quality"] = {
        "test_sentences": len(y),
        "test_accuracy": accuracy(shipped.model, seqs, y),
        "bow_test_accuracy": accuracy(shipped.bag, seqs, y),
        "full_vocab_test_accuracy": summary["test_accuracy"],
        "full_vocab_bow_test_accuracy": summary.get("bow_test_accuracy"),
        "dev_accuracy_while_training": summary["dev_accuracy"],
        "best_epoch": summary["best_epoch"],
        "train_seconds": summary["seconds"],
    }
    meta["probes"] = probe_table(shipped.model, shipped.bag, small_vocab)
    write(NAME, tensors, meta, Path(out_dir))
    return meta


def _trim(rows, keep: int):
    """The first ``keep`` rows of a per-word table; the ``<unk>`` row becomes the mean of the rows dropped, so a
    rare word reads as an average rare word rather than as the never-trained ``<unk>`` row."""
    out = rows[:keep].copy()
    if len(rows) > keep:
        out[SPECIALS.index("<unk>")] = rows[keep:].mean(axis=0)
    return out


def _load(tensors: dict, meta: dict) -> Sentiment:
    cfg = meta["model"]
    return Sentiment(
        restore(SequenceClassifier(**cfg), tensors, "rnn."),
        restore(BagOfWords(cfg["vocab_size"], cfg["num_classes"]), tensors, "bow."),
        Vocab(meta["itos"], specials=meta["specials"]),
        meta,
    )


@cache
def _shipped() -> Sentiment:
    return _load(*files(NAME))


def load(directory=None) -> Sentiment:
    """(model, bag, vocab, meta): the shipped files (read once), or those ``build`` wrote to ``directory``."""
    return _shipped() if directory is None else _load(*files(NAME, directory))
