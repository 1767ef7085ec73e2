"""The analogy benchmark: question files, the evaluator (against a one-question-at-a-time reference) and the CLI."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from data_marks import needs_data
from elman.embeddings.analogy import Section, evaluate, format_report, load_questions
from elman.embeddings.commands import register
from elman.embeddings.vectors import WordVectors

QUESTIONS = """\
: capital-common-countries
Athens Greece Paris France
Paris France Athens Greece
Athens Greece Rome Italy
: gram1-adjective-to-adverb
quick quickly slow slowly
slow slowly quick quickly
: family
man king woman queen
"""


def toy() -> WordVectors:
    # Country = city + (0, 0, 1); adverb = adjective + (0, 1, 0); "queen" is only the 9th word.
    words = [
        "athens",
        "greece",
        "paris",
        "france",
        "quick",
        "quickly",
        "slow",
        "slowly",
        "Paris",
        "queen",
        "man",
        "king",
        "woman",
    ]
    v = np.array(
        [
            [1, 0, 0],
            [1, 0, 1],
            [0.8, 0.3, 0],
            [0.8, 0.3, 1],
            [0, 2, 0.3],
            [0, 3, 0.3],
            [0.5, 2, 0],
            [0.5, 3, 0],
            [0.8, 0.3, 0.01],
            [5, 5, 5],
            [1, 1, 1],
            [1, 2, 1],
            [2, 1, 1],
        ],
        np.float64,
    )
    return WordVectors(words, v)


def test_load_questions(tmp_path):
    (tmp_path / "q.txt").write_text(QUESTIONS)
    sections = load_questions(tmp_path / "q.txt")
    assert [s.name for s in sections] == ["capital-common-countries", "gram1-adjective-to-adverb", "family"]
    assert sections[0].questions[0] == ("Athens", "Greece", "Paris", "France")
    assert [s.syntactic for s in sections] == [False, True, False]
    (tmp_path / "bad.txt").write_text(": s\na b c d\na b c\n")
    with pytest.raises(ValueError, match="bad.txt, line 3: expected four words"):
        load_questions(tmp_path / "bad.txt")
    (tmp_path / "nosection.txt").write_text("a b c d\n")
    with pytest.raises(ValueError, match="line 1: expected a ': section' line"):
        load_questions(tmp_path / "nosection.txt")


def test_evaluate_tiny_file(tmp_path):
    (tmp_path / "q.txt").write_text(QUESTIONS)
    r = evaluate(toy(), tmp_path / "q.txt", restrict=9)
    s = r["sections"]
    # "rome"/"italy" and (with restrict=9) "queen", "man", "king", "woman" are outside the vocabulary: skipped.
    assert s["capital-common-countries"] == {"correct": 2, "total": 2, "skipped": 1, "accuracy": 1.0}
    assert s["gram1-adjective-to-adverb"] == {"correct": 2, "total": 2, "skipped": 0, "accuracy": 1.0}
    assert s["family"] == {"correct": 0, "total": 0, "skipped": 1, "accuracy": None}
    assert r["semantic"]["total"] == 2 and r["syntactic"]["total"] == 2 and r["total"]["correct"] == 4
    assert r["skipped"] == 2 and r["total"]["accuracy"] == 1.0
    # Paris : France :: Athens : ? -- "Paris" folds to "paris", a query word, so it is never the answer.
    assert "family" in format_report(r) and "2 of 6 questions skipped" in format_report(r)
    json.dumps(r)
    r = evaluate(toy(), tmp_path / "q.txt", restrict=None)
    assert r["sections"]["family"]["total"] == 1 and r["skipped"] == 1
    r = evaluate(toy(), tmp_path / "q.txt", restrict=9, case_insensitive=False)
    assert r["skipped"] == 4  # "Athens", "Greece", ... are not in the vocabulary as written


def _reference(wv: WordVectors, sections, restrict: int) -> list[tuple[int, int, int]]:
    """gensim's evaluate_word_analogies, one question at a time, in plain Python: (correct, answered, skipped)."""
    n = min(restrict, len(wv))
    unit = [[x / math.sqrt(sum(y * y for y in v)) for x in v] for v in wv.vectors[:n].tolist()]
    ok = {}
    for i in reversed(range(n)):  # the first occurrence of a folded word wins
        ok[wv.words[i].lower()] = i
    out = []
    for section in sections:
        correct = answered = skipped = 0
        for question in section.questions:
            a, b, c, d = (w.lower() for w in question)
            if not all(w in ok for w in (a, b, c, d)):
                skipped += 1
                continue
            target = [xb + xc - xa for xa, xb, xc in zip(unit[ok[a]], unit[ok[b]], unit[ok[c]])]
            sims = sorted(
                ((sum(p * q for p, q in zip(unit[i], target)), i) for i in range(n) if i not in (ok[a], ok[b], ok[c])),
                reverse=True,
            )
            predicted = None
            for _, i in sims[:5]:
                predicted = wv.words[i].lower()
                if predicted not in (a, b, c):
                    break
            answered += 1
            correct += predicted == d
        out.append((correct, answered, skipped))
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_evaluate_matches_one_question_at_a_time(seed):
    rng = np.random.default_rng(seed)
    base = rng.choice(30, 8, replace=False)
    words = [f"w{i}" for i in range(30)]
    words += [words[i].upper() for i in base] + [f"w{i}" for i in range(30, 52)]  # rows 30-37: case variants
    v = rng.standard_normal((len(words), 4))
    v[30:38] = v[base] + 0.05 * rng.standard_normal((8, 4))  # close to their originals
    wv = WordVectors(words, v)
    pool = words + ["unknown1", "unknown2"]
    sections = [
        Section(name, [tuple(rng.choice(pool, 4)) for _ in range(17)])
        for name in ("capital-world", "gram3-comparative", "family")
    ]
    # Questions that are usually answered correctly: d is the 3CosAdd answer of the full vocabulary.
    for _ in range(5):
        a, b, c = rng.choice(words[:20], 3, replace=False)
        t = wv.unit[wv.index[b]] - wv.unit[wv.index[a]] + wv.unit[wv.index[c]]
        scores = wv.unit[:40] @ t
        scores[[wv.index[a], wv.index[b], wv.index[c]]] = -np.inf
        sections[0].questions.append((a, b, c, words[int(scores.argmax())]))
    # a = c: the target is b itself, so b's case variant ranks first and must be passed over.
    for i in base[:5]:
        a = words[int(rng.integers(38, 40))]
        sections[1].questions.append((a, words[i], a, words[int(rng.integers(40))]))
    ref = _reference(wv, sections, restrict=40)
    got = evaluate(wv, sections, restrict=40, batch=7)
    assert [tuple(got["sections"][s.name][k] for k in ("correct", "total", "skipped")) for s in sections] == ref
    assert sum(r[0] for r in ref) >= 3 and sum(r[2] for r in ref) > 0, ref
    assert got["syntactic"]["total"] == ref[1][1] and got["semantic"]["correct"] == ref[0][0] + ref[2][0]


