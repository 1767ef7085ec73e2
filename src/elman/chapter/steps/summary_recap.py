"""Step 8's live recap: one small figure per step, each computed by that step's own public function (nothing here
re-does a step's maths; it picks the few numbers a thumbnail needs from the step's answer).

``recap(key, seed)`` answers for one step; the page asks for each figure only as it scrolls into view, so the page
is ready before any model is loaded.
"""

from __future__ import annotations

from elman.chapter.steps import bptt, embeddings, hidden_state, recurrence, sequences, tasks, vanishing
from elman.errors import InvalidInput

# The settings of each thumbnail: each step's own defaults, written once here.
WORD = "hello"  # step 2: one character per step
PREFIX = "the cat sat on the"  # step 3: the seed's example
PAIR = ("it is funny and not boring", "it is boring and not funny")  # step 6: the same words, reordered
ANALOGY = ("king", "man", "woman")  # step 7: king − man + woman


def _sequences(seed: int) -> dict:
    r = sequences.compare(sequences.DEFAULT_A, sequences.DEFAULT_B, seed)
    return {
        "a": sequences.DEFAULT_A,
        "b": sequences.DEFAULT_B,
        "cosines": [
            {"reader": "bag of words", "cosine": r["bag_of_words"]["cosine"]},
            {"reader": "fixed width", "cosine": r["feedforward"]["cosine"]},
            {"reader": "RNN", "cosine": r["rnn"]["cosine"]},
        ],
    }


def _recurrence(seed: int) -> dict:
    r = recurrence.unroll(WORD, "chars", seed)
    return {
        "tokens": r["tokens"],
        "states": [s["h"] for s in r["steps"]],  # (T, H): h_t per step
        "parameters": r["parameters"]["shared"],
    }


def _hidden_state(seed: int) -> dict:
    r = hidden_state.reading(PREFIX, top=5)
    return {"text": PREFIX, "next": r["predictions"][-1]}


def _bptt(seed: int) -> dict:
    r = bptt.backward_pass(**bptt.DEFAULTS, seed=seed)  # the step's own defaults
    return {
        **bptt.DEFAULTS,
        "steps": r["steps"],
        "full": r["full_norms"],
        "truncated": r["truncated_norms"],
        "cuts": r["cuts"],
        "relative_error": r["gradients"]["weight_ih_l0"]["relative_error"],
    }


def _vanishing(seed: int) -> dict:
    rho, T = vanishing.DEFAULT["rho"], vanishing.DEFAULT["T"]  # the step's default regime
    r = vanishing.decay(rho, T, seed)
    return {
        "rho": rho,
        "T": T,
        "distance": r["distance"],
        "rho_power": r["rho_power"],
        "tanh": r["tanh"],
        "relu": r["relu"],
    }


def _tasks(seed: int) -> dict:
    answers = [tasks.sentiment(text) for text in PAIR]
    return {
        "sentences": list(PAIR),
        "rnn": [a["rnn"]["p_positive"] for a in answers],
        "bow": [a["bow"]["p_positive"] for a in answers],
    }


def _embeddings(seed: int) -> dict:
    r = embeddings.analogy(*ANALOGY)
    return {"query": list(ANALOGY), "answers": r["answers"][:5], "source": r["vectors"]["source"]}


# step key → (its thumbnail, the lane its work queues in: a shipped model's own, or the shared compute lane)
RECAPS = {
    "sequences": (_sequences, "compute"),
    "recurrence": (_recurrence, "compute"),
    "hidden_state": (_hidden_state, "word_lm"),
    "bptt": (_bptt, "compute"),
    "vanishing": (_vanishing, "compute"),
    "tasks": (_tasks, "sentiment"),
    "embeddings": (_embeddings, "vectors"),
}


def recap(key: str, seed: int) -> dict:
    """The numbers of step ``key``'s thumbnail, from the step's own function."""
    if key not in RECAPS:
        raise InvalidInput(f"There is no step called {key!r}; expected one of {', '.join(RECAPS)}.")
    return {"key": key, "seed": seed, **RECAPS[key][0](seed)}
