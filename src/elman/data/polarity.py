"""Sentence Polarity v1.0 ("MR", Pang & Lee 2005): 5,331 positive and 5,331 negative movie-review snippets.

The registered ``mr-polarity`` dataset is NLTK's ``sentence_polarity.zip``, holding ``rt-polarity.pos`` and
``rt-polarity.neg`` (one lower-cased, tokenised sentence a line). There is no official split; the custom is
10-fold cross-validation. ``fold_of`` deals the 10,662 sentences into ``folds`` folds with a seeded permutation
(the same for every run, whatever the training seed): fold k is the test set, fold k + 1 (mod ``folds``) the dev
set, the other folds the training set, so ``folds=10`` gives 80/10/10 and the ten values of k cover every
sentence once as test.

    >>> fold_of(10, folds=5, seed=0).tolist()
    [2, 4, 2, 4, 0, 0, 1, 3, 3, 1]
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

SPLITS = ("train", "dev", "test")
SIZE = 10662
_MEMBERS = {1: "sentence_polarity/rt-polarity.pos", 0: "sentence_polarity/rt-polarity.neg"}


def read_polarity(source=None) -> tuple[list[list[str]], list[int]]:
    """Every sentence, negative file first then positive (file order), as (tokens, labels) with 1 = positive.

    ``source`` is a path to ``sentence_polarity.zip``; by default the registered ``mr-polarity`` dataset
    (``$ELMAN_DATA_DIR/nltk-sentence-polarity`` or the cache). Blank lines are skipped.
    """
    if source is None:
        from elman.data.sources import open_binary

        data = open_binary("mr-polarity", "sentence_polarity.zip")
    else:
        data = Path(source).read_bytes()
    sentences, labels = [], []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        for label in (0, 1):
            member = _MEMBERS[label]
            if member not in names:
                raise ValueError(f"expected {member} in the sentence polarity zip, found {sorted(names)}")
            for line in z.read(member).decode("utf-8").splitlines():
                tokens = line.split()
                if tokens:
                    sentences.append(tokens)
                    labels.append(label)
    return sentences, labels


def fold_of(n: int, folds: int = 10, seed: int = 0) -> np.ndarray:
    """The fold (0 .. folds−1) of each of ``n`` examples: a seeded permutation dealt round-robin (sizes differ by
    at most one)."""
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 3:
        raise ValueError(f"folds must be an integer >= 3 (train, dev and test folds), got {folds!r}")
    out = np.empty(n, dtype=np.int64)
    out[np.random.default_rng(seed).permutation(n)] = np.arange(n) % folds
    return out


def load_polarity(
    split: str, *, fold: int = 0, folds: int = 10, seed: int = 0, source=None
) -> tuple[list[list[str]], list[int]]:
    """(sentences, labels) of one split for test fold ``fold`` (dev: fold + 1 mod ``folds``; train: the rest), in
    the seeded shuffled order, so that any prefix (``--limit``) holds both labels."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if isinstance(fold, bool) or not isinstance(fold, int) or not 0 <= fold < folds:
        raise ValueError(f"fold must be an integer in [0, {folds}), got {fold!r}")
    sentences, labels = read_polarity(source)
    which = fold_of(len(sentences), folds, seed)
    test, dev = which == fold, which == (fold + 1) % folds
    keep = {"test": test, "dev": dev, "train": ~(test | dev)}[split]
    order = [i for i in np.random.default_rng(seed).permutation(len(sentences)) if keep[i]]
    return [sentences[i] for i in order], [labels[i] for i in order]
