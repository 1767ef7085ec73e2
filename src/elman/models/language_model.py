"""A language model: tokens → Embedding → stacked RNN → Linear → next-token logits.

    e_t = E[x_t]            h_t^l = f(W_ih^l h_t^{l-1} + W_hh^l h_{t-1}^l + b^l)      y_t = W_hy h_t^L + b_y

Time-major throughout: ids (T, B), logits (T, B, V), hidden state (L, B, H). The same model reads a
whole window in training (``forward`` / ``backward``) and one token at a time when generating.

    >>> import numpy as np
    >>> lm = LanguageModel(vocab_size=20, embed_dim=8, hidden_size=16, num_layers=2, rng=np.random.default_rng(0))
    >>> logits, h = lm(np.zeros((5, 3), dtype=np.int64))
    >>> logits.shape, h.shape
    ((5, 3, 20), (2, 3, 16))
"""

from __future__ import annotations

import numpy as np

from elman.errors import InvalidInput
from elman.nn.layers import Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.nn.softmax import softmax

__all__ = ["LanguageModel", "generate", "read", "softmax"]


class LanguageModel(Module):
    def __init__(
        self,
        vocab_size,
        embed_dim=64,
        hidden_size=512,
        num_layers=2,
        dropout=0.0,
        nonlinearity="tanh",
        *,
        dtype="float32",
        rng=None,
    ):
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        self.vocab_size, self.embed_dim, self.hidden_size = vocab_size, embed_dim, hidden_size
        self.num_layers, self.dropout, self.nonlinearity = num_layers, dropout, nonlinearity
        self.embed = self.add_module("embed", Embedding(vocab_size, embed_dim, dtype=dtype, rng=rng))
        self.rnn = self.add_module(
            "rnn", RNN(embed_dim, hidden_size, num_layers, nonlinearity, dropout=dropout, dtype=dtype, rng=rng)
        )
        self.head = self.add_module("head", Linear(hidden_size, vocab_size, dtype=dtype, rng=rng))
        self.dtype = self.rnn.dtype

    def forward(self, ids, h0=None, resets=None):
        """ids (T, B) → (logits (T, B, V), h_n (L, B, H)); ``resets`` (T, B) restarts sequences (see RNN)."""
        output, h_n = self.rnn(self.embed(ids), h0, resets=resets)
        return self.head(output), h_n

    def states_at(self, t: int) -> np.ndarray:
        """The state of every layer (L, B, H) after step ``t`` of the latest forward: where a window that overlaps
        the next one hands its state on."""
        return self.rnn.states_at(t)

    def backward(self, d_logits, d_h_n=None) -> None:
        """Backpropagate dL/dlogits (T, B, V) through the whole window; gradients land in ``self.grads``."""
        d_output = self.head.backward(d_logits)
        d_embedded, _ = self.rnn.backward(d_output, d_h_n)
        self.embed.backward(d_embedded)


def generate(
    model: LanguageModel,
    prime: np.ndarray,
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int = 0,
    rng: np.random.Generator,
) -> np.ndarray:
    """Continue ``prime`` (1-D ids, at least one) by ``length`` sampled ids; returns only the new ids.

    Each next id is drawn from softmax(logits / temperature), restricted to the ``top_k`` most likely ids
    when top_k > 0; temperature 0 means greedy (argmax), and a temperature so small that the softmax puts all
    its mass on the argmax gives the same ids. The model runs in eval mode (no dropout).
    """
    prime = np.asarray(prime)
    if prime.ndim != 1 or prime.size == 0 or not np.issubdtype(prime.dtype, np.integer):
        raise InvalidInput(
            f"prime must be a non-empty 1-D array of token ids, got {prime.dtype} of shape {prime.shape}"
        )
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
        raise InvalidInput(f"length must be an integer >= 0 (the number of ids to generate), got {length!r}")
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float, np.integer, np.floating))
        or not (np.isfinite(temperature) and temperature >= 0)
    ):
        raise InvalidInput(f"temperature must be a finite number >= 0 (0: greedy), got {temperature!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 0:
        raise InvalidInput(f"top_k must be an integer >= 0 (0: no restriction), got {top_k!r}")
    was_training = model.training
    model.eval()
    try:
        logits, h = model(prime[:, None].astype(np.int64))
        last, out = logits[-1, 0], np.empty(length, dtype=np.int64)
        for i in range(length):
            if temperature == 0:
                token = int(np.argmax(last))
            else:
                p = softmax(last, temperature)
                if 0 < top_k < p.size:
                    p[np.argsort(p)[:-top_k]] = 0
                    p /= p.sum()
                token = int(rng.choice(p.size, p=p))
            out[i] = token
            logits, h = model(np.array([[token]], dtype=np.int64), h)
            last = logits[-1, 0]
    finally:
        model.train(was_training)
    return out


def read(model: LanguageModel, ids) -> tuple[np.ndarray, np.ndarray]:
    """Read 1-D token ids from a zero state: the top layer's state h_t after each token, (T, H), and the
    next-token distribution after each prefix ids[:t+1], (T, V), both float64. Runs in eval mode and leaves
    the training flag as it was.

        >>> lm = LanguageModel(vocab_size=7, embed_dim=4, hidden_size=5, num_layers=1, rng=np.random.default_rng(0))
        >>> states, probs = read(lm, np.array([3, 1, 4]))
        >>> states.shape, probs.shape, bool(np.allclose(probs.sum(axis=1), 1))
        ((3, 5), (3, 7), True)
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a non-empty 1-D array of token ids, got {ids.dtype} of shape {ids.shape}")
    was_training = model.training
    model.eval()
    try:
        output, _ = model.rnn(model.embed(ids[:, None].astype(np.int64)))
        logits = model.head(output)
    finally:
        model.train(was_training)
    return output[:, 0].astype(np.float64), softmax(logits[:, 0])
