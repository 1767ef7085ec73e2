"""Step 8's claims: each sentence of the chapter that the lab measures (``elman claims``), the step that makes it,
the command that measures it, and, for the experiments quick enough to wait for, a run here and now.

The statements are ours; the experiment names and claim numbers are the lab's (``elman.analysis.claims``), and a
test keeps this table and the lab's registry the same. Nothing here states a verdict: a verdict on the page comes
from ``run_experiment`` itself, run on request.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache

from elman.analysis.claims import EXPERIMENTS, run_experiment
from elman.chapter.admission import Lane
from elman.errors import InvalidInput, MissingFile

# (claim number, experiment, the step that makes the claim, the claim in a line)
CLAIMS = (
    (
        1,
        "vanishing",
        "vanishing",
        "Below spectral radius one the gradient n steps back shrinks like ρⁿ "
        "(0.9¹⁰⁰ ≈ 2.7 × 10⁻⁵); above one it grows.",
    ),
    (
        2,
        "weight_sharing",
        "recurrence",
        "One set of weights serves every step, so the parameter count does not grow with the length of the sequence.",
    ),
    (
        3,
        "unrolled",
        "bptt",
        "Unrolled over T steps an RNN is a T-layer network sharing one set of weights; the "
        "shared weight's gradient is the sum of the layers' gradients.",
    ),
    (
        4,
        "order",
        "sequences",
        "A bag of words cannot tell “the dog bit the man” from “the man bit the dog”, a "
        "fixed-width network takes one length only, an RNN reads both in order.",
    ),
    (5, "long_range", "vanishing", "A vanilla tanh RNN learns short dependencies but not long ones."),
    (6, "truncation", "bptt", "Truncated BPTT cannot learn a dependency longer than its window K; full BPTT can."),
    (7, "clipping", "vanishing", "Clipping the gradient's norm tames explosion but does nothing for vanishing."),
    (
        8,
        "stacking",
        "tasks",
        "Stacked layers add depth at every step: the gradient fades back in time and down the stack.",
    ),
    (
        9,
        "bottleneck",
        "hidden_state",
        "A fixed-size state is a lossy summary: older items are recalled less "
        "reliably, and a larger state recalls more.",
    ),
    (10, "analogy", "embeddings", "In GloVe's space king − man + woman lands nearest to queen."),
    (
        11,
        "next_word",
        "hidden_state",
        "After “the cat sat on the”, a word-level RNN language model ranks “mat” among its likely next words.",
    ),
    (
        12,
        "one_hot",
        "embeddings",
        "One-hot vectors keep every pair of words equally far apart; dense embeddings put related words closer.",
    ),
    (
        13,
        "timeline",
        "summary",
        "The dates of the timeline, 1986 to 2017: cited from their publications, not measured.",
    ),
    (
        14,
        "architectures",
        "tasks",
        "The shapes of sequence tasks (many-to-one, one-to-many, many-to-many aligned and "
        "unaligned, stacked) and what each is used for: cited, not measured.",
    ),
    (
        0,
        "initialisation",
        "vanishing",
        "No initialisation rescues a vanilla RNN from vanishing gradients on long "
        "dependencies within a small budget of updates (orthogonal and identity + "
        "ReLU tried; with long training IRNN can, as Le et al. 2015 found).",
    ),
)

# Quick enough to run while the learner waits (quick mode, at most a few seconds each on one core; the two cited
# rows only print their sources); the others train for longer and are shown with their command only.
RUN_HERE = ("vanishing", "weight_sharing", "unrolled", "order", "clipping", "timeline", "architectures")
ALL = "elman claims --quick"
DOCS = "benchmarks/README.md, section “The chapter's claims”"

# One claim computes at a time, a few may wait: a run holds a core for up to a few seconds.
LANE = Lane("claims", "claim-measuring", 1, 4)


def command(name: str) -> str:
    return f"elman experiment {name} --out runs/experiments"


def lab_installed() -> bool:
    """Whether the lab's optional dependency (matplotlib, which every experiment draws with) is installed: a
    chapter installed alone (``pip install 'elman[chapter]'``) shows the commands but runs nothing."""
    return importlib.util.find_spec("matplotlib") is not None


def listing(step_numbers: dict[str, int]) -> list[dict]:
    """Every claim with its step (key and number), its command and whether the page can run it."""
    here = lab_installed()
    return [
        {
            "id": i,
            "experiment": name,
            "step": step,
            "step_number": step_numbers[step],
            "statement": statement,
            "command": command(name),
            "quick_command": f"{command(name)} --quick",
            "all": ALL,
            "docs": DOCS,
            "runs_here": here and name in RUN_HERE,
        }
        for i, name, step, statement in CLAIMS
    ]


@lru_cache(maxsize=64)
def measure(name: str, seed: int) -> dict:
    """Run one quick experiment now: the lab's own claim, measurement and verdict."""
    if name not in EXPERIMENTS:
        raise InvalidInput(f"There is no experiment called {name!r}; expected one of {', '.join(sorted(EXPERIMENTS))}.")
    if name not in RUN_HERE:
        raise InvalidInput(f"The {name} experiment trains for too long to wait for here; run it with: {command(name)}")
    if not lab_installed():
        raise MissingFile(
            "The lab's experiments need matplotlib, which this installation lacks: "
            "pip install 'elman[lab]', then run it again."
        )
    result = run_experiment(name, quick=True, seed=seed)
    return {
        "experiment": name,
        "id": result.id,
        "seed": seed,
        "quick": True,
        "claim": result.claim,
        "measured": result.measured,
        "verdict": result.verdict,
        "sources": list(getattr(result, "sources", None) or []),
        "command": f"{command(name)} --quick --seed {seed}",
    }
