"""The chapter's word-level language model: Brown corpus, lower-cased, one tanh RNN layer, trained here.

The step "Hidden state" reads typed text with it: the state h_t after every word, and the next-word
distribution after every prefix. ``build`` trains :class:`~elman.models.language_model.LanguageModel` with the
library's truncated-BPTT loop (:class:`~elman.train.loop.LMTrainer`) on the Brown sentences (every 20th sentence
held out for validation), each sentence followed by ``<eos>`` and the state restarting after it, so the model
always reads a sentence from a zero state, as the chapter does. The vocabulary is the 9000 most frequent
training words (enough for "cat" and "cats", the 4546th and 5380th, and every subject of the chapter's agreement
probe) plus ``CHAPTER_WORDS``, the words of the chapter's own examples that Brown holds too rarely for that cut
("mat": 4 times in the training sentences); every other word is ``<unk>``.

Storage (``word_lm.safetensors``, about 1.8 MB): the two vocabulary-sized matrices (embedding rows and output
rows) as int8 with one float32 scale per row (w ≈ q · scale, |q| ≤ 127), everything else float16; ``load``
casts back to float32. The validation perplexity in ``word_lm.json`` is measured on these stored weights.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import asdict
from functools import cache
from pathlib import Path

import numpy as np

from elman.chapter.models import WEIGHTS, files, write
from elman.data.text import Vocab
from elman.models.language_model import LanguageModel
from elman.train.loop import LMTrainer, TrainConfig, evaluate

NAME = "word_lm"
SEED = 0
SPECIALS = ("<unk>", "<eos>")
VAL_EVERY = 20  # sentence i is held out when i % 20 == 19
ROW_QUANTISED = ("embed.weight", "head.weight")  # (V, ·) matrices stored as int8 rows
# "The cat sat on the [mat]" and "The cat, which sat on the mat near the window overlooking the garden, was …":
# in the vocabulary whatever their frequency (the training text has "mat" 4 times, "overlooking" twice).
CHAPTER_WORDS = ("mat", "overlooking")
FULL = {
    "vocab": 9000,
    "embed": 64,
    "hidden": 128,
    "sentences": None,
    "train": TrainConfig(
        batch_size=32,
        bptt=35,
        lr=3e-3,
        schedule="cosine",
        min_lr=3e-4,
        clip=5.0,
        max_steps=2800,
        max_minutes=30,
        eval_every=700,
        checkpoint_every=10**9,
        seed=SEED,
        log_every=50,
        progress=False,
    ),
}
QUICK = {
    "vocab": 200,
    "embed": 8,
    "hidden": 16,
    "sentences": 2000,
    "train": TrainConfig(
        batch_size=8,
        bptt=10,
        lr=1e-2,
        clip=5.0,
        max_steps=30,
        eval_every=10**9,
        checkpoint_every=10**9,
        seed=SEED,
        progress=False,
    ),
}


def split(sentences: list) -> tuple[list, list]:
    """(training, validation) sentences: every ``VAL_EVERY``-th sentence is held out."""
    return (
        [s for i, s in enumerate(sentences) if i % VAL_EVERY != VAL_EVERY - 1],
        [s for i, s in enumerate(sentences) if i % VAL_EVERY == VAL_EVERY - 1],
    )


def encode(vocab: Vocab, sentences: list) -> np.ndarray:
    """One id stream: each sentence's ids followed by ``<eos>``."""
    return np.concatenate([vocab.encode(s + ["<eos>"]) for s in sentences])


def with_words(vocab: Vocab, words, sentences: list) -> Vocab:
    """``vocab`` with ``words`` appended, those of them that occur in ``sentences`` and are not in it yet."""
    seen = {w for s in sentences for w in s}
    extra = [w for w in words if w in seen and w not in vocab]
    return Vocab(vocab.itos + extra, specials=SPECIALS) if extra else vocab


def _quantise(params: dict) -> dict:
    tensors = {}
    for name, w in params.items():
        if name in ROW_QUANTISED:
            scale = np.abs(w).max(axis=1).astype(np.float32) / 127
            scale[scale == 0] = 1
            tensors[name + ".q"] = np.round(w / scale[:, None]).astype(np.int8)
            tensors[name + ".scale"] = scale
        else:
            tensors[name] = w.astype(np.float16)
    return tensors


