"""The chapter's own word vectors: word2vec (skip-gram, negative sampling) trained here on the Brown corpus.

The step "Embeddings" uses GloVe 6B 50d when it is on this machine and these vectors otherwise (or on request).
``build`` trains :func:`elman.embeddings.word2vec.train_word2vec` on all of Brown, keeps the rows of the
``KEEP`` most frequent words, stores them as float16 (``vectors.safetensors``, under 1 MB) and records in
``vectors.json`` the data, the settings, the seed, the training time, the Google-analogy accuracy on the questions
the vocabulary covers and what king − man + woman gives. ``load`` returns them as a float32
:class:`~elman.embeddings.vectors.WordVectors`.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from elman.chapter.models import WEIGHTS, files, write
from elman.embeddings.analogy import evaluate
from elman.embeddings.vectors import WordVectors
from elman.embeddings.word2vec import Word2VecConfig, train_word2vec

NAME = "vectors"
KEEP = 5000
CONFIG = Word2VecConfig(dim=64, window=5, negative=5, min_count=5, sample=1e-3, epochs=10, seed=0)
QUICK = Word2VecConfig(dim=16, window=3, negative=3, min_count=2, sample=1e-3, epochs=1, seed=0)
QUICK_SENTENCES, QUICK_KEEP = 3000, 500


def _analogy(vectors: WordVectors, a: str, b: str, c: str) -> list | None:
    """The top 5 answers to ``a : b :: c : ?`` (b − a + c), or None when a word is missing."""
    if not all(w in vectors for w in (a, b, c)):
        return None
    return [[w, round(s, 4)] for w, s in vectors.analogy(a, b, c, topn=5)]


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train on Brown, keep the most frequent words, write ``vectors.safetensors`` + ``vectors.json``; returns the
    metadata written."""
    from elman.data.corpora import brown_sentences

    sentences = brown_sentences()
    config, keep = (QUICK, QUICK_KEEP) if quick else (CONFIG, KEEP)
    if quick:
        sentences = sentences[:QUICK_SENTENCES]
    stats: dict = {}
    start, cpu = time.perf_counter(), time.process_time()
    words, counts, W_in = train_word2vec(sentences, config, progress=False, stats=stats)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    stored = W_in[:keep].astype(np.float16)
    vectors = WordVectors(words[:keep], stored.astype(np.float32))  # what load() will return
    quality = evaluate(vectors, "google-analogy", restrict=None)
    meta = {
        "name": NAME,
        "kind": "word2vec skip-gram with negative sampling (elman.embeddings.word2vec)",
        "data": "brown (NLTK Brown corpus, all 500 samples, POS tags stripped, lower-cased; "
        "elman.data.corpora.brown_sentences)" + (f", first {QUICK_SENTENCES} sentences" if quick else ""),
        "sentences": len(sentences),
        "corpus_words": int(sum(len(s) for s in sentences)),
        "trained_vocabulary": len(words),
        "kept_words": len(vectors.words),
        "dim": config.dim,
        "storage": "float16 (cast to float32 on load)",
        "config": asdict(config),
        "quick": quick,
        "threads": "1 (OMP/OpenBLAS/MKL_NUM_THREADS=1 when built for shipping)",
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu, 1),
        "train_words_per_sec": round(stats.get("words_per_sec", 0.0)),
        "words": vectors.words,
        "quality": {
            "google_analogy_3cosadd": {k: quality[k] for k in ("semantic", "syntactic", "total", "skipped")},
            "king - man + woman": _analogy(vectors, "man", "king", "woman"),
            "paris - france + italy": _analogy(vectors, "france", "paris", "italy"),
        },
        "rebuild": "python -m elman.chapter.models vectors",
    }
    write(NAME, {"vectors": stored}, meta, Path(out_dir))
    return meta


def load(out_dir=None) -> WordVectors:
    """The shipped vectors (float32, most frequent word first); from ``out_dir`` instead when given (tests)."""
    tensors, meta = files(NAME, out_dir)
    return WordVectors(meta["words"], tensors["vectors"].astype(np.float32))


def info(out_dir=None) -> dict:
    """The shipped metadata without the word list (provenance and measured quality)."""
    meta = files(NAME, out_dir)[1]
    return {k: v for k, v in meta.items() if k != "words"}
