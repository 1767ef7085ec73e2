"""The chapter's part-of-speech tagger: a small bidirectional RNN over lower-cased words plus word-shape
features, tagging the 17 UPOS tags, trained on UD English-EWT by ``elman.tasks.pos.train_pos``.

``build`` trains with the task's own function in a temporary folder (no GloVe; training words seen at least
``min_freq`` times, about 4,800 of them; rarer and unseen words are ``<unk>``, tagged from context and shape),
measures the shipped (float16) tagger's token accuracy on the EWT test split with the task's ``predict`` and
``token_accuracy``, and writes the files.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from elman.chapter.models import WEIGHTS, files, write
from elman.chapter.models._ship import half, restore
from elman.data.conllu import load_ud
from elman.data.text import Vocab
from elman.models.tagger import SequenceTagger
from elman.tasks.pos import encode, load_pos_run, predict, token_accuracy, train_pos

NAME = "pos"
SETTINGS = dict(
    hidden=64,
    layers=1,
    bidirectional=True,
    glove=False,
    lower=True,
    shape_dim=16,
    min_freq=4,
    word_dropout=0.05,
    epochs=8,
    batch=32,
    lr=2e-3,
    dropout=0.3,
    clip=5.0,
    patience=2,
    seed=0,
    max_minutes=6.0,
)
QUICK = dict(SETTINGS, hidden=8, epochs=1, min_freq=1, limit=200, max_minutes=None)


class Tagger(NamedTuple):
    model: SequenceTagger
    vocab: Vocab
    tags: tuple
    lower: bool
    meta: dict


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train, measure and write ``pos.safetensors`` / ``pos.json`` in ``out_dir``; returns the meta."""
    settings = QUICK if quick else SETTINGS
    with tempfile.TemporaryDirectory() as tmp:
        summary = train_pos(tmp, verbose=False, **settings)
        model, vocab, config = load_pos_run(tmp)
    tensors = half(model.state_dict(), "")
    meta = {
        "name": NAME,
        "model": config["model"],
        "tags": config["tags"],
        "lower": config["train"]["lower"],
        "itos": vocab.itos,
        "specials": list(vocab.specials),
        "data": "Universal Dependencies English-EWT (UPOS tags), registered as ud-english-ewt",
        "settings": settings,
        "storage": "float16 (cast to float32 on load)",
        "trained_by": "elman.tasks.pos.train_pos",
        "quick": quick,
    }
    shipped = _load(tensors, meta)
    sents = load_ud("test")
    if settings.get("limit"):
        sents = sents[: settings["limit"]]
    data = encode(shipped.vocab, [w for w, _ in sents], shipped.lower, [t for _, t in sents])
    meta["quality"] = {
        "test_token_accuracy": token_accuracy(data[2], predict(shipped.model, data)),
        "test_sentences": len(sents),
        "test_tokens": int(sum(len(t) for t in data[2])),
        "trained_test_accuracy": summary["test_accuracy"],
        "dev_accuracy": summary["dev_accuracy"],
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "train_seconds": summary["seconds"],
    }
    write(NAME, tensors, meta, Path(out_dir))
    return meta


def _load(tensors: dict, meta: dict) -> Tagger:
    model = restore(SequenceTagger(**meta["model"]), tensors, "")
    return Tagger(model, Vocab(meta["itos"], specials=meta["specials"]), tuple(meta["tags"]), bool(meta["lower"]), meta)


@cache
def _shipped() -> Tagger:
    return _load(*files(NAME))


def load(directory=None) -> Tagger:
    """(model, vocab, tags, lower, meta): the shipped files (read once), or those ``build`` wrote to ``directory``."""
    return _shipped() if directory is None else _load(*files(NAME, directory))
