"""Sentence corpora for word embeddings: lists of sentences, each a list of word tokens.

``brown_sentences`` reads NLTK's Brown corpus zip (500 samples ``brown/ca01`` … ``brown/cr09``, one sentence
per line as ``word/tag`` tokens separated by spaces, blank lines between): ~57k sentences, ~1.16M tokens.
``text_sentences`` turns plain text into one sentence per non-empty line with :func:`word_tokenize`.

    >>> text_sentences("The cat sat.\\n\\nA dog, too!")
    [['the', 'cat', 'sat', '.'], ['a', 'dog', ',', 'too', '!']]
"""

from __future__ import annotations

import re
import zipfile

from elman.data.text import word_tokenize

__all__ = ["brown_sentences", "load_sentences", "parse_brown_sample", "text_sentences"]

# The 500 text samples; brown/README, brown/CONTENTS and brown/cats.txt are documentation, not text.
_BROWN_SAMPLE = re.compile(r"brown/c[a-r]\d\d")


def _strip_tag(token: str) -> str:
    """``"Atlanta's/np$"`` -> ``"Atlanta's"``: the tag follows the last slash (words may contain slashes)."""
    word, slash, _ = token.rpartition("/")
    return word if slash else token


def parse_brown_sample(text: str, lower: bool = True) -> list[list[str]]:
    """The sentences of one Brown sample file: one per non-blank line, tags stripped."""
    sentences = []
    for line in text.splitlines():
        words = [_strip_tag(tok) for tok in line.split()]
        if words:
            sentences.append([w.lower() for w in words] if lower else words)
    return sentences


def brown_sentences(lower: bool = True, *, download: bool = True) -> list[list[str]]:
    """All sentences of the Brown corpus in file order (ca01 … cr09), POS tags stripped, lower-cased by default."""
    from elman.data.sources import path

    sentences: list[list[str]] = []
    with zipfile.ZipFile(path("brown", download=download)) as archive:
        for name in sorted(n for n in archive.namelist() if _BROWN_SAMPLE.fullmatch(n)):
            sentences += parse_brown_sample(archive.read(name).decode("utf-8"), lower)
    return sentences


def text_sentences(text: str, lower: bool = True) -> list[list[str]]:
    """One sentence per line of ``text``, tokenised by :func:`word_tokenize`; lines without tokens are dropped."""
    sentences = []
    for line in text.splitlines():
        tokens = word_tokenize(line, lower=lower)
        if tokens:
            sentences.append(tokens)
    return sentences


def load_sentences(data: str) -> list[list[str]]:
    """``"brown"``, ``"tinyshakespeare"`` or the path of a UTF-8 text file (one sentence per line), lower-cased."""
    if data == "brown":
        return brown_sentences()
    if data == "tinyshakespeare":
        from elman.data.sources import open_text

        return text_sentences(open_text("tinyshakespeare"))
    from elman.data.textfiles import read_text

    return text_sentences(read_text(data))
