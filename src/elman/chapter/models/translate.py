"""The chapter's German → English translator: a small tanh-RNN encoder-decoder (bidirectional encoder, the
source read reversed, the mean of the encoder's states fed to every decoder step) trained on Multi30k by
``elman.tasks.translate.train_translate`` and shipped in float16.

``build`` trains with the task's own function in a temporary folder (words seen at least ``min_freq`` = 8
times in the training pairs, so that both vocabularies and the output layer stay small), scores the shipped
(float16) model with the task's ``score`` (sacreBLEU, lower-cased) on the first ``TEST_PAIRS`` sentences of the
2016 test set, greedy and with a beam, and writes the files. Translations go through the task's
``translate_details``.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from elman.chapter.models import WEIGHTS, files, write
from elman.chapter.models._ship import half, restore
from elman.data.multi30k import Vocabs, load_pairs
from elman.data.text import Vocab
from elman.models.seq2seq import Seq2Seq
from elman.tasks.translate import bleu_signature, load_translate_run, score, train_translate

NAME = "translate"
TEST_PAIRS = 300
SETTINGS = dict(
    embed=48,
    hidden=128,
    layers=1,
    bidirectional=True,
    reverse_source=True,
    feed_context=True,
    context="mean",
    epochs=10,
    batch=64,
    lr=2e-3,
    lr_decay=0.7,
    decay_from=3,
    dropout=0.2,
    label_smoothing=0.1,
    clip=1.0,
    min_freq=8,
    beam=3,
    alpha=1.0,
    seed=0,
    max_minutes=8.0,
)
QUICK = dict(SETTINGS, embed=16, hidden=24, epochs=1, min_freq=1, beam=2, limit=200, max_minutes=None)


class Translator(NamedTuple):
    model: Seq2Seq
    vocabs: Vocabs
    meta: dict


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train, score and write ``translate.safetensors`` / ``translate.json`` in ``out_dir``; returns the meta."""
    settings = QUICK if quick else SETTINGS
    with tempfile.TemporaryDirectory() as tmp:
        summary = train_translate(tmp, verbose=False, **settings)
        model, vocabs, config = load_translate_run(tmp)
    tensors = half(model.state_dict(), "")
    meta = {
        "name": NAME,
        "model": config["model"],
        "source_itos": vocabs.source.itos,
        "source_specials": list(vocabs.source.specials),
        "target_itos": vocabs.target.itos,
        "target_specials": list(vocabs.target.specials),
        "data": "Multi30k German-English (task 1), registered as multi30k",
        "settings": settings,
        "storage": "float16 (cast to float32 on load)",
        "trained_by": "elman.tasks.translate.train_translate",
        "quick": quick,
    }
    shipped = _load(tensors, meta)
    pairs = load_pairs("test")[: 20 if quick else TEST_PAIRS]
    greedy = score(shipped.model, shipped.vocabs, pairs)
    beamed = score(shipped.model, shipped.vocabs, pairs, beam=settings["beam"], alpha=settings["alpha"])
    meta["quality"] = {
        "test_pairs": len(pairs),
        "test_split": "test_2016_flickr (first pairs)",
        "test_bleu_greedy": greedy["bleu"],
        "test_bleu_beam": beamed["bleu"],
        "beam": settings["beam"],
        "bleu_signature": bleu_signature(),
        "trained_full_test_bleu_greedy": summary["test_bleu_greedy"],
        "trained_full_test_bleu_beam": summary["test_bleu_beam"],
        "test_ppl": summary["test_ppl"],
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "train_seconds": summary["train_seconds"],
        "vocab": summary["vocab"],
        "examples": [
            {"de": de, "en": en, "greedy": g, "beam": b}
            for (de, en), g, b in zip(pairs[:5], greedy["hypotheses"], beamed["hypotheses"])
        ],
    }
    write(NAME, tensors, meta, Path(out_dir))
    return meta


def _load(tensors: dict, meta: dict) -> Translator:
    model = restore(Seq2Seq(**meta["model"]), tensors, "")
    vocabs = Vocabs(
        Vocab(meta["source_itos"], specials=meta["source_specials"]),
        Vocab(meta["target_itos"], specials=meta["target_specials"]),
    )
    return Translator(model, vocabs, meta)


@cache
def _shipped() -> Translator:
    return _load(*files(NAME))


def load(directory=None) -> Translator:
    """(model, vocabs, meta): the shipped files (read once), or those ``build`` wrote to ``directory``."""
    return _shipped() if directory is None else _load(*files(NAME, directory))
