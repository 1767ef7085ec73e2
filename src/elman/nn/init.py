"""Initialisers. Each takes an explicit ``numpy.random.Generator`` where it draws, and returns a new array.

>>> import numpy as np
>>> from elman.nn import init
>>> W = init.orthogonal((4, 4), np.random.default_rng(0), dtype="float64")
>>> bool(np.allclose(W.T @ W, np.eye(4)))
True
>>> round(init.spectral_radius(init.with_spectral_radius(W, 0.9)), 12)
0.9
"""

from __future__ import annotations

import numpy as np

from elman.errors import InvalidInput, InvalidType
from elman.nn.checks import as_float_dtype


def _shape(shape, *, matrix: bool = False) -> tuple[int, ...]:
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError as err:
        raise InvalidType(f"shape must be a tuple of integers, got {shape!r}") from err
    if any(n < 0 for n in shape) or (matrix and len(shape) != 2):
        want = "a 2-D shape (rows, cols)" if matrix else "non-negative sizes"
        raise InvalidInput(f"Expected {want}, got {shape}")
    return shape


def uniform(shape, bound: float, rng: np.random.Generator, dtype="float32") -> np.ndarray:
    """U(-bound, bound): torch's default for RNN weights and biases, with bound = 1/√H."""
    return rng.uniform(-bound, bound, size=_shape(shape)).astype(as_float_dtype(dtype))


def normal(shape, std: float, rng: np.random.Generator, dtype="float32") -> np.ndarray:
    """N(0, std²)."""
    return (rng.standard_normal(size=_shape(shape)) * std).astype(as_float_dtype(dtype))


def orthogonal(shape, rng: np.random.Generator, gain: float = 1.0, dtype="float32") -> np.ndarray:
    """gain · Q with Q (semi-)orthogonal, from the QR decomposition of a Gaussian matrix (Saxe et al. 2014).

    The signs of R's diagonal are folded into Q so that Q is uniformly (Haar) distributed.
    """
    rows, cols = _shape(shape, matrix=True)
    a = rng.standard_normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).astype(as_float_dtype(dtype))


def identity(shape, gain: float = 1.0, dtype="float32") -> np.ndarray:
    """gain · I: the recurrent weights of the IRNN (Le, Jaitly & Hinton 2015), used with ReLU."""
    rows, cols = _shape(shape, matrix=True)
    return (gain * np.eye(rows, cols)).astype(as_float_dtype(dtype))


def spectral_radius(W: np.ndarray) -> float:
    """ρ(W) = max |λ_i(W)|, the quantity that decides whether ‖∂h_T/∂h_k‖ shrinks or grows with T − k."""
    if not isinstance(W, np.ndarray) or W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise InvalidInput(f"Expected a square matrix, got {getattr(W, 'shape', type(W).__name__)}")
    return float(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64))))) if W.size else 0.0


def with_spectral_radius(W: np.ndarray, rho: float) -> np.ndarray:
    """W rescaled so that its spectral radius is ``rho`` (to rounding)."""
    current = spectral_radius(W)
    if current == 0:
        raise InvalidInput("cannot rescale a matrix whose spectral radius is 0")
    if not (np.isfinite(rho) and rho >= 0):
        raise InvalidInput(f"rho must be a finite number >= 0, got {rho!r}")
    return (W.astype(np.float64) * (rho / current)).astype(W.dtype)
