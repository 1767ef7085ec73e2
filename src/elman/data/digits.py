"""The 8×8 handwritten digits (scikit-learn's copy of UCI optdigits) and the names that spell them.

``load_digits()`` reads ``digits.csv.gz`` (registry name "digits", found through ``elman.data.sources``): 1,797
lines of 64 pixel values 0..16 (row-major) followed by the label 0..9. Pixels come back scaled to [0, 1]
(divided by 16), float32, shape (N, 64); labels int64 (N,). ``split_digits`` is a seeded, stratified
train/dev/test split: every digit is cut in the same proportions. ``build_name_vocab`` gives the characters of
the ten names ("zero" … "nine") after ``<pad>, <unk>, <bos>, <eos>``; ``encode_captions`` turns labels into
decoder inputs <bos>+name and targets name+<eos>.

    >>> vocab = build_name_vocab()
    >>> ids, targets = encode_captions(vocab, [7])
    >>> "".join(vocab.decode(ids[0][1:])), vocab.decode(targets[0])[-1]
    ('seven', '<eos>')
"""

from __future__ import annotations

import numpy as np

from elman.data.sources import open_text
from elman.data.text import DEFAULT_SPECIALS, Vocab

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SIDE = 8
PIXELS = SIDE * SIDE
MAX_PIXEL = 16
SPLITS = ("train", "dev", "test")


def parse_digits(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (N, 64) float32 in [0, 1], labels (N,) int64) from the CSV text; a clear error on a bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != PIXELS + 1:
            raise ValueError(
                f"digits line {number}: expected {PIXELS + 1} comma-separated integers ({PIXELS} "
                f"pixels, then the label), got {len(fields)}"
            )
        try:
            rows.append([int(float(f)) for f in fields])
        except ValueError:
            raise ValueError(f"digits line {number}: expected integers, got {line[:60]!r}") from None
    if not rows:
        raise ValueError("digits: expected at least one line of pixels and a label, got none")
    table = np.array(rows, dtype=np.int64)
    pixels, labels = table[:, :PIXELS], table[:, PIXELS]
    if pixels.min() < 0 or pixels.max() > MAX_PIXEL:
        raise ValueError(f"digits: pixel values must lie in [0, {MAX_PIXEL}], got [{pixels.min()}, {pixels.max()}]")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"digits: labels must lie in [0, 9], got [{labels.min()}, {labels.max()}]")
    return (pixels / MAX_PIXEL).astype(np.float32), labels


def load_digits(*, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every image of ``digits.csv.gz``: (pixels (1797, 64) float32 in [0, 1], labels (1797,) int64)."""
    return parse_digits(open_text("digits", download=download))


def split_digits(labels, *, seed: int = 0, dev: float = 0.15, test: float = 0.2) -> dict[str, np.ndarray]:
    """{"train"|"dev"|"test": sorted int64 indices}: per digit, its indices shuffled by a ``seed``-ed rng, the first
    ``round(test·n)`` to test, the next ``round(dev·n)`` to dev, the rest (at least one) to train."""
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise ValueError(f"dev and test must be fractions in [0, 1) with dev + test < 1, got {dev!r}, {test!r}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    out: dict[str, list] = {s: [] for s in SPLITS}
    for digit in np.unique(labels):
        idx = np.flatnonzero(labels == digit)[rng.permutation(int((labels == digit).sum()))]
        n = len(idx)
        n_test = min(int(round(test * n)), max(n - 1, 0))
        n_dev = min(int(round(dev * n)), max(n - 1 - n_test, 0))
        out["test"].append(idx[:n_test])
        out["dev"].append(idx[n_test : n_test + n_dev])
        out["train"].append(idx[n_test + n_dev :])
    return {s: np.sort(np.concatenate(parts)).astype(np.int64) for s, parts in out.items()}


def build_name_vocab() -> Vocab:
    """The letters of the ten digit names, by decreasing count, after the specials <pad> <unk> <bos> <eos>."""
    return Vocab.build([list(n) for n in DIGIT_NAMES], specials=DEFAULT_SPECIALS)


def encode_captions(vocab: Vocab, labels) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(ids, targets) per label: ids = <bos> + name, targets = name + <eos> (int64 arrays of equal length)."""
    ids, targets = [], []
    for label in np.asarray(labels, dtype=np.int64).reshape(-1):
        if not 0 <= label <= 9:
            raise ValueError(f"labels must be digits in [0, 9], got {label}")
        chars = vocab.encode(list(DIGIT_NAMES[label]))
        ids.append(np.concatenate([[vocab.bos_id], chars]).astype(np.int64))
        targets.append(np.concatenate([chars, [vocab.eos_id]]).astype(np.int64))
    return ids, targets
