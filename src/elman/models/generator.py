"""A character RNN language model conditioned on a class (here: the language of a name).

    e_t = E[x_t] (‖ C[l] unless condition="h0")      h_t = tanh(W_ih e_t + W_hh h_{t-1} + b)      y_t = W_hy h_t + b_y

``condition="h0"``: the class picks a learned initial hidden state, an Embedding(n_classes, L·H) row reshaped to
(L, H). ``condition="input"``: a class embedding (``cond_dim``) is concatenated to the character embedding at every
step (h0 = 0). ``condition="both"``: one Embedding(n_classes, cond_dim + L·H) row, its first ``cond_dim`` entries the
input at every step, the rest the initial state.

Time-major: ids (T, B) = <bos> + name, languages (B,), lengths (B,) → logits (T, B, V) predicting
name + <eos>; positions past a column's length carry no signal (mask them out of the loss).

    >>> import numpy as np
    >>> g = ConditionedGenerator(10, 3, embed_dim=4, hidden_size=5, rng=np.random.default_rng(0))
    >>> g(np.full((6, 2), 2), np.array([0, 2]), np.array([6, 3])).shape
    (6, 2, 10)
"""

from __future__ import annotations

import numpy as np

from elman.errors import InvalidInput
from elman.models.language_model import softmax
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN

CONDITIONS = ("h0", "input", "both")


