"""Padding variable-length sequences into one array, and index batches (shuffled, or bucketed by length).

>>> import numpy as np
>>> from elman.data.batching import pad_sequences
>>> padded, lengths, mask = pad_sequences([np.array([5, 6, 7]), np.array([8])], pad_id=0)
>>> padded.tolist(), lengths.tolist(), mask.tolist()
([[5, 6, 7], [8, 0, 0]], [3, 1], [[True, True, True], [True, False, False]])
"""

from __future__ import annotations

import numpy as np

from elman.nn.checks import check_int, check_int_sequence


def _check_rng(rng) -> None:
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator or None, got {type(rng).__name__} "
            "(e.g. numpy.random.default_rng(seed))"
        )


def pad_sequences(seqs, pad_id: int = 0, *, time_major: bool = False, max_len: int | None = None):
    """Stack 1-D integer arrays into one padded int64 array.

    Args:
        seqs: a list of B ≥ 1 non-empty 1-D integer ndarrays (the RNN needs every length ≥ 1).
        pad_id: the value of the padded positions (any integer, e.g. ``vocab.pad_id``).
        time_major: return ``(T, B)`` arrays instead of ``(B, T)``.
        max_len: keep at most the first ``max_len`` tokens of each sequence. T is the longest length after
            that (not ``max_len`` itself when every sequence is shorter).

    Returns:
        ``(padded, lengths, mask)``: ``padded`` int64 of shape ``(B, T)`` (or ``(T, B)``), ``lengths`` int64 of
        shape ``(B,)``, ``mask`` bool of the shape of ``padded``, True at the real tokens.
    """
    if isinstance(seqs, np.ndarray) or not isinstance(seqs, (list, tuple)):
        raise TypeError(f"seqs must be a list of 1-D integer arrays, got {type(seqs).__name__}")
    if not seqs:
        raise ValueError("seqs must hold at least one sequence, got an empty list")
    if not isinstance(pad_id, (int, np.integer)) or isinstance(pad_id, bool):
        raise TypeError(f"pad_id must be an integer, got {pad_id!r}")
    limit = None if max_len is None else check_int("max_len", max_len, minimum=1)
    for i, s in enumerate(seqs):
        check_int_sequence(f"seqs[{i}]", s)
        if s.size == 0:
            raise ValueError(f"seqs[{i}] is empty: every sequence needs length >= 1")
    kept = [s[:limit] for s in seqs]
    lengths = np.array([len(s) for s in kept], dtype=np.int64)
    mask = np.arange(lengths.max())[None, :] < lengths[:, None]
    padded = np.full(mask.shape, pad_id, dtype=np.int64)
    padded[mask] = np.concatenate(kept)  # row-major order of the True entries = the tokens in order
    if time_major:
        padded, mask = np.ascontiguousarray(padded.T), np.ascontiguousarray(mask.T)
    return padded, lengths, mask


def batches(n: int, batch_size: int, rng: np.random.Generator | None = None, *, drop_last: bool = False):
    """Index batches covering ``range(n)``: in order, or in a random order drawn from ``rng``.

    Returns a list of int64 arrays of ``batch_size`` indices (the last one shorter unless ``drop_last``,
    which leaves out the ``n % batch_size`` indices that do not fill a batch).
    """
    n = check_int("n", n, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    _check_rng(rng)
    order = np.arange(n, dtype=np.int64) if rng is None else rng.permutation(n).astype(np.int64)
    stop = n - n % batch_size if drop_last else n
    return [order[i : i + batch_size] for i in range(0, stop, batch_size)]


def bucket_batches(lengths, batch_size: int, rng: np.random.Generator | None = None, *, bucket_size: int | None = None):
    """Index batches whose sequences have similar lengths, so that little of each padded batch is padding.

    The indices are shuffled (when ``rng`` is given), cut into chunks of ``bucket_size`` (default
    ``50 * batch_size``), sorted by length within each chunk (stably) and cut into batches of ``batch_size``;
    then the order of the batches is shuffled. Every index appears exactly once; each chunk's last batch may be
    shorter (only the final chunk's when ``bucket_size`` is a multiple of ``batch_size``). Without ``rng`` the
    result is the deterministic unshuffled one.

    Args:
        lengths: the N sequence lengths, 1-D integers (an array or a list).
    Returns:
        a list of int64 index arrays.
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or (lengths.size and (lengths.dtype == bool or not np.issubdtype(lengths.dtype, np.integer))):
        raise TypeError(f"lengths must be 1-D integers, got dtype {lengths.dtype} and shape {lengths.shape}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    bucket_size = 50 * batch_size if bucket_size is None else check_int("bucket_size", bucket_size, minimum=1)
    if bucket_size < batch_size:
        raise ValueError(f"bucket_size must be >= batch_size, got bucket_size={bucket_size} < {batch_size}")
    _check_rng(rng)
    n = len(lengths)
    order = np.arange(n, dtype=np.int64) if rng is None else rng.permutation(n).astype(np.int64)
    out = []
    for start in range(0, n, bucket_size):
        chunk = order[start : start + bucket_size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    return out
