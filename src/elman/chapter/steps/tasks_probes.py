"""Step 6, sentiment probes: sentence pairs whose meaning turns on negation, contrast or word order, each judged
passed or failed from the shipped classifier's live P(positive), and where on SST-2 the RNN's reading of order pays.

A model passes a probe when it puts both sentences on their side of 0.5; the sentence that says why is written
from the same numbers, so a failure is shown as a failure. ``judge`` is pure (probabilities in, verdicts out);
the step module computes the probabilities with the library and calls it.

The SST-2 split (accuracy of the RNN and of its bag of words on test sentences with a contrast word, with a
negation, and on the rest) needs the SST data, which the chapter cannot assume: ``measure`` computes it with the
task's own functions and ``python -m elman.chapter.steps.tasks_probes`` writes it to ``tasks_probes.json`` beside
this file, with the sha256 of the weights it was measured on; ``split`` reads it back only while those weights
are still the shipped ones.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from elman.chapter.models import WEIGHTS

SPLIT_FILE = Path(__file__).with_name("tasks_probes.json")
SIDES = ("negative", "positive")


class Probe(NamedTuple):
    kind: str  # negation, order, contrast
    tests: str  # what the pair tests, in a few words
    a: str
    label_a: int  # 1 positive, 0 negative
    b: str
    label_b: int


PROBES = (
    Probe("negation", "“not” turns a positive word", "the movie was good", 1, "the movie was not good", 0),
    Probe("negation", "“not” turns a negative word", "the movie was bad", 0, "the movie was not bad", 1),
    Probe("order", "the same words, the “not” moved", "it is funny and not boring", 1, "it is boring and not funny", 0),
    Probe(
        "contrast",
        "the clause after “but” decides",
        "the plot is weak but the acting is wonderful",
        1,
        "the acting is wonderful but the plot is weak",
        0,
    ),
    Probe(
        "contrast",
        "an expectation overturned",
        "i expected it to be bad but it was good",
        1,
        "i expected it to be good but it was bad",
        0,
    ),
)

# SST-2 test sentences are sorted into these groups by their words (a sentence with both goes to contrast).
CONTRAST = frozenset({"but", "although", "though", "yet", "however"})
NEGATION = frozenset({"not", "n't", "no", "never", "nothing"})


def sentences(probes=PROBES) -> list[str]:
    """Every probe sentence, a then b, in order: the batch the classifier reads."""
    return [s for p in probes for s in (p.a, p.b)]


def _side(p: float) -> str:
    return SIDES[int(p >= 0.5)]


def verdict(probe: Probe, pa: float, pb: float, *, order_blind: bool = False) -> dict:
    """Passed when both sentences fall on their side of 0.5, and the sentence that says why, from the numbers."""
    right_a, right_b = (pa >= 0.5) == bool(probe.label_a), (pb >= 0.5) == bool(probe.label_b)
    same_bag = sorted(probe.a.split()) == sorted(probe.b.split())
    passed = right_a and right_b
    if passed:
        why = f"Both read the right way: {pa:.2f} and {pb:.2f}."
        if same_bag:
            why += " The two hold the same words, so only their order told them apart."
    elif order_blind and same_bag:
        why = (
            f"Cannot pass: both sentences hold the same words, so a model blind to order gives both the same {pa:.2f}."
        )
    elif not (right_a or right_b):
        why = f"Both read the wrong way: “{probe.a}” {pa:.2f}, “{probe.b}” {pb:.2f}."
    else:
        wrong, p, other = (probe.a, pa, pb) if not right_a else (probe.b, pb, pa)
        expected = SIDES[probe.label_a if not right_a else probe.label_b]
        why = f"“{wrong}” should read {expected} but gets {p:.2f}."
        toward = p > other if expected == "positive" else p < other
        why += (
            f" Its partner gets {other:.2f}: the change moves the right way, not far enough to cross 0.5."
            if toward
            else f" Its partner gets {other:.2f}: the change moves the wrong way."
        )
    return {"passed": passed, "p_a": float(pa), "p_b": float(pb), "side_a": _side(pa), "side_b": _side(pb), "why": why}


def judge(rnn, bow, probes=PROBES) -> dict:
    """The verdicts for P(positive) ``rnn`` and ``bow`` over ``sentences(probes)``, and how many each passed."""
    rows = []
    for i, p in enumerate(probes):
        rows.append(
            {
                "kind": p.kind,
                "tests": p.tests,
                "a": p.a,
                "b": p.b,
                "expected_a": SIDES[p.label_a],
                "expected_b": SIDES[p.label_b],
                "same_bag": sorted(p.a.split()) == sorted(p.b.split()),
                "rnn": verdict(p, float(rnn[2 * i]), float(rnn[2 * i + 1])),
                "bow": verdict(p, float(bow[2 * i]), float(bow[2 * i + 1]), order_blind=True),
            }
        )
    return {
        "probes": rows,
        "rnn_passed": sum(r["rnn"]["passed"] for r in rows),
        "bow_passed": sum(r["bow"]["passed"] for r in rows),
        "total": len(rows),
    }


# --- where order pays on SST-2: measured offline, read back ---------------------------------------------------
def group_of(words) -> str:
    words = set(words)
    return "contrast" if words & CONTRAST else "negation" if words & NEGATION else "neither"


def measure(shipped, x, y) -> dict:
    """Accuracy of the shipped RNN and bag of words on the SST-2 test sentences ``x`` (labels ``y``), in all and
    per group (contrast word, negation, neither), and how often the two disagree and who is right then."""
    from elman.tasks import sentiment as sentiment_task

    y = np.asarray(y)
    seqs = sentiment_task.encode(shipped.vocab, x)
    rnn = sentiment_task.predict_proba(shipped.model, seqs).argmax(axis=1)
    bow = sentiment_task.predict_proba(shipped.bag, seqs).argmax(axis=1)
    groups = np.array([group_of(s) for s in x])
    out = {"sentences": len(y), "rnn_accuracy": float((rnn == y).mean()), "bow_accuracy": float((bow == y).mean())}
    for g in ("contrast", "negation", "neither"):
        m = groups == g
        out[g] = {
            "sentences": int(m.sum()),
            "rnn_accuracy": float((rnn[m] == y[m]).mean()),
            "bow_accuracy": float((bow[m] == y[m]).mean()),
        }
    differ = rnn != bow
    out["disagree"] = {
        "sentences": int(differ.sum()),
        "rnn_right": int((differ & (rnn == y)).sum()),
        "bow_right": int((differ & (bow == y)).sum()),
    }
    return out


@cache
def weights_sha256() -> str:
    return hashlib.sha256((WEIGHTS / "sentiment.safetensors").read_bytes()).hexdigest()


def write_split(path: Path = SPLIT_FILE) -> dict:
    """Measure on the SST-2 test split (needs the data) and write the table with its provenance."""
    from elman.chapter.models import sentiment as sentiment_model
    from elman.tasks import sentiment as sentiment_task

    x, y = sentiment_task.load_split("sst2", "test")
    table = {
        "measured_by": "elman.chapter.steps.tasks_probes.measure",
        "data": "SST-2 test sentences",
        "groups": {"contrast": sorted(CONTRAST), "negation": sorted(NEGATION)},
        "weights_sha256": weights_sha256(),
        **measure(sentiment_model.load(), x, y),
    }
    path.write_text(json.dumps(table, indent=1) + "\n")
    return table


@cache
def split(path: Path = SPLIT_FILE) -> dict | None:
    """The stored SST-2 split, or None when it is missing or was measured on other weights than those shipped."""
    try:
        table = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    return table if table.get("weights_sha256") == weights_sha256() else None


if __name__ == "__main__":
    print(json.dumps(write_split(), indent=1))
