"""Step 1's headline at the defaults, on every seed 0–9: reordering the same five words leaves the bag of words
unchanged, while the fixed-width network and the RNN both read a different sentence (cosine ≤ 0.95; measured
0.19–0.94); a sixth word the fixed-width network cannot read at all, and says so in words. The check itself fails
on order-blind readers (a tied-slot network, a summing reader), so it measures order and nothing else."""

import numpy as np
import pytest

from elman.chapter.steps import sequences
from elman.chapter.steps.sequences import DEFAULT_A, DEFAULT_B, compare

SEEDS = range(10)
MARGIN = 0.95  # cos(A, B) at most this: "tells the reordering apart"; 1.0 is "the same"


def tells_apart(reader: dict) -> bool:
    return reader["cosine"] is not None and reader["cosine"] <= MARGIN


@pytest.mark.parametrize("seed", SEEDS)
def test_only_the_bag_of_words_is_blind_to_a_reordering(seed):
    r = compare(DEFAULT_A, DEFAULT_B, seed)
    assert r["bag_of_words"]["identical"] and r["bag_of_words"]["cosine"] == pytest.approx(1.0)
    assert tells_apart(r["feedforward"]), r["feedforward"]["cosine"]
    assert tells_apart(r["rnn"]), r["rnn"]["cosine"]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_fixed_width_network_cannot_read_another_length_and_says_so(seed):
    r = compare(DEFAULT_A, DEFAULT_B + " today", seed)
    a, b = r["feedforward"]["sentences"]
    assert a["accepted"] and not b["accepted"] and r["feedforward"]["cosine"] is None
    assert b["message"].startswith("Sentence B has 6 words, and this network takes exactly 5")
    assert tells_apart(r["rnn"])  # the RNN reads any length


class _SummingRNN:
    """An order-blind reader: tanh of the summed input projections (the RNN's W_xh, no W_hh)."""

    def __init__(self, input_size, hidden_size, dtype, rng):
        self.weight = rng.standard_normal((hidden_size, input_size))

    def __call__(self, x):
        return None, np.tanh(x.sum(axis=0) @ self.weight.T)[None]


class _TiedLinear:
    """A fixed-width layer whose slots share one block of weights: it sees the words, not their places."""

    def __init__(self, in_features, out_features, dtype, rng):
        self.in_features = in_features
        self.block = rng.standard_normal((out_features, sequences.EMBED))

    def __call__(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError("wrong width")
        return x.reshape(len(x), -1, sequences.EMBED).sum(axis=1) @ self.block.T


def test_the_check_fails_on_order_blind_readers(monkeypatch):
    monkeypatch.setattr(sequences, "RNN", _SummingRNN)
    monkeypatch.setattr(sequences, "Linear", _TiedLinear)
    for seed in SEEDS:
        r = compare(DEFAULT_A, DEFAULT_B, seed)
        assert not tells_apart(r["rnn"]) and not tells_apart(r["feedforward"])


@pytest.mark.parametrize(
    "a, b, said",
    [
        ("", "the dog", "Expected sentence A of at least one word, got none."),
        ("the dog", "   ", "Expected sentence B of at least one word, got none."),
        ("x" * 201, "the dog", "Expected sentence A of at most 200 characters, got 201."),
        ("the dog", "w " * 41, "Expected sentence B of at most 40 words, got 41."),
    ],
)
def test_a_sentence_the_panel_cannot_read_is_one_plain_sentence(a, b, said):
    with pytest.raises(ValueError) as error:
        compare(a, b, 0)
    assert str(error.value) == said


def test_any_typed_word_is_read_no_word_is_unknown():
    r = compare("ça va? 42 — ok!", "ok! — 42 ça va?", 0)
    assert r["bag_of_words"]["identical"] and tells_apart(r["rnn"])
