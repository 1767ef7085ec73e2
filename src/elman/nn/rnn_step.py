"""One time step of the vanilla (Elman) RNN: the chapter's equation, kept plain as the reference.

    z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = f(z_t),            f = tanh (or ReLU)

Rows are batch elements, so in code the products read ``x_t @ W_ih.T`` and ``h_prev @ W_hh.T``
(torch's layout: ``W_ih`` is (H, I), ``W_hh`` is (H, H)). The fast sequence kernels in
``rnn_sequence.py`` compute the same numbers rearranged; tests hold them to this file.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NONLINEARITIES = ("tanh", "relu")


def activate(z: np.ndarray, nonlinearity: str) -> np.ndarray:
    """f(z): tanh or ReLU."""
    if nonlinearity == "tanh":
        return np.tanh(z)
    if nonlinearity == "relu":
        return np.maximum(z, 0)
    raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Expected one of {NONLINEARITIES}")


def activation_grad(h: np.ndarray, nonlinearity: str, out: np.ndarray | None = None) -> np.ndarray:
    """f'(z) written through h = f(z): tanh' = 1 - h², relu' = [h > 0]; into ``out`` when given (the
    sequence kernel fills a whole layer's buffer at once)."""
    if nonlinearity == "tanh":
        out = np.multiply(h, h, out=out)
        return np.subtract(1, out, out=out)
    if out is None:
        return (h > 0).astype(h.dtype)
    return np.greater(h, 0, out=out)


class StepCache(NamedTuple):
    """What ``rnn_step_forward`` saves for ``rnn_step_backward``."""

    x_t: np.ndarray  # (B, I)
    h_prev: np.ndarray  # (B, H)
    W_ih: np.ndarray  # (H, I)
    W_hh: np.ndarray  # (H, H)
    h_t: np.ndarray  # (B, H), f'(z_t) is read through it
    nonlinearity: str
    has_bias: bool


def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    Shapes: x_t (B, I), h_prev (B, H), W_ih (H, I), W_hh (H, H), b_ih and b_hh (H,) or None.
    Returns (h_t (B, H), StepCache).
    """
    z_t = x_t @ W_ih.T + h_prev @ W_hh.T
    if b_ih is not None:
        z_t = z_t + b_ih + b_hh
    h_t = activate(z_t, nonlinearity)
    cache = StepCache(x_t, h_prev, W_ih, W_hh, h_t, nonlinearity, b_ih is not None)
    return h_t, cache


def rnn_step_backward(dh_t, cache):
    """Backward of one step, given dL/dh_t (B, H).

        dz_t     = dh_t ⊙ f'(z_t)
        dx_t     = dz_t W_ih          dh_prev = dz_t W_hh
        dW_ih    = dz_tᵀ x_t          dW_hh   = dz_tᵀ h_{t-1}
        db_ih    = db_hh = Σ_batch dz_t

    Returns (dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_hh); the bias gradients are None without bias.
    """
    dz_t = dh_t * activation_grad(cache.h_t, cache.nonlinearity)
    dx_t = dz_t @ cache.W_ih
    dh_prev = dz_t @ cache.W_hh
    dW_ih = dz_t.T @ cache.x_t
    dW_hh = dz_t.T @ cache.h_prev
    db = dz_t.sum(axis=0) if cache.has_bias else None
    return dx_t, dh_prev, dW_ih, dW_hh, db, None if db is None else db.copy()
