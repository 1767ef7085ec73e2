"""Word vectors: a vocabulary and an (N, D) float matrix, with loading, saving and cosine queries.

Rows are kept in file order (for GloVe and word2vec files: most frequent word first), so ``restrict(n)`` keeps the
n most frequent words. Every query works on the cached unit vectors ``unit[i] = vectors[i] / ||vectors[i]||``
(a zero row stays zero), so a cosine is one matrix-vector product: ``unit (N, D) @ u (D,) -> (N,)``.

Files: GloVe text (``word v1 ... vD`` per line, no header) and word2vec text (first line ``"N D"``), plain or
gzipped, and safetensors (tensor ``vectors`` plus the vocabulary as JSON in the metadata; no pickle).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
from pathlib import Path

import numpy as np

from elman.errors import CheckpointError, InvalidInput, MissingFile
from elman.io.safetensors import load_file, read_metadata, save_file

__all__ = ["UnknownWordError", "WordVectors"]

_FORMAT = "elman.WordVectors"


class UnknownWordError(ValueError):
    """A word that is not in the vocabulary; the message names it."""

    def __init__(self, word: str, size: int):
        self.word = word
        super().__init__(f"unknown word {word!r}: not in the vocabulary of {size:,} words")


def _resolve(source) -> Path:
    """A file path, or the path of a registered dataset's file (e.g. ``"glove-6b-50d"``)."""
    p = Path(source).expanduser()
    if p.is_file():
        return p
    from elman.data.registry import DATASETS
    from elman.data.sources import path

    if isinstance(source, str) and source in DATASETS:
        return path(source)
    raise MissingFile(
        f"expected a word-vector file or a dataset name ({', '.join(sorted(DATASETS))}), "
        f"got {os.fspath(source)!r}, which is neither"
    )


def _open_text(p: Path):
    return gzip.open(p, "rt", encoding="utf-8") if p.name.endswith(".gz") else open(p, encoding="utf-8")


