"""Sequence regression, many-to-one: an RNN reads a window of a series and its last state predicts what follows.

    h_t = tanh(W_ih x_t + W_hh h_{t-1} + b)   (stacked: layer l reads layer l−1's states)
    ŷ = W_o h_{T-1}^{(L)} + b_o

trained with the mean squared error (ŷ − y)². Time-major: x (T, B, I) float → ŷ (B, O). Every window has the
same length, so the last state is the top layer's h_n.

    >>> import numpy as np
    >>> r = SeriesRegressor(hidden_size=4, rng=np.random.default_rng(0))
    >>> r(np.zeros((10, 3, 1), np.float32)).shape
    (3, 1)
"""

from __future__ import annotations

import numpy as np

from elman.nn.layers import Dropout, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN


class SeriesRegressor(Module):
    """RNN (tanh, stacked) → the top layer's last state → Dropout → Linear."""

    def __init__(
        self, input_size=1, hidden_size=32, num_layers=1, output_size=1, dropout=0.0, *, dtype="float32", rng=None
    ):
        super().__init__()
        self.rng = np.random.default_rng() if rng is None else rng
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.output_size, self.dropout = int(output_size), float(dropout)
        self.rnn = self.add_module(
            "rnn", RNN(input_size, hidden_size, num_layers, "tanh", dropout=dropout, dtype=dtype, rng=self.rng)
        )
        self.drop = self.add_module("drop", Dropout(dropout, rng=self.rng))
        self.head = self.add_module("head", Linear(hidden_size, output_size, dtype=dtype, rng=self.rng))
        self.dtype = self.rnn.dtype

    def forward(self, x):
        """x (T, B, I) → ŷ (B, O)."""
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must be time-major (T, B, {self.input_size}), got shape {x.shape}")
        _, h_n = self.rnn(np.ascontiguousarray(x, dtype=self.dtype))
        return self.head(self.drop(h_n[-1]))

    def backward(self, d_pred, *, return_dh_norms=False):
        """dL/dŷ (B, O) → every parameter's gradient. With ``return_dh_norms`` returns the RNN's ‖∂L/∂h_t‖ per
        layer, direction and step (L, 1, T), else None."""
        d_top = self.drop.backward(self.head.backward(np.asarray(d_pred, dtype=self.dtype)))
        d_h_n = np.zeros((self.num_layers, *d_top.shape), dtype=self.dtype)
        d_h_n[-1] = d_top
        result = self.rnn.backward(None, d_h_n, return_dh_norms=return_dh_norms)
        return result[2] if return_dh_norms else None

    def predict(self, x, batch: int = 1024) -> np.ndarray:
        """ŷ (B, O) in eval mode, ``batch`` windows at a time."""
        x = np.asarray(x)
        was = self.training
        self.eval()
        try:
            return np.concatenate([self(x[:, i : i + batch]) for i in range(0, max(x.shape[1], 1), batch)])
        finally:
            self.train(was)