class ConditionedGenerator(Module):
    """Embedding (‖ class Embedding) → RNN (tanh, stacked) → Dropout → Linear, the class as h0 or as an input."""

    def __init__(
        self,
        vocab_size,
        n_classes,
        embed_dim=32,
        hidden_size=128,
        num_layers=1,
        condition="h0",
        cond_dim=16,
        dropout=0.0,
        padding_idx=0,
        bos_idx=2,
        eos_idx=3,
        *,
        dtype="float32",
        rng=None,
    ):
        super().__init__()
        if condition not in CONDITIONS:
            raise InvalidInput(f"condition must be one of {CONDITIONS}, got {condition!r}")
        self.rng = np.random.default_rng() if rng is None else rng
        self.vocab_size, self.n_classes, self.embed_dim = int(vocab_size), int(n_classes), int(embed_dim)
        self.hidden_size, self.num_layers, self.condition = int(hidden_size), int(num_layers), condition
        self.cond_dim = int(cond_dim) if condition != "h0" else 0
        self.dropout, self.padding_idx = float(dropout), padding_idx
        self.bos_idx, self.eos_idx = int(bos_idx), int(eos_idx)
        self.embed = self.add_module("embed", Embedding(vocab_size, embed_dim, padding_idx, dtype=dtype, rng=self.rng))
        self.embed.params["weight"] *= 0.1
        width = self.cond_dim + (self.num_layers * self.hidden_size if condition != "input" else 0)
        self.cond = self.add_module("cond", Embedding(n_classes, width, dtype=dtype, rng=self.rng))
        self.cond.params["weight"] *= 0.1
        self.in_drop = self.add_module("in_drop", Dropout(dropout, rng=self.rng))
        self.rnn = self.add_module(
            "rnn",
            RNN(embed_dim + self.cond_dim, hidden_size, num_layers, "tanh", dropout=dropout, dtype=dtype, rng=self.rng),
        )
        self.drop = self.add_module("drop", Dropout(dropout, rng=self.rng))
        self.head = self.add_module("head", Linear(hidden_size, vocab_size, dtype=dtype, rng=self.rng))
        self.dtype = self.rnn.dtype

    def _run(self, ids, classes, lengths=None, h=None):
        """(logits (T, B, V), h_n (L, B, H)); ``h`` (L, B, H) continues a sequence (the class input still applies)."""
        ids, classes = np.asarray(ids), np.asarray(classes, dtype=np.int64)
        if ids.ndim != 2:
            raise InvalidInput(f"ids must be time-major (T, B), got shape {ids.shape}")
        T, B = ids.shape
        if classes.shape != (B,):
            raise InvalidInput(f"classes must have shape ({B},) (one per column of ids), got {classes.shape}")
        if lengths is not None:
            lengths = np.asarray(lengths, dtype=np.int64)
            if lengths.shape != (B,):
                raise InvalidInput(f"lengths must have shape ({B},), got {lengths.shape}")
            if np.all(lengths == T):
                lengths = None
        x = self.embed(ids)
        c = self.cond(classes)
        if self.cond_dim:
            x = np.concatenate([x, np.broadcast_to(c[:, : self.cond_dim], (T, B, self.cond_dim))], axis=-1)
        if self.condition != "input" and h is None:
            h0 = c[:, self.cond_dim :]
            h = np.ascontiguousarray(h0.reshape(B, self.num_layers, self.hidden_size).transpose(1, 0, 2))
        output, h_n = self.rnn(self.in_drop(x), h, lengths)
        return self.head(self.drop(output.astype(self.dtype, copy=False))), h_n

    def forward(self, ids, classes, lengths=None):
        """ids (T, B) int, classes (B,) int, lengths (B,) in [1, T] or None → logits (T, B, V)."""
        return self._run(ids, classes, lengths)[0]

    def backward(self, d_logits) -> None:
        """dL/dlogits (T, B, V) → gradients of every parameter (head, RNN, character and class embeddings)."""
        d_output = self.drop.backward(self.head.backward(np.asarray(d_logits, dtype=self.dtype)))
        d_x, d_h0 = self.rnn.backward(d_output, None)
        d_x = self.in_drop.backward(d_x)
        parts = []
        if self.cond_dim:
            parts.append(d_x[..., self.embed_dim :].sum(axis=0))
            d_x = d_x[..., : self.embed_dim]
        if self.condition != "input":
            parts.append(d_h0.transpose(1, 0, 2).reshape(d_h0.shape[1], -1))
        self.cond.backward(np.ascontiguousarray(np.concatenate(parts, axis=1)))
        self.embed.backward(np.ascontiguousarray(d_x))

    def sample(
        self, language: int, rng: np.random.Generator, temperature: float = 1.0, max_len: int = 20, banned=()
    ) -> list[int]:
        """Character ids of one sampled name (no <bos>/<eos>), drawn from softmax(logits / temperature) until
        <eos> or ``max_len`` characters. Any temperature > 0 works: the softmax subtracts the maximum before
        dividing, so a vanishing one puts all mass on the likeliest character; 0 takes it directly (greedy).
        <pad>, <bos> and ``banned`` ids are never drawn."""
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, (int, float, np.integer, np.floating))
            or not (np.isfinite(temperature) and temperature >= 0)
        ):
            raise InvalidInput(
                f"temperature: expected a finite number >= 0 (0: always the likeliest character), got {temperature!r}"
            )
        if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 1:
            raise InvalidInput(f"max_len: expected an integer >= 1 (characters), got {max_len!r}")
        if (
            isinstance(language, bool)
            or not isinstance(language, (int, np.integer))
            or not 0 <= language < self.n_classes
        ):
            raise InvalidInput(f"language: expected an id in [0, {self.n_classes}), got {language!r}")
        blocked = [i for i in (self.padding_idx, self.bos_idx, *banned) if i is not None]
        was = self.training
        self.eval()
        out: list[int] = []
        try:
            token, h, cls = self.bos_idx, None, np.array([int(language)])
            for _ in range(max_len):
                logits, h = self._run(np.array([[token]], dtype=np.int64), cls, None, h)
                z = logits[0, 0].astype(np.float64)
                z[blocked] = -np.inf
                if temperature == 0:
                    token = int(np.argmax(z))
                else:
                    p = softmax(z, temperature)
                    token = int(rng.choice(p.size, p=p))
                if token == self.eos_idx:
                    break
                out.append(token)
        finally:
            self.train(was)
        return out