def _model(tensors: dict, meta: dict) -> tuple[LanguageModel, Vocab]:
    vocab = Vocab(meta["vocab"], specials=SPECIALS)
    model = LanguageModel(len(vocab), meta["embed_dim"], meta["hidden_size"], 1, rng=np.random.default_rng(SEED))
    params = {name: tensors[name].astype(np.float32) for name in model.params if name not in ROW_QUANTISED}
    for name in ROW_QUANTISED:
        params[name] = tensors[name + ".q"].astype(np.float32) * tensors[name + ".scale"][:, None]
    model.load_state_dict(params)
    model.eval()
    return model, vocab


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train on Brown, write ``word_lm.safetensors`` + ``word_lm.json``; returns the metadata written."""
    from elman.data.corpora import brown_sentences

    setting = QUICK if quick else FULL
    sentences = brown_sentences()
    if setting["sentences"]:
        sentences = sentences[: setting["sentences"]]
    train, val = split(sentences)
    vocab = with_words(Vocab.build(train, max_size=setting["vocab"], specials=SPECIALS), CHAPTER_WORDS, train)
    train_ids, val_ids = encode(vocab, train), encode(vocab, val)
    config = setting["train"]
    config = TrainConfig(**{**asdict(config), "boundary_token": vocab.stoi["<eos>"]})
    model = LanguageModel(len(vocab), setting["embed"], setting["hidden"], 1, rng=np.random.default_rng(SEED))
    start, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        result = LMTrainer(model, train_ids, val_ids, config, Path(tmp)).run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu

    def nll(m):
        return evaluate(
            m, val_ids, batch_size=config.eval_batch_size, bptt=config.bptt, boundary_token=config.boundary_token
        )

    trained_nll = nll(model)
    tensors = _quantise(model.params)
    meta = {"name": NAME, "vocab": vocab.itos, "embed_dim": setting["embed"], "hidden_size": setting["hidden"]}
    stored_nll = nll(_model(tensors, meta)[0])
    meta.update(
        {
            "kind": "word-level language model: Embedding -> 1-layer tanh RNN -> Linear (elman.models.LanguageModel)",
            "data": "brown (NLTK Brown corpus, POS tags stripped, lower-cased; elman.data.corpora.brown_sentences), "
            f"every {VAL_EVERY}th sentence held out for validation, <eos> after each sentence and the state "
            "restarting after it" + (f"; first {setting['sentences']} sentences (quick)" if quick else ""),
            "sentences": {"train": len(train), "validation": len(val)},
            "tokens": {"train": int(train_ids.size), "validation": int(val_ids.size)},
            "unk_rate": {
                "train": float(np.mean(train_ids == vocab.unk_id)),
                "validation": float(np.mean(val_ids == vocab.unk_id)),
            },
            "vocab_size": len(vocab),
            "seed": SEED,
            "quick": quick,
            "vocab_rule": f"the {setting['vocab']} most frequent training words, then the chapter's example words "
            f"{list(CHAPTER_WORDS)} where the training text has them (counts: "
            + ", ".join(f"{w} {sum(s.count(w) for s in train)}" for w in CHAPTER_WORDS)
            + ")",
            "train_config": {k: v for k, v in asdict(config).items() if k not in ("progress",)},
            "threads": "1 (OMP/OpenBLAS/MKL_NUM_THREADS=1 when built for shipping)",
            "train_seconds": round(seconds, 1),
            "train_cpu_seconds": round(cpu, 1),
            "steps": result["steps"],
            "stopped": result["stopped"],
            "train_tokens_seen": int(result["tokens"]),
            "storage": "embed.weight and head.weight as int8 rows with float32 per-row scales, the rest float16; "
            "cast to float32 on load",
            "quality": {
                "validation_nll_nats": stored_nll,
                "validation_perplexity": math.exp(stored_nll),
                "validation_perplexity_before_storage": math.exp(trained_nll),
                "note": "measured on the stored (quantised) weights over the held-out sentences, <unk> and "
                "<eos> counted as tokens",
            },
            "rebuild": "python -m elman.chapter.models word_lm",
        }
    )
    write(NAME, tensors, meta, Path(out_dir))
    return meta


@cache
def load(out_dir=None) -> tuple[LanguageModel, Vocab, dict]:
    """(model in eval mode, its vocabulary, the metadata without the word list), from the shipped files or from
    ``out_dir`` (tests). Cached: callers only read it."""
    tensors, meta = files(NAME, out_dir)
    model, vocab = _model(tensors, meta)
    return model, vocab, {k: v for k, v in meta.items() if k != "vocab"}
