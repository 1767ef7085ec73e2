"""Starting a task model's Embedding from pretrained vectors (GloVe, or word2vec trained here)."""

from __future__ import annotations

import numpy as np

from elman.nn.layers import Embedding


def embedding_for_vocab(
    vectors,
    itos: list[str],
    *,
    freeze: bool = False,
    padding_idx: int | None = None,
    lowercase: bool = True,
    rng: np.random.Generator | None = None,
    dtype="float32",
) -> tuple[Embedding, float]:
    """An Embedding whose row i is the pretrained vector of ``itos[i]``; returns it and the coverage.

    Words the vectors do not know (specials like ``<unk>`` included) start as N(0, σ²) with σ the
    standard deviation of the pretrained table, so they are on the same scale; the padding row is zero.
    ``vectors`` is a ``WordVectors``; with ``lowercase`` a word is looked up lower-cased.
    """
    rng = np.random.default_rng() if rng is None else rng
    table = vectors.vectors
    weight = rng.standard_normal((len(itos), table.shape[1])) * float(table.std())
    found = 0
    for i, word in enumerate(itos):
        key = word.lower() if lowercase else word
        if key in vectors:
            weight[i] = vectors.vector(key)
            found += 1
    if padding_idx is not None:
        weight[padding_idx] = 0
    layer = Embedding.from_pretrained(weight.astype(dtype), freeze=freeze, padding_idx=padding_idx)
    return layer, found / max(len(itos), 1)
