"""elman.data.synthetic: shapes, targets recomputed from the inputs, balance, determinism, argument checks."""

import numpy as np
import pytest

from elman.data import Vocab
from elman.data.synthetic import (
    adding_problem,
    agreement_vocab,
    copy_task,
    delayed_recall,
    encode_agreement,
    latch_task,
    number_agreement,
    temporal_order,
)

# Written out here, independently of the module's word lists.
SINGULAR = {
    "cat",
    "dog",
    "girl",
    "boy",
    "teacher",
    "window",
    "key",
    "table",
    "car",
    "tree",
    "rome",
    "london",
    "berlin",
    "oslo",
}
PLURAL = {"cats", "dogs", "girls", "boys", "teachers", "windows", "keys", "tables", "cars", "trees"}


def rng(seed=0):
    return np.random.default_rng(seed)


# --- adding problem -----------------------------------------------------------------------------------------


def test_adding_problem_shapes_markers_and_targets():
    T, B = 21, 64
    x, y = adding_problem(rng(), T, B)
    assert x.shape == (T, B, 2) and x.dtype == np.float32
    assert y.shape == (B,) and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers).tolist()) <= {0.0, 1.0}
    assert np.all(markers[: T // 2].sum(0) == 1) and np.all(markers[T // 2 :].sum(0) == 1)
    np.testing.assert_allclose(y, (values * markers).sum(0), rtol=1e-6)


def test_adding_problem_mean_predictor_mse_is_one_sixth():
    _, y = adding_problem(rng(1), 10, 20_000)
    assert abs(float(np.mean((y - 1.0) ** 2)) - 1 / 6) < 0.005


def test_adding_problem_smallest_T():
    x, y = adding_problem(rng(), 2, 5)
    assert np.all(x[..., 1] == 1)
    np.testing.assert_allclose(y, x[..., 0].sum(0), rtol=1e-6)


# --- temporal order -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [10, 37, 100])
def test_temporal_order_targets_from_inputs(T):
    x, y = temporal_order(rng(), T, 200)
    assert x.shape == (T, 200, 6) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.all(x.sum(-1) == 1)
    sym = x.argmax(-1)
    for b in range(200):
        pos = np.flatnonzero(sym[:, b] >= 4)
        assert len(pos) == 2
        assert T // 10 <= pos[0] <= 2 * T // 10 and 5 * T // 10 <= pos[1] <= 6 * T // 10
        first_y, second_y = sym[pos[0], b] == 5, sym[pos[1], b] == 5
        assert y[b] == 2 * first_y + second_y


def test_temporal_order_classes_balanced():
    _, y = temporal_order(rng(2), 20, 20_000)
    np.testing.assert_allclose(np.bincount(y, minlength=4) / y.size, 0.25, atol=0.015)


# --- delayed recall / copy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lag", [1, 2, 15])
def test_delayed_recall_encoding(lag):
    x, y = delayed_recall(rng(), lag, 30, n_symbols=5)
    assert x.shape == (lag + 1, 30, 6) and x.dtype == np.float32 and y.shape == (30,) and y.dtype == np.int64
    assert np.all(x[0].sum(-1) == 1) and np.all(x[0, :, 5] == 0)
    np.testing.assert_array_equal(x[0].argmax(-1), y)
    assert np.all(x[1:lag] == 0)
    assert np.all(x[lag, :, 5] == 1) and np.all(x[lag, :, :5] == 0)


def test_copy_task_encoding():
    n, lag, B = 4, 6, 25
    x, y = copy_task(rng(), n, lag, B, n_symbols=3)
    assert x.shape == (2 * n + lag - 1, B, 4) and y.shape == (n, B) and y.dtype == np.int64
    np.testing.assert_array_equal(x[:n].argmax(-1), y)
    assert np.all(x[:n, :, 3] == 0) and np.all(x[:n].sum(-1) == 1)
    assert np.all(x[n : n + lag - 1] == 0)
    assert np.all(x[-n:, :, 3] == 1) and np.all(x[-n:, :, :3] == 0)
    assert y.min() >= 0 and y.max() < 3


# --- latch --------------------------------------------------------------------------------------------------


def test_latch_task():
    x, y = latch_task(rng(), 30, 1000)
    assert x.shape == (30, 1000, 1) and x.dtype == np.float32 and y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    np.testing.assert_array_equal(x[0, :, 0], y)
    assert abs(float(np.mean(y == 1)) - 0.5) < 0.06
    assert 0.08 < float(x[1:].std()) < 0.12
    x0, _ = latch_task(rng(), 5, 3, noise_std=0.0)
    assert np.all(x0[1:] == 0)
    x1, y1 = latch_task(rng(), 1, 4)
    np.testing.assert_array_equal(x1[0, :, 0], y1)


# --- number agreement ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("distance", [0, 1, 2, 3, 4, 5, 7, 9, 20])
def test_number_agreement_distance_label_and_attractors(distance):
    tokens, y = number_agreement(rng(distance), distance, 300)
    assert isinstance(tokens, list) and len(tokens) == 300 and y.shape == (300,) and y.dtype == np.int64
    for sentence, label in zip(tokens, y.tolist()):
        assert all(isinstance(t, str) for t in sentence)
        assert sentence[0] == "the" and len(sentence) - 2 == distance  # tokens strictly between subject and verb
        subject = sentence[1]
        assert subject in SINGULAR | PLURAL
        assert label == (subject in PLURAL)
        between = sentence[2:]
        other = SINGULAR if label else PLURAL
        same = PLURAL if label else SINGULAR
        assert not any(t in same for t in between)  # every intervening noun is an attractor
        if distance >= 2:
            assert any(t in other for t in between)


def test_number_agreement_verbs_balanced():
    _, y = number_agreement(rng(3), 4, 4000)
    assert abs(float(y.mean()) - 0.5) < 0.03


def test_number_agreement_without_attractors_mixes_numbers():
    tokens, y = number_agreement(rng(4), 12, 400, attractors=False)
    same_number = sum(any(t in (PLURAL if lab else SINGULAR) for t in s[2:]) for s, lab in zip(tokens, y.tolist()))
    assert same_number > 100
    assert all(len(s) == 14 for s in tokens)


def test_encode_agreement_round_trip():
    vocab = agreement_vocab()
    assert isinstance(vocab, Vocab) and vocab.pad_id == 0 and vocab.unk_id == 1
    assert {"is", "are", "was", "were"} <= set(vocab.itos)
    short, _ = number_agreement(rng(), 1, 3)
    long, _ = number_agreement(rng(), 8, 2)
    ids, lengths = encode_agreement(short + long, vocab)
    assert ids.shape == (10, 5) and ids.dtype == np.int64 and lengths.tolist() == [3, 3, 3, 10, 10]
    assert np.all(ids != vocab.unk_id)
    for b, sentence in enumerate(short + long):
        assert vocab.decode(ids[: lengths[b], b]) == sentence
        assert np.all(ids[lengths[b] :, b] == vocab.pad_id)
    ids2, _ = encode_agreement(short)
    np.testing.assert_array_equal(ids2, ids[:3, :3])


def test_encode_agreement_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        encode_agreement([])
    with pytest.raises(TypeError, match="Vocab"):
        encode_agreement([["the", "cat"]], vocab=["the", "cat"])
    with pytest.raises(ValueError, match="at least one token"):
        encode_agreement([["the"], []])
    no_pad = Vocab(["the", "cat", "near"])
    with pytest.raises(ValueError, match="<pad>"):
        encode_agreement([["the", "cat"], ["the", "cat", "near"]], no_pad)


# --- determinism and arguments ------------------------------------------------------------------------------

CALLS = {
    "adding": lambda r: adding_problem(r, 12, 4),
    "temporal": lambda r: temporal_order(r, 20, 4),
    "recall": lambda r: delayed_recall(r, 5, 4),
    "copy": lambda r: copy_task(r, 3, 5, 4),
    "latch": lambda r: latch_task(r, 8, 4),
    "agreement": lambda r: number_agreement(r, 6, 4),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_deterministic_under_same_seed(name):
    a, b, c = CALLS[name](rng(7)), CALLS[name](rng(7)), CALLS[name](rng(8))
    for u, v in zip(a, b):
        if isinstance(u, list):
            assert u == v
        else:
            np.testing.assert_array_equal(u, v)
    assert any((u != v) if isinstance(u, list) else not np.array_equal(u, v) for u, v in zip(a, c))


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: adding_problem(rng(), 1, 4), "T must be an integer >= 2, got 1"),
        (lambda: adding_problem(rng(), 10, 0), "batch must be an integer >= 1, got 0"),
        (lambda: adding_problem(rng(), 10.0, 4), "T must be an integer"),
        (lambda: temporal_order(rng(), 9, 4), "T must be an integer >= 10, got 9"),
        (lambda: delayed_recall(rng(), 0, 4), "lag must be an integer >= 1, got 0"),
        (lambda: delayed_recall(rng(), 3, 4, n_symbols=1), "n_symbols must be an integer >= 2"),
        (lambda: copy_task(rng(), 0, 3, 4), "n_items must be an integer >= 1"),
        (lambda: number_agreement(rng(), -1, 4), "distance must be an integer >= 0, got -1"),
        (lambda: number_agreement(rng(), 3, True), "batch must be an integer"),
        (lambda: latch_task(rng(), 0, 4), "T must be an integer >= 1, got 0"),
        (lambda: latch_task(rng(), 5, 4, noise_std=-0.1), "noise_std must be a finite number >= 0"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("bad", [None, 0, np.random.RandomState(0)])
def test_rng_must_be_a_generator(bad):
    for fn in (lambda r: adding_problem(r, 4, 1), lambda r: number_agreement(r, 2, 1), lambda r: latch_task(r, 2, 1)):
        with pytest.raises(TypeError, match="numpy.random.Generator"):
            fn(bad)
