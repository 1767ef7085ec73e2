"""A sequence classifier: tokens → Embedding → RNN → pooled state → Dropout → Linear → class logits.

Time-major: ids (T, B) int, lengths (B,) valid steps per column (padding after them), logits (B, C).
Pooling of the top layer's states into one vector per sequence, (B, D·H) with D = 2 when bidirectional:

* ``"last"``: h_n, i.e. the forward direction's state at step lengths-1 and, when bidirectional, the
  reverse direction's state at step 0 (which has read the whole sequence backwards);
* ``"mean"``: the average of the outputs over the valid steps;
* ``"max"``: the element-wise maximum of the outputs over the valid steps (gradient to the argmax step).

    >>> import numpy as np
    >>> model = SequenceClassifier(20, 2, embed_dim=8, hidden_size=6, bidirectional=True, rng=np.random.default_rng(0))
    >>> model(np.ones((5, 3), dtype=np.int64), np.array([5, 2, 1])).shape
    (3, 2)
"""

from __future__ import annotations

import numpy as np

from elman.errors import InvalidInput
from elman.models.padded import padded_batch
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN

POOLINGS = ("last", "mean", "max")


def fitted_embedding(embedding: Embedding, vocab_size: int, embed_dim: int, freeze: bool) -> Embedding:
    """``embedding`` checked to be (vocab_size, embed_dim) and frozen when ``freeze`` (frozen rows are not trained:
    they stay out of what an optimiser sees); a frozen table where a trainable one is asked for is refused."""
    if embedding.weight.shape != (vocab_size, embed_dim):
        raise InvalidInput(f"embedding must have shape ({vocab_size}, {embed_dim}), got {embedding.weight.shape}")
    if freeze and "weight" in embedding.params:
        embedding.freeze("weight")
    elif not freeze and "weight" in embedding.frozen:
        raise InvalidInput("embedding is frozen but freeze_embedding=False: build it with freeze=False to train it")
    return embedding


class SequenceClassifier(Module):
    """Embedding → RNN (tanh, optionally bidirectional and stacked) → pooling → Dropout → Linear.

    ``embedding``: an Embedding to use instead of a fresh one (e.g. from ``embedding_for_vocab``, frozen or
    not); its shape must be (vocab_size, embed_dim). ``dropout`` applies to the pooled vector (and between
    stacked RNN layers).
    """

    def __init__(
        self,
        vocab_size,
        num_classes,
        embed_dim=50,
        hidden_size=128,
        num_layers=1,
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        padding_idx=0,
        freeze_embedding=False,
        *,
        dtype="float32",
        rng=None,
        embedding=None,
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        rng = np.random.default_rng() if rng is None else rng
        self.vocab_size, self.num_classes, self.embed_dim = int(vocab_size), int(num_classes), int(embed_dim)
        self.hidden_size, self.num_layers, self.bidirectional = int(hidden_size), int(num_layers), bool(bidirectional)
        self.pooling, self.dropout, self.padding_idx = pooling, float(dropout), padding_idx
        self.freeze_embedding = bool(freeze_embedding)
        if embedding is None:
            embedding = Embedding(vocab_size, embed_dim, padding_idx, dtype=dtype, rng=rng)
            embedding.params["weight"] *= 0.1  # N(0, 0.01): the scale of trained word vectors
        self.embed = self.add_module("embed", fitted_embedding(embedding, vocab_size, embed_dim, self.freeze_embedding))
        self.rnn = self.add_module(
            "rnn",
            RNN(
                embed_dim,
                hidden_size,
                num_layers,
                "tanh",
                dropout=dropout,
                bidirectional=bidirectional,
                dtype=dtype,
                rng=rng,
            ),
        )
        self.drop = self.add_module("drop", Dropout(dropout, rng=rng))
        self.head = self.add_module(
            "head", Linear(hidden_size * self.rnn.num_directions, num_classes, dtype=dtype, rng=rng)
        )
        self.dtype = self.rnn.dtype

    def forward(self, ids, lengths=None):
        """ids (T, B) int, lengths (B,) in [1, T] or None (all T) → logits (B, C)."""
        ids, lengths, mask = padded_batch(ids, lengths)  # mask (T, B)
        T, B = ids.shape
        output, h_n = self.rnn(self.embed(ids), None, lengths)
        D = self.rnn.num_directions
        if self.pooling == "last":
            pooled = np.concatenate(list(h_n[-D:]), axis=-1)  # (B, D·H)
            argmax = None
        elif self.pooling == "mean":
            pooled = (output * mask[..., None]).sum(axis=0) / lengths[:, None].astype(self.dtype)
            argmax = None
        else:
            masked = np.where(mask[..., None], output, -np.inf)
            argmax = masked.argmax(axis=0)  # (B, D·H)
            pooled = np.take_along_axis(masked, argmax[None], axis=0)[0]
        pooled = pooled.astype(self.dtype, copy=False)
        self._pool_cache = (output.shape, h_n.shape, mask, lengths, argmax)
        return self.head(self.drop(pooled))

    def backward(self, d_logits) -> None:
        """dL/dlogits (B, C) → gradients of every trainable parameter, through pooling, RNN and Embedding."""
        out_shape, hn_shape, mask, lengths, argmax = self._pool_cache
        d_pooled = self.drop.backward(self.head.backward(d_logits))
        d_output = d_hn = None
        if self.pooling == "last":
            D, H = self.rnn.num_directions, self.hidden_size
            d_hn = np.zeros(hn_shape, self.dtype)
            for d in range(D):
                d_hn[hn_shape[0] - D + d] = d_pooled[:, d * H : (d + 1) * H]
        elif self.pooling == "mean":
            d_output = (mask[..., None] * (d_pooled / lengths[:, None].astype(self.dtype))[None]).astype(self.dtype)
        else:
            d_output = np.zeros(out_shape, self.dtype)
            np.put_along_axis(d_output, argmax[None], d_pooled[None], axis=0)
        d_embedded, _ = self.rnn.backward(d_output, d_hn)
        self.embed.backward(d_embedded)
        self._pool_cache = None


class BagOfWords(Module):
    """Logistic regression on word counts: logits[b] = Σ_{t < lengths[b]} W[ids[t, b]] + bias.

    Order-blind by construction: any permutation of a sentence's tokens gives the same logits.
    ids (T, B) int, lengths (B,) → logits (B, C); W (vocab_size, C) starts at zero.
    """

    def __init__(self, vocab_size, num_classes, *, dtype="float32"):
        super().__init__()
        self.vocab_size, self.num_classes, self.dtype = int(vocab_size), int(num_classes), np.dtype(dtype)
        self.register_parameter("weight", np.zeros((self.vocab_size, self.num_classes), self.dtype))
        self.register_parameter("bias", np.zeros(self.num_classes, self.dtype))
        self._cache = None

    def forward(self, ids, lengths=None):
        ids, lengths, mask = padded_batch(ids, lengths)
        self._cache = (ids, mask)
        return (self.params["weight"][ids] * mask[..., None]).sum(axis=0) + self.params["bias"]

    def backward(self, d_logits) -> None:
        ids, mask = self._cache
        rows = np.broadcast_to(ids, mask.shape)[mask]
        cols = np.broadcast_to(np.arange(mask.shape[1])[None, :], mask.shape)[mask]
        np.add.at(self.grads["weight"], rows, d_logits[cols])
        self.grads["bias"] += d_logits.sum(axis=0)
        self._cache = None
