"""The Stanford Sentiment Treebank (SST): PTB-style trees → (tokens, root label), SST-5 and SST-2.

Each line of ``train.txt`` / ``dev.txt`` / ``test.txt`` is one sentence as an S-expression
``(label (label word) (label (label word) ...))`` with labels 0 (very negative) .. 4 (very positive).
Only the root's label is used here (sentence-level classification):

* SST-5 (``binary=False``): every sentence, label 0..4 (8,544 / 1,101 / 2,210 sentences).
* SST-2 (``binary=True``): neutral roots (2) dropped, 0–1 → 0 (negative), 3–4 → 1 (positive)
  (6,920 / 872 / 1,821 sentences).

    >>> parse_tree("(3 (2 not) (4 (2 -LRB-bad-RRB-) (4 good)))")
    (['not', '(bad)', 'good'], 3)
"""

from __future__ import annotations

import io
from pathlib import Path

from elman.data.textfiles import read_text

SPLITS = ("train", "dev", "test")
_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}


def _unescape(word: str) -> str:
    for escaped, plain in _BRACKETS.items():
        word = word.replace(escaped, plain)
    return word


def parse_tree(line: str, *, lower: bool = False, phrases: list | None = None) -> tuple[list[str], int]:
    """One PTB tree → (its leaves in order, the root's label 0..4).

    Leaves are the words of ``(label word)`` nodes; ``-LRB-`` / ``-RRB-`` (and the square / curly variants)
    become the brackets themselves. With a list ``phrases``, every node's (leaves, label) is appended to it,
    children before parents (the root last). Raises ValueError, naming what was expected and what was found, on
    unbalanced parentheses, a missing or non-integer label, or trailing text.
    """
    text = line.strip()
    if not text.startswith("("):
        raise ValueError(f"expected a tree starting with '(', got {text[:40]!r}")
    tokens: list[str] = []
    i, n, depth, root, starts = 0, len(text), 0, None, []
    while i < n:
        c = text[i]
        if c == "(":
            j = i + 1
            while j < n and text[j] not in " ()":
                j += 1
            label = text[i + 1 : j]
            if not label.isdigit() or not 0 <= int(label) <= 4:
                raise ValueError(f"expected an integer label 0..4 after '(' at column {i}, got {label!r}")
            if depth == 0:
                if root is not None:
                    raise ValueError(f"expected one tree per line, found a second one at column {i}")
                root = int(label)
            depth += 1
            starts.append((len(tokens), int(label)))
            i = j
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' at column {i}: expected at most as many ')' as '('")
            start, label = starts.pop()
            if phrases is not None and len(tokens) > start:
                phrases.append((tokens[start:], label))
            i += 1
        elif c == " ":
            i += 1
        else:  # a word: runs until the ')' closing its (label word) node
            j = i
            while j < n and text[j] not in " ()":
                j += 1
            word = _unescape(text[i:j])
            tokens.append(word.lower() if lower else word)
            i = j
    if depth != 0:
        raise ValueError(f"unbalanced tree: expected every '(' closed, {depth} left open")
    if root is None or not tokens:
        raise ValueError(f"expected a labelled tree with at least one word, got {text[:40]!r}")
    return tokens, root


def read_trees(path, *, lower: bool = False) -> list[tuple[list[str], int]]:
    """Every non-empty line of a tree file, parsed; errors name the file and the line number."""
    out = []
    with io.StringIO(read_text(path), newline=None) as f:  # read_text: a file that is not UTF-8 is named
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(parse_tree(line, lower=lower))
            except ValueError as err:
                raise ValueError(f"{path}, line {number}: {err}") from None
    return out


def read_phrases(path, *, lower: bool = False) -> list[tuple[list[str], int]]:
    """Every labelled node (phrase) of every tree in a file, duplicates removed (first occurrence kept)."""
    out, seen = [], set()
    with io.StringIO(read_text(path), newline=None) as f:  # read_text: a file that is not UTF-8 is named
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            nodes: list = []
            try:
                parse_tree(line, lower=lower, phrases=nodes)
            except ValueError as err:
                raise ValueError(f"{path}, line {number}: {err}") from None
            for tokens, label in nodes:
                key = " ".join(tokens)
                if key not in seen:
                    seen.add(key)
                    out.append((tokens, label))
    return out


def to_binary(label: int) -> int | None:
    """SST-5 → SST-2: 0, 1 → 0; 3, 4 → 1; 2 (neutral) → None (dropped)."""
    if label not in (0, 1, 2, 3, 4):
        raise ValueError(f"expected an SST label 0..4, got {label!r}")
    return None if label == 2 else int(label >= 3)


def load_sst(
    split: str, *, binary: bool = True, lower: bool = True, phrases: bool = False, source=None
) -> tuple[list[list[str]], list[int]]:
    """(sentences, labels) of one split: SST-2 with ``binary`` (labels 0/1), else SST-5 (labels 0..4).

    With ``phrases`` every distinct labelled phrase of the trees is an example (the usual way to train on
    SST: about 150k phrases for SST-5's train split); evaluate on sentences (``phrases=False``).

    ``source`` is a folder holding ``train.txt`` / ``dev.txt`` / ``test.txt``; by default the registered
    ``sst`` dataset (``$ELMAN_DATA_DIR/sst-trees`` or the cache).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if source is None:
        from elman.data.sources import path

        file = path("sst", f"{split}.txt")
    else:
        file = Path(source) / f"{split}.txt"
    sentences, labels = [], []
    for tokens, label in (read_phrases if phrases else read_trees)(file, lower=lower):
        if binary:
            label = to_binary(label)
            if label is None:
                continue
        sentences.append(tokens)
        labels.append(label)
    return sentences, labels
