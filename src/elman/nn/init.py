"""Initialisers. Each takes an explicit ``numpy.random.Generator`` and returns a new array."""

from __future__ import annotations

import numpy as np


def uniform(shape, bound: float, rng: np.random.Generator, dtype="float32") -> np.ndarray:
    """U(-bound, bound): torch's default for RNN weights with bound = 1/√H."""
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def normal(shape, std: float, rng: np.random.Generator, dtype="float32") -> np.ndarray:
    """N(0, std²)."""
    return (rng.standard_normal(size=shape) * std).astype(dtype)


def orthogonal(shape, rng: np.random.Generator, gain: float = 1.0, dtype="float32") -> np.ndarray:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (Saxe et al. 2014).

    The signs of R's diagonal are folded into Q so that the result is uniformly distributed.
    """
    rows, cols = shape
    a = rng.standard_normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).astype(dtype)


def identity(shape, gain: float = 1.0, dtype="float32") -> np.ndarray:
    """gain · I: the recurrent weights of the IRNN (Le, Jaitly & Hinton 2015), used with ReLU."""
    rows, cols = shape
    return (gain * np.eye(rows, cols)).astype(dtype)


def spectral_radius(W: np.ndarray) -> float:
    """ρ(W) = max |λ_i(W)|."""
    return float(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64)))))


def with_spectral_radius(W: np.ndarray, rho: float) -> np.ndarray:
    """W rescaled so that its spectral radius is exactly ``rho``."""
    current = spectral_radius(W)
    if current == 0:
        raise ValueError("cannot rescale a matrix whose spectral radius is 0")
    return (W * (rho / current)).astype(W.dtype)
