"""The chapter's surname generator: a character RNN conditioned on one of 18 languages (a learned initial state and
a language vector beside every input character), trained on char-rnn "names" by ``elman.tasks.names.train_names``
and shipped in float16.

``build`` trains with the task's own function in a temporary folder, measures the shipped (float16) model's
NLL per character on the task's test split with the task's ``rnn_nll`` beside the trigram baseline the task
trained, and writes the files. Names are drawn with the model's own ``ConditionedGenerator.sample``.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from elman.chapter.models import WEIGHTS, files, write
from elman.chapter.models._ship import half, restore
from elman.data.names import encode_names, load_names, split_names
from elman.data.text import Vocab
from elman.models.generator import ConditionedGenerator
from elman.tasks.names import load_names_run, rnn_nll, train_names

NAME = "names"
SETTINGS = dict(
    condition="both",
    embed=32,
    hidden=256,
    layers=1,
    epochs=40,
    batch=64,
    lr=3e-3,
    dropout=0.1,
    clip=5.0,
    patience=40,
    cosine=True,
    members=1,
    seed=0,
    max_minutes=8.0,
)
QUICK = dict(SETTINGS, hidden=8, embed=8, epochs=1, limit=200, max_minutes=None)


class Names(NamedTuple):
    model: ConditionedGenerator
    vocab: Vocab
    languages: tuple
    meta: dict


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train, measure and write ``names.safetensors`` / ``names.json`` in ``out_dir``; returns the meta."""
    settings = QUICK if quick else SETTINGS
    with tempfile.TemporaryDirectory() as tmp:
        summary = train_names(tmp, verbose=False, **settings)
        model, vocab, config = load_names_run(tmp)
    tensors = half(model.state_dict(), "")
    meta = {
        "name": NAME,
        "model": config["model"],
        "languages": config["languages"],
        "itos": vocab.itos,
        "specials": list(vocab.specials),
        "data": "char-rnn names (18 languages), the task's seeded train/dev/test split",
        "settings": settings,
        "storage": "float16 (cast to float32 on load)",
        "trained_by": "elman.tasks.names.train_names",
        "quick": quick,
    }
    shipped = _load(tensors, meta)
    test = encode_names(shipped.vocab, split_names(load_names(), seed=settings["seed"])["test"])
    meta["quality"] = {
        "test_nll_per_char": rnn_nll(shipped.model, test),
        "test_names": len(test[0]),
        "trigram_test_nll_per_char": summary["trigram_test_nll"],
        "trained_test_nll_per_char": summary["test_nll"],
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "train_seconds": summary["seconds"],
    }
    write(NAME, tensors, meta, Path(out_dir))
    return meta


def _load(tensors: dict, meta: dict) -> Names:
    model = restore(ConditionedGenerator(**meta["model"]), tensors, "")
    return Names(model, Vocab(meta["itos"], specials=meta["specials"]), tuple(meta["languages"]), meta)


@cache
def _shipped() -> Names:
    return _load(*files(NAME))


def load(directory=None) -> Names:
    """(model, vocab, languages, meta): the shipped files (read once), or those ``build`` wrote to ``directory``."""
    return _shipped() if directory is None else _load(*files(NAME, directory))