class WordVectors:
    """``words`` (N distinct strings) and ``vectors`` (N, D) float32 or float64, row i belonging to ``words[i]``."""

    def __init__(self, words: list[str], vectors: np.ndarray):
        if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.dtype not in (np.float32, np.float64):
            got = (
                f"{vectors.dtype} array of shape {vectors.shape}"
                if isinstance(vectors, np.ndarray)
                else type(vectors).__name__
            )
            raise TypeError(f"vectors must be a 2-D float32 or float64 numpy.ndarray (N, D), got {got}")
        words = list(words)
        if not all(isinstance(w, str) for w in words):
            bad = next(w for w in words if not isinstance(w, str))
            raise TypeError(f"words must be strings, got {type(bad).__name__} {bad!r}")
        if len(words) != vectors.shape[0]:
            raise ValueError(f"expected one vector per word: {len(words)} words but vectors of shape {vectors.shape}")
        index = {}
        for i, w in enumerate(words):
            if index.setdefault(w, i) != i:
                raise ValueError(f"duplicate word {w!r} at rows {index[w]} and {i}: words must be distinct")
        self.words, self.index, self.vectors = words, index, vectors
        self._unit: np.ndarray | None = None

    # ----------------------------------------------------------------- basics
    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"WordVectors({len(self):,} words, dim={self.dim}, dtype={self.vectors.dtype})"

    @property
    def unit(self) -> np.ndarray:
        """The rows scaled to unit L2 norm, (N, D), computed once (zero rows stay zero)."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.where(norms == 0, 1, norms).astype(self.vectors.dtype)
        return self._unit

    def id(self, word: str) -> int:
        """The row of ``word``; UnknownWordError when it is not in the vocabulary."""
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(word, len(self)) from None

    def vector(self, word: str) -> np.ndarray:
        """The raw vector (D,) of ``word``."""
        return self.vectors[self.id(word)]

    def restrict(self, n: int) -> WordVectors:
        """The first ``n`` words (the most frequent ones in a frequency-ordered file)."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        return WordVectors(self.words[:n], self.vectors[:n])

    def lowercased(self) -> WordVectors:
        """Lower-cased words, keeping the first (most frequent) row of words that fold together."""
        seen: dict[str, int] = {}
        for i, w in enumerate(self.words):
            seen.setdefault(w.lower(), i)
        rows = np.fromiter(seen.values(), dtype=np.intp, count=len(seen))
        return WordVectors(list(seen), self.vectors[rows])

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, source, *, limit: int | None = None, dtype=np.float32) -> WordVectors:
        """Read GloVe text (no header) or word2vec text (first line ``"N D"``), plain or ``.gz``.

        ``source`` is a file path or a registered dataset name; ``limit`` keeps the first rows only. A malformed
        file (wrong header, ragged row, bad number, not UTF-8) raises InvalidInput (a ValueError) naming the file
        and the line.
        """
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise ValueError(f"limit must be None or a non-negative integer, got {limit!r}")
        p = _resolve(source)
        words, fields, start, header = [], [], 1, None
        try:
            with _open_text(p) as f:
                first = f.readline()
                parts = first.split()
                if len(parts) == 2 and all(x.isdigit() for x in parts):
                    header, start = (int(parts[0]), int(parts[1])), 2
                    if header[1] == 0:
                        raise InvalidInput(f"{p}, line 1: expected a word2vec header 'N D' with D >= 1, got {first!r}")
                if first and header is None:
                    lines = itertools.chain([first], f)
                else:
                    lines = f
                for line in lines:
                    if limit is not None and len(words) >= limit:
                        break
                    row = line.rstrip(" \t\r\n").split(" ")
                    words.append(row[0])
                    fields.append(row[1:])
        except UnicodeDecodeError as err:
            raise InvalidInput(
                f"{p}: not valid UTF-8 text near line {start + len(words)} ({err.reason}); expected "
                "GloVe or word2vec text in UTF-8"
            ) from None
        except (gzip.BadGzipFile, EOFError) as err:
            raise InvalidInput(
                f"{p}: not a complete gzip file ({err}); expected gzipped GloVe or word2vec text"
            ) from None
        return cls._build(p, words, fields, start, header, limit, np.dtype(dtype))

    @classmethod
    def _build(cls, p, words, fields, start, header, limit, dtype) -> WordVectors:
        dim = header[1] if header else (len(fields[0]) if fields else 0)
        for i, row in enumerate(fields):
            if len(row) != dim or not words[i]:
                raise InvalidInput(
                    f"{p}, line {start + i}: expected a word and {dim} numbers, got {len(row) + bool(words[i])} fields"
                )
        if header and len(words) != header[0] and (limit is None or len(words) < min(limit, header[0])):
            raise InvalidInput(f"{p}, line 1: the header announces {header[0]} words, but the file has {len(words)}")
        try:
            vectors = np.array(fields, dtype=dtype).reshape(len(words), dim)
        except ValueError:
            for i, row in enumerate(fields):
                for x in row:
                    try:
                        float(x)
                    except ValueError:
                        raise InvalidInput(f"{p}, line {start + i}: expected a number, got {x!r}") from None
            raise
        try:
            return cls(words, vectors)
        except ValueError as e:
            raise InvalidInput(f"{p}: {e}") from None

    @classmethod
    def load_safetensors(cls, path) -> WordVectors:
        """Read a file written by :meth:`save_safetensors` (exactly the saved words, vectors and dtype)."""
        tensors = load_file(path)
        meta = read_metadata(path)
        if meta.get("format") != _FORMAT or "words" not in meta or set(tensors) != {"vectors"}:
            raise ValueError(
                f"{os.fspath(path)}: expected a WordVectors safetensors file (metadata format={_FORMAT!r},"
                f" words, one tensor 'vectors'), got metadata keys {sorted(meta)} and tensors "
                f"{sorted(tensors)}"
            )
        try:
            words = json.loads(meta["words"])
        except (json.JSONDecodeError, RecursionError) as err:
            raise CheckpointError(
                f"{os.fspath(path)}: its word list is not readable JSON ({type(err).__name__})"
            ) from err
        return cls(words, tensors["vectors"])

    # ----------------------------------------------------------------- saving
    def save_text(self, path, *, header: bool = True) -> None:
        """word2vec text (first line ``"N D"``), or GloVe text with ``header=False``; ``.gz`` names are gzipped.

        Numbers are written with enough digits (9 for float32, 17 for float64) to be read back exactly.
        """
        bad = next((w for w in self.words if not w or any(c.isspace() for c in w)), None)
        if bad is not None:
            raise ValueError(f"cannot write {bad!r} to a text format: words must be non-empty and without whitespace")
        fmt = "%.9g" if self.vectors.dtype == np.float32 else "%.17g"
        row = " ".join([fmt] * self.dim)
        lines = [f"{len(self)} {self.dim}\n"] if header else []
        lines += [f"{w} {row % tuple(v)}\n" for w, v in zip(self.words, self.vectors.tolist())]
        p = Path(path)
        with gzip.open(p, "wt", encoding="utf-8") if p.name.endswith(".gz") else open(p, "w", encoding="utf-8") as f:
            f.writelines(lines)

    def save_safetensors(self, path) -> None:
        """Tensor ``vectors`` (N, D) and metadata ``{"format": ..., "words": JSON list}``."""
        save_file({"vectors": self.vectors}, path, metadata={"format": _FORMAT, "words": json.dumps(self.words)})

    # ---------------------------------------------------------------- queries
    def _query(self, word_or_vector) -> tuple[np.ndarray, list[int]]:
        if isinstance(word_or_vector, str):
            i = self.id(word_or_vector)
            return self.unit[i], [i]
        v = np.asarray(word_or_vector, dtype=self.vectors.dtype)
        if v.shape != (self.dim,):
            raise ValueError(f"expected a word or a vector of shape ({self.dim},), got shape {v.shape}")
        n = np.linalg.norm(v)
        return (v / n if n else v), []

    def _top(self, scores: np.ndarray, topn: int, excluded) -> list[tuple[str, float]]:
        """The ``topn`` best rows of ``scores`` (N,), best first, skipping the rows in ``excluded``."""
        scores = scores.copy()
        scores[list(excluded)] = -np.inf
        k = min(topn, len(self) - len(set(excluded)))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def most_similar(self, word_or_vector, topn: int = 10, exclude=()) -> list[tuple[str, float]]:
        """The ``topn`` words of highest cosine ``unit @ u`` with a word (itself left out) or a vector (D,)."""
        u, rows = self._query(word_or_vector)
        return self._top(self.unit @ u, topn, rows + [self.id(w) for w in exclude])

    def analogy(
        self, a: str, b: str, c: str, topn: int = 10, method: str = "3cosadd", exclude_query: bool = True
    ) -> list[tuple[str, float]]:
        """Answers x to ``a : b :: c : x``, best first, with their scores.

        3CosAdd (``"3cosadd"``): argmax_x cos(x, b - a + c) on unit vectors, the same ranking as
        cos(x, b) - cos(x, a) + cos(x, c); the score returned is the cosine with the normalised b - a + c.
        3CosMul (``"3cosmul"``, Levy & Goldberg 2014): with cosines shifted to [0, 1] by s = (cos + 1) / 2,
        argmax_x s(x, b) * s(x, c) / (s(x, a) + 1e-3); the score returned is that ratio.
        ``exclude_query=False`` lets a, b and c themselves be answers (king - man + woman is nearest to king).
        """
        ia, ib, ic = self.id(a), self.id(b), self.id(c)
        U = self.unit
        if method == "3cosadd":
            t = U[ib] - U[ia] + U[ic]
            n = np.linalg.norm(t)
            scores = U @ (t / n if n else t)
        elif method == "3cosmul":
            s = (U @ U[[ia, ib, ic]].T + 1) / 2  # (N, 3)
            scores = s[:, 1] * s[:, 2] / (s[:, 0] + 1e-3)
        else:
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        return self._top(scores, topn, [ia, ib, ic] if exclude_query else [])
