"""The word-analogy benchmark of Mikolov et al. (2013): questions ``a : b :: c : d``, answered by vector arithmetic.

:func:`evaluate` follows the standard protocol of gensim's
``KeyedVectors.evaluate_word_analogies(restrict_vocab=30000, case_insensitive=True)``:

* the vocabulary is the first ``restrict`` words of the vectors (the most frequent ones); with case folding, words
  are compared lower-cased, a folded form standing for its first (most frequent) row;
* a question with any of its four words outside that vocabulary is skipped (and counted, not scored);
* the prediction is ``argmax_x cos(x, b) - cos(x, a) + cos(x, c)`` over the restricted rows (3CosAdd on unit
  vectors; gensim ranks by the cosine with the normalised mean, which orders the rows the same way), leaving out
  every row that folds to a, b or c; the answer is correct when the predicted row folds to d.

The questions are scored in batches: ``(Q, D) @ (D, V) -> (Q, V)`` scores for Q questions at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from elman.embeddings.vectors import WordVectors, _resolve

__all__ = ["Section", "evaluate", "format_report", "load_questions"]


@dataclass
class Section:
    """One section of the question file (e.g. ``"capital-common-countries"``) and its ``(a, b, c, d)`` questions."""

    name: str
    questions: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def syntactic(self) -> bool:
        """Sections named ``gram...`` are syntactic, the others semantic."""
        return self.name.startswith("gram")


def load_questions(source="google-analogy") -> list[Section]:
    """Read ``questions-words.txt``: ``": name"`` lines open a section, other lines hold four words ``a b c d``.

    ``source`` is a file path or a registered dataset name. Blank lines are ignored; a line of other than four words,
    or a question before the first section, raises ValueError naming the file and the line number.
    """
    p = _resolve(source)
    sections: list[Section] = []
    with open(p, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith(":"):
                sections.append(Section(line[1:].strip()))
                continue
            words = line.split()
            if not words:
                continue
            if len(words) != 4:
                raise ValueError(f"{p}, line {lineno}: expected four words 'a b c d', got {len(words)}: {line!r}")
            if not sections:
                raise ValueError(f"{p}, line {lineno}: expected a ': section' line before the first question")
            sections[-1].questions.append(tuple(words))
    return sections


def _scores(U: np.ndarray, q: np.ndarray, method: str) -> np.ndarray:
    """Scores (Q, V) of every row of ``U`` (V, D) for the questions ``q`` (Q, 3) of row ids a, b, c."""
    if method == "3cosadd":
        return (U[q[:, 1]] - U[q[:, 0]] + U[q[:, 2]]) @ U.T
    cos = [(U[q[:, j]] @ U.T + 1) / 2 for j in range(3)]  # 3CosMul: cosines shifted to [0, 1]
    return cos[1] * cos[2] / (cos[0] + 1e-3)


def _predict(U: np.ndarray, q: np.ndarray, canon: np.ndarray, method: str, batch: int) -> np.ndarray:
    """The predicted row (Q,) of each question, never a row whose folded form (``canon``) is a, b or c."""
    out = np.empty(len(q), dtype=np.intp)
    for start in range(0, len(q), batch):
        qb = q[start : start + batch]
        s = _scores(U, qb, method)
        rows = np.arange(len(qb))
        for j in range(3):
            s[rows, qb[:, j]] = -np.inf
        pred = s.argmax(axis=1)
        # A later row that folds to a query word (e.g. "King" after "king") is also left out.
        bad = (canon[pred][:, None] == qb).any(axis=1)
        while bad.any():
            r = rows[bad]
            s[r, pred[r]] = -np.inf
            pred[r] = s[r].argmax(axis=1)
            bad[r] = (canon[pred[r]][:, None] == qb[r]).any(axis=1)
        out[start : start + batch] = pred
    return out


def _group(counts: list[dict]) -> dict:
    correct, total, skipped = (sum(c[k] for c in counts) for k in ("correct", "total", "skipped"))
    return {"correct": correct, "total": total, "skipped": skipped, "accuracy": correct / total if total else None}


def evaluate(
    vectors: WordVectors,
    questions="google-analogy",
    *,
    restrict: int | None = 30000,
    case_insensitive: bool = True,
    method: str = "3cosadd",
    batch: int = 1000,
) -> dict:
    """Score the analogy ``questions`` (sections, a file path or a dataset name) on the first ``restrict`` words.

    Returns ``{"sections": {name: {"correct", "total", "skipped", "accuracy"}}, "semantic": {...},
    "syntactic": {...}, "total": {...}, "skipped": int, ...}``: ``total`` counts the answered questions, accuracy
    is correct / total (None when nothing was answered).
    """
    if method not in ("3cosadd", "3cosmul"):
        raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    if restrict is not None and (not isinstance(restrict, int) or isinstance(restrict, bool) or restrict <= 0):
        raise ValueError(f"restrict must be None or a positive integer, got {restrict!r}")
    if isinstance(questions, (str, os.PathLike)):
        questions = load_questions(questions)
    n = len(vectors) if restrict is None else min(restrict, len(vectors))
    fold = str.lower if case_insensitive else str
    vocab: dict[str, int] = {}
    for i, w in enumerate(vectors.words[:n]):
        vocab.setdefault(fold(w), i)
    canon = np.array([vocab[fold(w)] for w in vectors.words[:n]], dtype=np.intp)  # (V,) first row of each form
    ids, owner, skipped = [], [], [0] * len(questions)
    for s, section in enumerate(questions):
        for question in section.questions:
            row = [vocab.get(fold(w)) for w in question]
            if None in row:
                skipped[s] += 1
            else:
                ids.append(row)
                owner.append(s)
    ids = np.array(ids, dtype=np.intp).reshape(-1, 4)
    owner = np.array(owner, dtype=np.intp)
    hit = canon[_predict(vectors.unit[:n], ids[:, :3], canon, method, batch)] == ids[:, 3]
    counts = [
        {"correct": int(hit[owner == s].sum()), "total": int((owner == s).sum()), "skipped": skipped[s]}
        for s in range(len(questions))
    ]
    result = {
        "method": method,
        "restrict": n,
        "case_insensitive": case_insensitive,
        "sections": {sec.name: _group([c]) for sec, c in zip(questions, counts)},
    }
    result["semantic"] = _group([c for sec, c in zip(questions, counts) if not sec.syntactic])
    result["syntactic"] = _group([c for sec, c in zip(questions, counts) if sec.syntactic])
    result["total"] = _group(counts)
    result["skipped"] = result["total"]["skipped"]
    return result


def _pct(acc) -> str:
    return "     -" if acc is None else f"{100 * acc:6.2f}"


def format_report(result: dict) -> str:
    """A table: one row per section, then semantic, syntactic and total (accuracy in %, answered, skipped)."""
    rows = list(result["sections"].items()) + [(k, result[k]) for k in ("semantic", "syntactic", "total")]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'section':<{width}}  accuracy  correct  answered  skipped"]
    for i, (name, r) in enumerate(rows):
        if i == len(result["sections"]):
            lines.append("-" * len(lines[0]))
        lines.append(f"{name:<{width}}  {_pct(r['accuracy'])} %  {r['correct']:7d}  {r['total']:8d}  {r['skipped']:7d}")
    lines.append(
        f"{result['skipped']} of {result['skipped'] + result['total']['total']} questions skipped (a word "
        f"outside the first {result['restrict']:,} words); method {result['method']}"
    )
    return "\n".join(lines)
