"""Softmax and its logarithm over the last axis: the one place elman turns scores into probabilities.

Both work in float64 and subtract the maximum first, so no exponent overflows. (``nn.losses.cross_entropy``
fuses the same log-sum-exp with its gradient.)

    >>> softmax(np.array([1.0, 3.0, 2.0]), temperature=5e-324).tolist()
    [0.0, 1.0, 0.0]
    >>> bool(np.allclose(np.exp(log_softmax(np.array([[0.0, 1.0]]))), softmax(np.array([[0.0, 1.0]]))))
    True
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """p_i = exp(z_i / τ) / Σ_j exp(z_j / τ) over the last axis, for any τ > 0.

    The maximum is subtracted before dividing by τ: every exponent is then ≤ 0, and a τ so small that
    (z_i − max z) / τ overflows gives −inf, exp 0, which is the limit τ → 0 (all mass on the maximum).
    """
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore"):  # (z_i - max) / τ → -inf for a tiny τ, on purpose
        z /= temperature
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p_i = z_i − log Σ_j exp z_j over the last axis."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
