"""GloVe 6B 50-d on the Google analogy questions: elman's evaluator, and gensim's when it is installed.

Both follow ``evaluate_word_analogies(restrict_vocab=30000, case_insensitive=True)``: the first 30,000 words,
3CosAdd, query words excluded, questions with a word outside those 30,000 skipped.

    ELMAN_DATA_DIR=/work/shared/data python benchmarks/analogy_glove.py
"""

from __future__ import annotations

import logging
import time

from elman.data.sources import path
from elman.embeddings.analogy import evaluate, format_report, load_questions
from elman.embeddings.vectors import WordVectors

RESTRICT = 30000


def _pct(acc) -> str:
    return "     -" if acc is None else f"{100 * acc:6.2f}"


def main() -> None:
    t = time.perf_counter()
    wv = WordVectors.load("glove-6b-50d")
    load_s = time.perf_counter() - t
    sections = load_questions("google-analogy")
    t = time.perf_counter()
    ours = evaluate(wv, sections, restrict=RESTRICT)
    eval_s = time.perf_counter() - t
    print(f"elman: {wv}, loaded in {load_s:.2f} s, evaluated in {eval_s:.2f} s")
    print(format_report(ours))
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        print("\ngensim is not installed: no comparison (pip install gensim)")
        return
    logging.getLogger("gensim").setLevel(logging.WARNING)
    t = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(str(path("glove-6b-50d")), binary=False, no_header=True)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    score, gensim_sections = kv.evaluate_word_analogies(
        str(path("google-analogy")), restrict_vocab=RESTRICT, case_insensitive=True
    )
    eval_s = time.perf_counter() - t
    print(f"\ngensim: loaded in {load_s:.2f} s, evaluated in {eval_s:.2f} s; accuracy in %, elman - gensim in points")
    theirs = {}
    for s in gensim_sections:
        c, i = len(s["correct"]), len(s["incorrect"])
        theirs[s["section"]] = (c, c + i)
    groups = {
        "semantic": [n for n in ours["sections"] if not n.startswith("gram")],
        "syntactic": [n for n in ours["sections"] if n.startswith("gram")],
    }
    for g, names in groups.items():
        theirs[g] = tuple(sum(theirs[n][k] for n in names) for k in (0, 1))
    theirs["total"] = theirs.pop("Total accuracy")
    rows = [(n, r) for n, r in ours["sections"].items()] + [(g, ours[g]) for g in ("semantic", "syntactic", "total")]
    width = max(len(n) for n, _ in rows)
    print(f"{'section':<{width}}   elman  gensim    diff  correct/answered (elman | gensim)")
    for name, r in rows:
        c, n = theirs[name]
        g = c / n if n else None
        diff = "     -" if g is None or r["accuracy"] is None else f"{100 * (r['accuracy'] - g):+6.2f}"
        print(f"{name:<{width}}  {_pct(r['accuracy'])}  {_pct(g)}  {diff}  {r['correct']}/{r['total']} | {c}/{n}")
    print(f"gensim's score: {100 * score:.2f} %")


if __name__ == "__main__":
    main()
