"""A sequence tagger: one label per token, tokens → Embedding (+ word shape) → RNN → Dropout → Linear per step.

Time-major: ids (T, B) int, lengths (B,) valid steps per column (padding after them), shapes (T, B) int word-shape
classes (only when ``shape_dim > 0``), logits (T, B, n_tags). Positions past a column's length carry the RNN's
zero output through the head (their logits are the bias): mask them out of the loss (``cross_entropy(mask=...)``).

Unknown words. Ids of words outside the vocabulary are ``unk_idx``; so that the ``<unk>`` row is trained, words
rarer than the vocabulary's ``min_freq`` map to it, and in training mode each real token is replaced by ``unk_idx``
with probability ``word_dropout`` (the model learns to tag from context and shape). Word shape: ``word_shape(w)``
packs capitalisation (lower / Title / ALLCAPS / other), has-digit, has-hyphen and a suffix class into one of
``N_SHAPES`` ids, embedded in ``shape_dim`` dimensions and concatenated to the word embedding.

    >>> import numpy as np
    >>> tagger = SequenceTagger(20, 5, embed_dim=8, hidden_size=6, bidirectional=True, rng=np.random.default_rng(0))
    >>> tagger(np.ones((4, 3), dtype=np.int64), np.array([4, 2, 1])).shape
    (4, 3, 5)
"""

from __future__ import annotations

import numpy as np

from elman.models.classifier import fitted_embedding
from elman.models.padded import padded_batch
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN

SUFFIXES = ("ing", "ed", "ly", "tion", "ness", "ment", "est", "er", "ous", "ful", "ble", "ive", "al", "ic", "s")
N_SHAPES = 4 * 2 * 2 * (len(SUFFIXES) + 1)


def word_shape(word: str) -> int:
    """The shape class of ``word``, in [0, N_SHAPES): ((case · 2 + has digit) · 2 + has hyphen) · S + suffix."""
    if word.islower() or not any(c.isalpha() for c in word):
        case = 0
    elif word.isupper() and len(word) > 1:
        case = 2
    elif word[:1].isupper() and (len(word) == 1 or word[1:].islower() or not any(c.isalpha() for c in word[1:])):
        case = 1
    else:
        case = 3
    lower = word.lower()
    suffix = next((i + 1 for i, s in enumerate(SUFFIXES) if len(lower) > len(s) + 1 and lower.endswith(s)), 0)
    digit, hyphen = int(any(c.isdigit() for c in word)), int("-" in word)
    return ((case * 2 + digit) * 2 + hyphen) * (len(SUFFIXES) + 1) + suffix


def shapes_of(words) -> np.ndarray:
    """``word_shape`` of each word, int64 (len(words),)."""
    return np.array([word_shape(w) for w in words], dtype=np.int64)


class SequenceTagger(Module):
    """Embedding (‖ shape Embedding) → RNN (tanh, uni- or bidirectional, stacked) → Dropout → Linear at each step.

    ``embedding``: an Embedding to use instead of a fresh one (e.g. ``embedding_for_vocab`` with GloVe rows);
    its shape must be (vocab_size, embed_dim). ``dropout`` applies to the RNN input, between stacked layers and to
    the outputs before the head. ``unk_idx`` / ``word_dropout``: see the module docstring.
    """

    def __init__(
        self,
        vocab_size,
        num_tags,
        embed_dim=50,
        hidden_size=128,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        padding_idx=0,
        unk_idx=1,
        word_dropout=0.0,
        shape_dim=0,
        freeze_embedding=False,
        *,
        dtype="float32",
        rng=None,
        embedding=None,
    ):
        super().__init__()
        if not 0.0 <= float(word_dropout) < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1), got {word_dropout!r}")
        if unk_idx is not None and not 0 <= int(unk_idx) < int(vocab_size):
            raise ValueError(f"unk_idx must be an id in [0, {vocab_size}) or None, got {unk_idx!r}")
        if word_dropout and unk_idx is None:
            raise ValueError("word_dropout > 0 needs an unk_idx to replace words with")
        self.rng = np.random.default_rng() if rng is None else rng
        self.vocab_size, self.num_tags, self.embed_dim = int(vocab_size), int(num_tags), int(embed_dim)
        self.hidden_size, self.num_layers, self.bidirectional = int(hidden_size), int(num_layers), bool(bidirectional)
        self.dropout, self.padding_idx, self.word_dropout = float(dropout), padding_idx, float(word_dropout)
        self.unk_idx = None if unk_idx is None else int(unk_idx)
        self.shape_dim, self.freeze_embedding = int(shape_dim), bool(freeze_embedding)
        if embedding is None:
            embedding = Embedding(vocab_size, embed_dim, padding_idx, dtype=dtype, rng=self.rng)
            embedding.params["weight"] *= 0.1
        self.embed = self.add_module("embed", fitted_embedding(embedding, vocab_size, embed_dim, self.freeze_embedding))
        self.shape_embed = None
        if self.shape_dim:
            self.shape_embed = self.add_module(
                "shape_embed", Embedding(N_SHAPES, self.shape_dim, dtype=dtype, rng=self.rng)
            )
            self.shape_embed.params["weight"] *= 0.1
        self.in_drop = self.add_module("in_drop", Dropout(dropout, rng=self.rng))
        self.rnn = self.add_module(
            "rnn",
            RNN(
                embed_dim + self.shape_dim,
                hidden_size,
                num_layers,
                "tanh",
                dropout=dropout,
                bidirectional=bidirectional,
                dtype=dtype,
                rng=self.rng,
            ),
        )
        self.drop = self.add_module("drop", Dropout(dropout, rng=self.rng))
        self.head = self.add_module(
            "head", Linear(hidden_size * self.rnn.num_directions, num_tags, dtype=dtype, rng=self.rng)
        )
        self.dtype = self.rnn.dtype

    def forward(self, ids, lengths=None, shapes=None):
        """ids (T, B) int, lengths (B,) in [1, T] or None (all T), shapes (T, B) int → logits (T, B, n_tags)."""
        ids, lengths, mask = padded_batch(ids, lengths)
        T, B = ids.shape
        if self.training and self.word_dropout > 0:
            drop = mask & (self.rng.random((T, B)) < self.word_dropout)
            ids = np.where(drop, self.unk_idx, ids)
        x = self.embed(ids)
        if self.shape_embed is not None:
            if shapes is None:
                raise ValueError(
                    f"this tagger has shape features (shape_dim={self.shape_dim}): pass shapes (T, B) "
                    f"= ({T}, {B}), got None"
                )
            shapes = np.asarray(shapes)
            if shapes.shape != (T, B):
                raise ValueError(f"shapes must have the shape of ids ({T}, {B}), got {shapes.shape}")
            x = np.concatenate([x, self.shape_embed(shapes)], axis=-1)
        output, _ = self.rnn(self.in_drop(x), None, None if np.all(lengths == T) else lengths)
        return self.head(self.drop(output.astype(self.dtype, copy=False)))

    def backward(self, d_logits) -> None:
        """dL/dlogits (T, B, n_tags) → gradients of every trainable parameter, through head, RNN and Embeddings."""
        d_output = self.drop.backward(self.head.backward(np.asarray(d_logits, dtype=self.dtype)))
        d_x, _ = self.rnn.backward(d_output, None)
        d_x = self.in_drop.backward(d_x)
        if self.shape_embed is not None:
            self.shape_embed.backward(np.ascontiguousarray(d_x[..., self.embed_dim :]))
            d_x = d_x[..., : self.embed_dim]
        self.embed.backward(np.ascontiguousarray(d_x))
