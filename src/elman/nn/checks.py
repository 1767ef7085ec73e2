"""Boundary checks shared by the layers, the optimisers and the data pipeline: each error says what was expected
and what was received.

Every check raises a member of :mod:`elman.errors` (``InvalidType`` is a ``TypeError``, ``InvalidInput`` a
``ValueError``, ``InvalidIndex`` an ``IndexError``), so a caller can catch either the family or the built-in kind.
"""

from __future__ import annotations

import numbers

import numpy as np

from elman.errors import InvalidIndex, InvalidInput, InvalidType

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype) -> np.dtype:
    """Resolve ``"float32"`` / ``np.float64`` / ... to one of the two supported float dtypes."""
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError) as err:  # ValueError: a string NumPy does not know, e.g. "float31"
        raise InvalidType(f"dtype must be float32 or float64, got {dtype!r}") from err
    if resolved not in FLOAT_DTYPES:
        raise InvalidType(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def check_rng(name: str, rng) -> np.random.Generator:
    """``rng`` itself when it is a Generator, a fresh unseeded one when it is None.

    An int seed is refused rather than turned into ``default_rng(seed)``: layers built with the same seed
    would then draw the same numbers (two equal weight matrices), which one shared Generator avoids.
    """
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        shown = f"{type(rng).__name__} {rng!r}"
        raise InvalidType(f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(42); got {shown:.80}")
    return rng


def check_array(name: str, value, *, ndim: tuple[int, ...] | int | None = None, dtype=None) -> np.ndarray:
    """Return ``value`` as an ndarray after checking its type, rank and dtype (never casting)."""
    if not isinstance(value, np.ndarray):
        raise InvalidType(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if value.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise InvalidInput(f"{name} must be {want}, got {value.ndim}-D input of shape {value.shape}")
    if dtype is not None and value.dtype != dtype:
        raise InvalidType(f"{name} must have dtype {np.dtype(dtype)}, got {value.dtype} (elman never casts silently)")
    return value


def check_float(name: str, value) -> np.ndarray:
    """An ndarray of float32 or float64 (elman computes in no other dtype and never casts)."""
    check_array(name, value)
    if value.dtype not in FLOAT_DTYPES:
        raise InvalidType(f"{name} must have dtype float32 or float64, got {value.dtype} (elman never casts silently)")
    return value


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


# A float or a bool where a count is due is reported as InvalidInput (a ValueError), as it always was here.
def check_positive_int(name: str, value) -> None:
    if not _is_int(value) or value <= 0:
        raise InvalidInput(f"{name} must be a positive integer, got {value!r:.80}")


def check_int(name: str, value, *, minimum: int) -> int:
    """An integer (not a bool) >= ``minimum``, returned as a Python int."""
    if not _is_int(value) or value < minimum:
        raise InvalidInput(f"{name} must be an integer >= {minimum}, got {value!r:.80}")
    return int(value)


def check_int_sequence(name: str, value) -> np.ndarray:
    """A 1-D ndarray of integers (token ids, a sequence)."""
    if not isinstance(value, np.ndarray):
        raise InvalidType(f"{name} must be a numpy.ndarray of integers, got {type(value).__name__}")
    if value.dtype == bool or not np.issubdtype(value.dtype, np.integer):
        raise InvalidType(f"{name} must have an integer dtype, got {value.dtype}")
    if value.ndim != 1:
        raise InvalidInput(f"{name} must be 1-D, got {value.ndim}-D input of shape {value.shape}")
    return value


def check_size(rule: str, expected: int, got: int) -> None:
    """``rule`` reads like torch's: "input.size(-1) must be equal to input_size"."""
    if expected != got:
        raise InvalidInput(f"{rule}. Expected {expected}, got {got}")


def check_shape(name: str, value: np.ndarray, expected: tuple[int, ...]) -> None:
    if tuple(value.shape) != tuple(expected):
        raise InvalidInput(f"Expected {name} size {tuple(expected)}, got {tuple(value.shape)}")


def check_finite_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    bound = "a finite number >= 0" if allow_zero else "a finite number > 0"
    if not isinstance(value, numbers.Real):
        raise InvalidType(f"{name} must be {bound}, got {type(value).__name__} {value!r:.80}")
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        raise InvalidInput(f"{name} must be {bound}, got {value!r}")


def check_int_ids(name: str, ids, num: int) -> np.ndarray:
    """Integer token ids in [0, num)."""
    if not isinstance(ids, np.ndarray):
        raise InvalidType(f"{name} must be a numpy.ndarray of integers, got {type(ids).__name__}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise InvalidType(f"{name} must have an integer dtype, got {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= num):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise InvalidIndex(f"{name} out of range: expected ids in [0, {num}), got {int(bad)}")
    return ids