def test_evaluate_3cosmul_and_errors(tmp_path):
    (tmp_path / "q.txt").write_text(QUESTIONS)
    r = evaluate(toy(), tmp_path / "q.txt", restrict=9, method="3cosmul")
    assert r["total"]["total"] == 4 and r["method"] == "3cosmul"
    with pytest.raises(ValueError, match="method must be"):
        evaluate(toy(), [], method="cos")
    with pytest.raises(ValueError, match="restrict must be"):
        evaluate(toy(), [], restrict=0)


def _cli(argv):
    parser = argparse.ArgumentParser(prog="elman")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.run(args)


def test_cli(tmp_path, capsys):
    toy().save_text(tmp_path / "v.txt")
    (tmp_path / "q.txt").write_text(QUESTIONS)
    assert _cli(["analogy", "king", "man", "woman", "--vectors", str(tmp_path / "v.txt"), "--topn", "2"]) == 0
    out = capsys.readouterr().out  # king − man + woman: the analogy man : king :: woman : ?
    assert "king − man + woman" in out and "man : king :: woman : ?" in out and len(out.strip().splitlines()) == 3
    assert _cli(["analogy", "man", "king", "nobody", "--vectors", str(tmp_path / "v.txt")]) == 1
    err = capsys.readouterr().err.strip()
    assert "unknown word 'nobody'" in err and len(err.splitlines()) == 1
    assert _cli(["embeddings", "neighbours", "paris", "--vectors", str(tmp_path / "v.txt"), "--topn", "1"]) == 0
    assert "Paris" in capsys.readouterr().out
    assert (
        _cli(
            [
                "embeddings",
                "eval",
                "--vectors",
                str(tmp_path / "v.txt"),
                "--restrict",
                "9",
                "--questions",
                str(tmp_path / "q.txt"),
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["total"]["correct"] == 4


@needs_data("glove-6b-50d", "google-analogy")
def test_google_questions_and_glove():
    sections = load_questions()
    assert len(sections) == 14 and sum(len(s.questions) for s in sections) == 19544
    assert sum(not s.syntactic for s in sections) == 5
    r = evaluate(WordVectors.load("glove-6b-50d", limit=30000), sections, restrict=30000)
    assert r["skipped"] + r["total"]["total"] == 19544
    assert 0.45 < r["total"]["accuracy"] < 0.55
