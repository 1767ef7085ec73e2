"""Image to sequence: a feature vector sets the initial state of a character RNN that spells a caption.

    h_0 = tanh(W_e v + b_e)  reshaped to (L, H)          e_t = E[x_t]
    h_t = tanh(W_ih e_t + W_hh h_{t-1} + b)              y_t = W_hy h_t + b_y

v is the image (here 64 scaled pixels of an 8×8 digit), x_0 = <bos> and x_t the previous character: during
training the true one (teacher forcing), at test time the model's own greedy choice. Time-major: images (B, P),
ids (T, B) = <bos> + caption, lengths (B,) → logits (T, B, V) predicting caption + <eos>; positions past a
column's length carry no signal (mask them out of the loss).

``ConditionedGenerator`` (the names task) looks its h_0 up in an Embedding by class id and sends dL/dh_0 there,
so a continuous image code does not fit it without changing it; this model is the same decoder with a
Linear + tanh encoder in place of that table.

    >>> import numpy as np
    >>> c = Captioner(9, image_size=4, embed_dim=3, hidden_size=5, rng=np.random.default_rng(0))
    >>> c(np.ones((2, 4), np.float32), np.full((6, 2), 2), np.array([6, 3])).shape
    (6, 2, 9)
"""

from __future__ import annotations

import numpy as np

from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN


class Captioner(Module):
    """Linear → tanh (the image as h_0 of every layer); Embedding → RNN (tanh, stacked) → Dropout → Linear."""

    def __init__(
        self,
        vocab_size,
        image_size=64,
        embed_dim=16,
        hidden_size=64,
        num_layers=1,
        dropout=0.0,
        padding_idx=0,
        bos_idx=2,
        eos_idx=3,
        *,
        dtype="float32",
        rng=None,
    ):
        super().__init__()
        self.rng = np.random.default_rng() if rng is None else rng
        self.vocab_size, self.image_size, self.embed_dim = int(vocab_size), int(image_size), int(embed_dim)
        self.hidden_size, self.num_layers, self.dropout = int(hidden_size), int(num_layers), float(dropout)
        self.padding_idx, self.bos_idx, self.eos_idx = padding_idx, int(bos_idx), int(eos_idx)
        self.encoder = self.add_module(
            "encoder", Linear(image_size, num_layers * hidden_size, dtype=dtype, rng=self.rng)
        )
        self.embed = self.add_module("embed", Embedding(vocab_size, embed_dim, padding_idx, dtype=dtype, rng=self.rng))
        self.embed.params["weight"] *= 0.1
        self.rnn = self.add_module(
            "rnn", RNN(embed_dim, hidden_size, num_layers, "tanh", dropout=dropout, dtype=dtype, rng=self.rng)
        )
        self.drop = self.add_module("drop", Dropout(dropout, rng=self.rng))
        self.head = self.add_module("head", Linear(hidden_size, vocab_size, dtype=dtype, rng=self.rng))
        self.dtype = self.rnn.dtype
        self._h0 = None

    def encode(self, images) -> np.ndarray:
        """images (B, P) → h_0 (L, B, H) = tanh(W_e v + b_e), one H-slice per layer."""
        images = np.asarray(images)
        if images.ndim != 2 or images.shape[1] != self.image_size:
            raise ValueError(
                f"images must have shape (B, {self.image_size}) (one flattened image per row), got {images.shape}"
            )
        if not (np.issubdtype(images.dtype, np.floating) or np.issubdtype(images.dtype, np.integer)):
            raise TypeError(f"images must hold numbers, got dtype {images.dtype}")
        h0 = np.tanh(self.encoder(np.ascontiguousarray(images, dtype=self.dtype)))
        self._h0 = h0
        B = images.shape[0]
        return np.ascontiguousarray(h0.reshape(B, self.num_layers, self.hidden_size).transpose(1, 0, 2))

    def forward(self, images, ids, lengths=None):
        """images (B, P), ids (T, B) int, lengths (B,) in [1, T] or None → logits (T, B, V)."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"ids must be time-major (T, B), got shape {ids.shape}")
        h0 = self.encode(images)
        if h0.shape[1] != ids.shape[1]:
            raise ValueError(
                f"images and ids must hold the same batch: expected {h0.shape[1]} columns of ids "
                f"(one per image), got {ids.shape[1]}"
            )
        if lengths is not None:
            lengths = np.asarray(lengths, dtype=np.int64)
            if lengths.shape != (ids.shape[1],):
                raise ValueError(f"lengths must have shape ({ids.shape[1]},), got {lengths.shape}")
        output, _ = self.rnn(self.embed(ids), h0, lengths)
        return self.head(self.drop(output))

    def backward(self, d_logits, *, return_dh_norms=False):
        """dL/dlogits (T, B, V) → gradients of every parameter (head, RNN, embedding, encoder). With
        ``return_dh_norms`` returns the RNN's ‖∂L/∂h_t‖ per layer, direction and step (L, 1, T), else None."""
        d_output = self.drop.backward(self.head.backward(np.asarray(d_logits, dtype=self.dtype)))
        result = self.rnn.backward(d_output, None, return_dh_norms=return_dh_norms)
        d_x, d_h0 = result[:2]
        self.embed.backward(np.ascontiguousarray(d_x))
        B = d_h0.shape[1]
        d_code = np.ascontiguousarray(d_h0.transpose(1, 0, 2).reshape(B, -1)) * (1 - self._h0 * self._h0)
        self.encoder.backward(d_code)
        self._h0 = None
        return result[2] if return_dh_norms else None

    def greedy(self, images, max_len: int = 12) -> list[list[int]]:
        """Greedy decoding of each image: from <bos>, feed back the most likely character until <eos> or
        ``max_len`` characters. Returns the ids without <bos>/<eos>; <pad> and <bos> are never chosen."""
        if not isinstance(max_len, (int, np.integer)) or max_len < 1:
            raise ValueError(f"max_len must be an integer >= 1, got {max_len!r}")
        was = self.training
        self.eval()
        try:
            h = self.encode(images)
            B = h.shape[1]
            token = np.full((1, B), self.bos_idx, dtype=np.int64)
            out = np.zeros((max_len, B), dtype=np.int64)
            done = np.zeros(B, dtype=bool)
            length = np.full(B, max_len)
            blocked = [i for i in (self.padding_idx, self.bos_idx) if i is not None]
            for t in range(max_len):
                output, h = self.rnn(self.embed(token), h)
                z = self.head(output)[0].astype(np.float64)
                z[:, blocked] = -np.inf
                token = np.argmax(z, axis=1)[None, :]
                out[t] = token[0]
                ended = ~done & (token[0] == self.eos_idx)
                length[ended] = t
                done |= ended
                if done.all():
                    break
        finally:
            self._h0 = None
            self.train(was)
        return [out[: length[b], b].tolist() for b in range(B)]
