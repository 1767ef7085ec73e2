"""Multi30k task 1: German image captions and their English translations, a word tokeniser, two vocabularies.

``load_pairs(split)`` reads ``<file>.de.gz`` and ``<file>.en.gz`` of one split (through ``elman.data.sources``:
``$ELMAN_DATA_DIR/multi30k`` or the cache) into ``(german, english)`` pairs, line i with line i. The splits and
their sizes: train 29,000, val 1,014, test 1,000 (the 2016 Flickr test set). ``tokenize`` lower-cases and splits
punctuation off the words (``elman.data.text.word_tokenize``); ``build_vocabs`` keeps the training tokens seen at
least ``min_freq`` times, after ``<pad>, <unk>, <bos>, <eos>``.

    >>> tokenize("Zwei Männer, die im Freien arbeiten.")
    ['zwei', 'männer', ',', 'die', 'im', 'freien', 'arbeiten', '.']
    >>> vocabs = build_vocabs([("ein hund .", "a dog ."), ("ein mann .", "a man .")], min_freq=2)
    >>> vocabs.source.itos, vocabs.target.itos
    (['<pad>', '<unk>', '<bos>', '<eos>', '.', 'ein'], ['<pad>', '<unk>', '<bos>', '<eos>', '.', 'a'])
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

import numpy as np

from elman.data.sources import open_text
from elman.data.text import DEFAULT_SPECIALS, Vocab, word_tokenize

FILES = {"train": "train", "val": "val", "test": "test_2016_flickr"}
COUNTS = {"train": 29000, "val": 1014, "test": 1000}
SOURCE_LANGUAGE, TARGET_LANGUAGE = "de", "en"


class Vocabs(NamedTuple):
    """The source (German) and target (English) vocabularies of a translation model."""

    source: Vocab
    target: Vocab


def _lines(split: str, language: str, download: bool) -> list[str]:
    text = open_text("multi30k", f"{FILES[split]}.{language}.gz", download=download)
    lines = text.split("\n")  # not splitlines(): a caption may hold a Unicode line separator
    if lines and lines[-1] == "":
        lines.pop()
    return [unicodedata.normalize("NFC", line.strip()) for line in lines]


def load_pairs(split: str, *, download: bool = True) -> list[tuple[str, str]]:
    """The ``(german, english)`` sentence pairs of ``split`` ("train", "val" or "test"), as stored (NFC)."""
    if split not in FILES:
        raise ValueError(f"split must be one of {tuple(FILES)}, got {split!r}")
    de, en = _lines(split, SOURCE_LANGUAGE, download), _lines(split, TARGET_LANGUAGE, download)
    if len(de) != len(en) or len(de) != COUNTS[split]:
        raise ValueError(
            f"multi30k {split}: expected {COUNTS[split]} German and English lines, got {len(de)} and {len(en)}"
        )
    return list(zip(de, en))


def tokenize(sentence: str) -> list[str]:
    """Lower-cased words, each punctuation mark a token of its own (``word_tokenize(sentence, lower=True)``)."""
    return word_tokenize(sentence, lower=True)


def detokenize(tokens) -> str:
    """Tokens joined by spaces, with no space before ``. , ; : ! ? )`` and after ``(`` (English text)."""
    out = ""
    for tok in tokens:
        if out and tok not in ".,;:!?)" and not out.endswith("("):
            out += " "
        out += tok
    return out


def build_vocabs(pairs, *, min_freq: int = 2) -> Vocabs:
    """Vocabularies of the tokenised training pairs: tokens seen ``min_freq`` times or more, specials first."""
    return Vocabs(
        Vocab.build([tokenize(de) for de, _ in pairs], min_freq=min_freq, specials=DEFAULT_SPECIALS),
        Vocab.build([tokenize(en) for _, en in pairs], min_freq=min_freq, specials=DEFAULT_SPECIALS),
    )


def encode_pairs(vocabs: Vocabs, pairs, *, max_len: int | None = None):
    """(sources, targets): ids of the German words (no <bos>/<eos>) and <bos> + English words + <eos>.

    ``max_len`` keeps at most that many words of each sentence (None: all). An empty sentence gets no ids.
    """
    sources, targets = [], []
    for de, en in pairs:
        sources.append(vocabs.source.encode(tokenize(de)[:max_len]))
        targets.append(vocabs.target.encode(tokenize(en)[:max_len], add_bos=True, add_eos=True))
    return sources, targets


def unknown_rate(vocab: Vocab, sequences) -> float:
    """The fraction of the ids in ``sequences`` that are ``<unk>``."""
    ids = np.concatenate([np.asarray(s) for s in sequences]) if sequences else np.zeros(0, np.int64)
    return float((ids == vocab.unk_id).mean()) if ids.size else 0.0
