"""Time-major padded batches as the task models receive them."""

from __future__ import annotations

import numpy as np


def padded_batch(ids, lengths=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids (T, B), lengths (B,) int64, mask (T, B) bool: True on valid steps); lengths None means all T."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"ids must be time-major (T, B), got shape {ids.shape}")
    T, B = ids.shape
    lengths = np.full(B, T, dtype=np.int64) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if lengths.shape != (B,):
        raise ValueError(f"lengths must have shape ({B},) (one per column of ids), got {lengths.shape}")
    return ids, lengths, np.arange(T)[:, None] < lengths[None, :]
