"""CoNLL-U reading for part-of-speech tagging: sentences as (words, UPOS tags).

A CoNLL-U file holds one token per line in 10 tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL
DEPS MISC), sentences separated by blank lines, comments starting with ``#``. Only the syntactic words are kept:
multi-word token ranges (ID ``1-2``, e.g. "don't" above "do" + "n't") and empty nodes (ID ``1.1``) are skipped.

    >>> parse_conllu("# text = Hi there\\n1\\tHi\\thi\\tINTJ\\t_\\t_\\t0\\troot\\t_\\t_\\n"
    ...              "2\\tthere\\tthere\\tADV\\t_\\t_\\t1\\tadvmod\\t_\\t_\\n")
    [(['Hi', 'there'], ['INTJ', 'ADV'])]

``load_ud(split)`` reads UD English-EWT (dataset "ud-english-ewt", v2.16: train/dev/test 12,544 / 2,001 / 2,077
sentences) through ``elman.data.sources`` (``ELMAN_DATA_DIR`` or the download cache), or a local folder.
"""

from __future__ import annotations

from pathlib import Path

from elman.errors import MissingFile

#: The 17 universal part-of-speech tags of Universal Dependencies v2, in the order of the UD documentation.
UPOS_TAGS = (
    "ADJ",
    "ADP",
    "ADV",
    "AUX",
    "CCONJ",
    "DET",
    "INTJ",
    "NOUN",
    "NUM",
    "PART",
    "PRON",
    "PROPN",
    "PUNCT",
    "SCONJ",
    "SYM",
    "VERB",
    "X",
)
UD_DATASET = "ud-english-ewt"
UD_FILES = {"train": "en_ewt-ud-train.conllu.gz", "dev": "en_ewt-ud-dev.conllu", "test": "en_ewt-ud-test.conllu"}


def parse_conllu(text: str, *, check_tags: bool = True) -> list[tuple[list[str], list[str]]]:
    """Parse CoNLL-U text into ``[(words, tags), ...]``, one pair of equal-length lists per sentence.

    Skips comments, multi-word ranges ("3-4") and empty nodes ("5.1"). With ``check_tags`` every UPOS must be
    one of ``UPOS_TAGS``. Raises ValueError naming the line for a token line with fewer than 10 columns, a
    non-integer ID or an unknown tag.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str (the contents of a CoNLL-U file), got {type(text).__name__}")
    known = set(UPOS_TAGS)
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 10:
            raise ValueError(f"line {number}: expected 10 tab-separated CoNLL-U columns, got {len(cols)}: {line!r}")
        ident = cols[0]
        if "-" in ident or "." in ident:  # multi-word token range or empty node: not a syntactic word
            continue
        if not ident.isdigit():
            raise ValueError(
                f"line {number}: expected an integer token ID, a range 'a-b' or an empty node 'a.b', got {ident!r}"
            )
        if check_tags and cols[3] not in known:
            raise ValueError(f"line {number}: expected a UPOS tag among {', '.join(UPOS_TAGS)}, got {cols[3]!r}")
        words.append(cols[1])
        tags.append(cols[3])
    if words:
        sentences.append((words, tags))
    return sentences


def read_conllu(path, **kwargs) -> list[tuple[list[str], list[str]]]:
    """``parse_conllu`` of a file (``.gz`` files are decompressed)."""
    from elman.data.textfiles import read_text

    return parse_conllu(read_text(path), **kwargs)


def load_ud(split: str, *, source=None) -> list[tuple[list[str], list[str]]]:
    """The sentences of a UD English-EWT split ("train", "dev" or "test").

    ``source``: a folder holding the three files (the ``.conllu`` or ``.conllu.gz`` names); None reads the
    registered dataset through ``elman.data.sources.open_text``.
    """
    if split not in UD_FILES:
        raise ValueError(f"split must be one of {tuple(UD_FILES)}, got {split!r}")
    name = UD_FILES[split]
    if source is not None:
        folder = Path(source)
        for candidate in (folder / name, folder / name.removesuffix(".gz"), folder / (name + ".gz")):
            if candidate.is_file():
                return read_conllu(candidate)
        raise MissingFile(f"{folder} has no {name.removesuffix('.gz')}[.gz] for the {split} split")
    from elman.data.sources import open_text

    return parse_conllu(open_text(UD_DATASET, name))


def tag_counts(sentences) -> dict[str, int]:
    """How often each UPOS tag occurs, in ``UPOS_TAGS`` order (tags outside it appended)."""
    counts = {t: 0 for t in UPOS_TAGS}
    for _, tags in sentences:
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
    return counts
