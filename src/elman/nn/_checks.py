"""Boundary checks shared by the layers: each error says what was expected and what was received."""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype) -> np.dtype:
    """Resolve ``"float32"`` / ``np.float64`` / ... to one of the two supported float dtypes."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from err
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def check_array(name: str, value, *, ndim: tuple[int, ...] | int | None = None, dtype=None) -> np.ndarray:
    """Return ``value`` as an ndarray after checking its type, rank and dtype (never casting)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if value.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got {value.ndim}-D input of shape {value.shape}")
    if dtype is not None and value.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)}, got {value.dtype} (elman never casts silently)")
    return value


def check_float(name: str, value) -> np.ndarray:
    """An ndarray of float32 or float64 (elman computes in no other dtype and never casts)."""
    check_array(name, value)
    if value.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {value.dtype} (elman never casts silently)")
    return value


def check_positive_int(name: str, value) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_int(name: str, value, *, minimum: int) -> int:
    """An integer (not a bool) >= ``minimum``, returned as a Python int."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_int_sequence(name: str, value) -> np.ndarray:
    """A 1-D ndarray of integers (token ids, a sequence)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of integers, got {type(value).__name__}")
    if value.dtype == bool or not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"{name} must have an integer dtype, got {value.dtype}")
    if value.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {value.ndim}-D input of shape {value.shape}")
    return value


def check_size(rule: str, expected: int, got: int) -> None:
    """``rule`` reads like torch's: "input.size(-1) must be equal to input_size"."""
    if expected != got:
        raise ValueError(f"{rule}. Expected {expected}, got {got}")


def check_shape(name: str, value: np.ndarray, expected: tuple[int, ...]) -> None:
    if tuple(value.shape) != tuple(expected):
        raise ValueError(f"Expected {name} size {tuple(expected)}, got {tuple(value.shape)}")


def check_finite_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def check_int_ids(name: str, ids, num: int) -> np.ndarray:
    """Integer token ids in [0, num)."""
    if not isinstance(ids, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of integers, got {type(ids).__name__}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{name} must have an integer dtype, got {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= num):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise IndexError(f"{name} out of range: expected ids in [0, {num}), got {int(bad)}")
    return ids
