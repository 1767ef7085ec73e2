"""One time step of the vanilla (Elman) RNN: the chapter's equation, kept plain as the reference.

    z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = f(z_t),            f = tanh (or ReLU)

Rows are batch elements, so in code the products read ``x_t @ W_ih.T`` and ``h_prev @ W_hh.T``
(torch's layout: ``W_ih`` is (H, I), ``W_hh`` is (H, H)). The fast sequence kernels in
``rnn_sequence.py`` compute the same numbers rearranged; tests hold them to this file.
"""

from __future__ import annotations

import numpy as np

NONLINEARITIES = ("tanh", "relu")


def activate(z: np.ndarray, nonlinearity: str) -> np.ndarray:
    """f(z): tanh or ReLU."""
    if nonlinearity == "tanh":
        return np.tanh(z)
    if nonlinearity == "relu":
        return np.maximum(z, 0)
    raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Expected one of {NONLINEARITIES}")


def activation_grad(h: np.ndarray, nonlinearity: str) -> np.ndarray:
    """f'(z) written through h = f(z): tanh' = 1 - h², relu' = [h > 0]."""
    if nonlinearity == "tanh":
        return 1 - h * h
    return (h > 0).astype(h.dtype)


def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    Shapes: x_t (B, I), h_prev (B, H), W_ih (H, I), W_hh (H, H), b_ih and b_hh (H,) or None.
    Returns (h_t (B, H), cache).
    """
    z_t = x_t @ W_ih.T + h_prev @ W_hh.T
    if b_ih is not None:
        z_t = z_t + b_ih + b_hh
    h_t = activate(z_t, nonlinearity)
    cache = (x_t, h_prev, W_ih, W_hh, h_t, nonlinearity, b_ih is not None)
    return h_t, cache


def rnn_step_backward(dh_t, cache):
    """Backward of one step, given dL/dh_t (B, H).

        dz_t     = dh_t ⊙ f'(z_t)
        dx_t     = dz_t W_ih          dh_prev = dz_t W_hh
        dW_ih    = dz_tᵀ x_t          dW_hh   = dz_tᵀ h_{t-1}
        db_ih    = db_hh = Σ_batch dz_t

    Returns (dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_hh); the bias gradients are None without bias.
    """
    x_t, h_prev, W_ih, W_hh, h_t, nonlinearity, has_bias = cache
    dz_t = dh_t * activation_grad(h_t, nonlinearity)
    dx_t = dz_t @ W_ih
    dh_prev = dz_t @ W_hh
    dW_ih = dz_t.T @ x_t
    dW_hh = dz_t.T @ h_prev
    db = dz_t.sum(axis=0) if has_bias else None
    return dx_t, dh_prev, dW_ih, dW_hh, db, None if db is None else db.copy()
