"""The char-rnn "names" dataset: 20,074 surnames in 18 languages, a seeded per-language split, a character vocabulary.

``load_names()`` reads the 18 files (``Arabic.txt`` … ``Vietnamese.txt``, one name per line, UTF-8, found through
``elman.data.sources``: ``$ELMAN_DATA_DIR/char-rnn-names`` or the cache) into ``(name, language)`` pairs, file
order kept. ``split_names`` gives train/dev/test ≈ 80/10/10 *per language* with a seeded rng; by default it first
drops repeated names within a language (Arabic repeats ~100 names 20 times), so no held-out name is a training
name. ``build_char_vocab`` gives a ``Vocab`` of characters with ``<pad>``, ``<unk>``, ``<bos>``, ``<eos>`` first.

    >>> vocab = build_char_vocab(["Abe", "Bo"])
    >>> vocab.itos[:4], len(vocab)
    (['<pad>', '<unk>', '<bos>', '<eos>'], 9)
"""

from __future__ import annotations

import unicodedata

import numpy as np

from elman.data.sources import open_text
from elman.data.text import DEFAULT_SPECIALS, Vocab

LANGUAGES = (
    "Arabic",
    "Chinese",
    "Czech",
    "Dutch",
    "English",
    "French",
    "German",
    "Greek",
    "Irish",
    "Italian",
    "Japanese",
    "Korean",
    "Polish",
    "Portuguese",
    "Russian",
    "Scottish",
    "Spanish",
    "Vietnamese",
)
SPLITS = ("train", "dev", "test")


def load_names(languages=LANGUAGES, *, download: bool = True) -> list[tuple[str, str]]:
    """Every non-empty line of each language's file (NFC-normalised, stripped) as ``(name, language)``."""
    pairs = []
    for lang in languages:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
        text = open_text("names", f"{lang}.txt", download=download)
        for line in text.splitlines():
            name = unicodedata.normalize("NFC", line.strip())
            if name:
                pairs.append((name, lang))
    return pairs


def split_names(pairs, *, seed: int = 0, dev: float = 0.1, test: float = 0.1, dedupe: bool = True) -> dict:
    """{"train"|"dev"|"test": [(name, language), ...]}: per language, (unique) names sorted, shuffled by a
    ``seed``-ed rng, then the first ``round(test·n)`` go to test, the next ``round(dev·n)`` to dev, the rest to
    train (at least one name stays in train). Deterministic for a given ``pairs`` and ``seed``."""
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise ValueError(f"dev and test must be fractions in [0, 1) with dev + test < 1, got {dev!r}, {test!r}")
    by_lang: dict[str, list[str]] = {}
    for name, lang in pairs:
        by_lang.setdefault(lang, []).append(name)
    rng = np.random.default_rng(seed)
    out: dict[str, list] = {s: [] for s in SPLITS}
    for lang in sorted(by_lang, key=lambda x: (LANGUAGES.index(x) if x in LANGUAGES else len(LANGUAGES), x)):
        names = sorted(set(by_lang[lang])) if dedupe else sorted(by_lang[lang])
        order = rng.permutation(len(names))
        n = len(names)
        n_test = min(int(round(test * n)), max(n - 1, 0))
        n_dev = min(int(round(dev * n)), max(n - 1 - n_test, 0))
        for k, i in enumerate(order):
            split = "test" if k < n_test else "dev" if k < n_test + n_dev else "train"
            out[split].append((names[i], lang))
    return out


def build_char_vocab(names) -> Vocab:
    """Characters of ``names`` by decreasing count after the specials ``<pad>, <unk>, <bos>, <eos>``."""
    return Vocab.build([list(n) for n in names], specials=DEFAULT_SPECIALS)


def encode_names(vocab: Vocab, pairs, languages=LANGUAGES):
    """(ids, targets, language ids): ids[i] = <bos> + name, targets[i] = name + <eos> (int64 arrays)."""
    index = {lang: i for i, lang in enumerate(languages)}
    ids, targets, langs = [], [], np.empty(len(pairs), dtype=np.int64)
    for k, (name, lang) in enumerate(pairs):
        chars = vocab.encode(list(name))
        ids.append(np.concatenate([[vocab.bos_id], chars]).astype(np.int64))
        targets.append(np.concatenate([chars, [vocab.eos_id]]).astype(np.int64))
        langs[k] = index[lang]
    return ids, targets, langs
