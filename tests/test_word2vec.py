"""word2vec: gradient checks of the negative-sampling losses, the sampling formulas, training, corpora."""

from __future__ import annotations

import argparse
import importlib.util
import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.data.corpora import brown_sentences, parse_brown_sample, text_sentences
from elman.embeddings.word2vec import (
    Word2VecConfig,
    add_train_arguments,
    build_vocab,
    cbow_loss_and_grads,
    keep_probabilities,
    noise_distribution,
    run_train,
    sgns_loss_and_grads,
    train_word2vec,
    window_sizes,
)
from elman.gradcheck import gradcheck


def _tables(rng, V=7, D=4):
    return rng.normal(0, 0.7, (V, D)), rng.normal(0, 0.7, (V, D))


def test_sgns_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    W_in, W_out = _tables(rng)
    centers, contexts = np.array([0, 3, 3, 5, 0]), np.array([1, 2, 2, 0, 6])
    negatives = rng.integers(0, 7, (5, 3))
    negatives[0, 0] = 1  # a noise word equal to the positive one, and repeated rows everywhere
    loss, dW_in, dW_out = sgns_loss_and_grads(W_in, W_out, centers, contexts, negatives)

    def f():
        return sgns_loss_and_grads(W_in, W_out, centers, contexts, negatives)[0]

    gradcheck(f, {"W_in": W_in, "W_out": W_out}, {"W_in": dW_in, "W_out": dW_out})
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    by_hand = -np.log(sig(W_out[1] @ W_in[0])) - sum(np.log(sig(-W_out[k] @ W_in[0])) for k in negatives[0])
    assert np.isclose(sgns_loss_and_grads(W_in, W_out, centers[:1], contexts[:1], negatives[:1])[0], by_hand)
    assert loss > 0


def test_cbow_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    W_in, W_out = _tables(rng)
    context_ids = rng.integers(0, 7, (4, 6))
    mask = rng.random((4, 6)) < 0.6
    mask[:, 0] = True
    centers, negatives = np.array([2, 2, 4, 6]), rng.integers(0, 7, (4, 2))
    _, dW_in, dW_out = cbow_loss_and_grads(W_in, W_out, context_ids, mask, centers, negatives)

    def f():
        return cbow_loss_and_grads(W_in, W_out, context_ids, mask, centers, negatives)[0]

    gradcheck(f, {"W_in": W_in, "W_out": W_out}, {"W_in": dW_in, "W_out": dW_out})


def test_keep_probabilities_follow_word2vec_c():
    counts = np.array([5000, 1000, 100, 10, 1])
    t = 1e-3
    tT = t * counts.sum()
    p = keep_probabilities(counts, t)
    expected = np.minimum(1, (np.sqrt(counts / tT) + 1) * tT / counts)
    np.testing.assert_allclose(p, expected)
    assert p[0] < p[1] < 1 and p[-1] == 1
    np.testing.assert_array_equal(keep_probabilities(counts, 0), 1)


def test_noise_distribution_is_unigram_to_the_three_quarters():
    counts = np.array([81, 16, 1])
    p = noise_distribution(counts)
    np.testing.assert_allclose(p, np.array([27, 8, 1]) / 36)
    assert np.isclose(p.sum(), 1)


def test_window_sizes_are_uniform_on_one_to_window():
    b = window_sizes(50_000, 5, np.random.default_rng(0))
    assert b.min() == 1 and b.max() == 5
    np.testing.assert_allclose(np.bincount(b)[1:] / len(b), 0.2, atol=0.01)


def test_build_vocab_sorts_by_decreasing_count_and_drops_rare_words():
    words, counts = build_vocab([["a", "b", "b", "c"], ["c", "c", "d"]], min_count=2)
    assert words == ["c", "b"] and counts.tolist() == [3, 2]


def _synthetic_corpus(rng, n=1500):
    """ "a" and "b" share every context (p q _ r s); "c" and "d" share another one (x y _ z w)."""
    sentences = []
    for _ in range(n):
        if rng.random() < 0.5:
            sentences.append(["p", "q", str(rng.choice(["a", "b"])), "r", "s"])
        else:
            sentences.append(["x", "y", str(rng.choice(["c", "d"])), "z", "w"])
    return sentences


def _cos(W, words, u, v):
    x, y = W[words.index(u)], W[words.index(v)]
    return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))


@pytest.mark.parametrize("cbow", [False, True])
def test_words_sharing_contexts_end_up_close(cbow):
    sentences = _synthetic_corpus(np.random.default_rng(0))
    config = Word2VecConfig(
        dim=16, window=2, negative=3, min_count=1, sample=0, epochs=3, cbow=cbow, batch_pairs=256, seed=0
    )
    words, counts, W = train_word2vec(sentences, config, progress=False)
    assert W.dtype == np.float32 and W.shape == (12, 16) and counts.sum() == 5 * len(sentences)
    same = min(_cos(W, words, "a", "b"), _cos(W, words, "c", "d"))
    across = max(_cos(W, words, "a", "c"), _cos(W, words, "b", "d"), _cos(W, words, "a", "d"))
    assert same > 0.9 and same > across + 0.1
    for word, partner in [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")]:
        others = [w for w in words if w != word]
        assert max(others, key=lambda w: _cos(W, words, word, w)) == partner


def test_training_is_deterministic_under_a_seed():
    sentences = _synthetic_corpus(np.random.default_rng(1), n=300)
    config = Word2VecConfig(dim=8, window=3, min_count=1, epochs=2, batch_pairs=128, seed=3)
    _, _, W1 = train_word2vec(sentences, config, progress=False)
    _, _, W2 = train_word2vec(sentences, config, progress=False)
    _, _, W3 = train_word2vec(
        sentences, Word2VecConfig(dim=8, window=3, min_count=1, epochs=2, batch_pairs=128, seed=4), progress=False
    )
    np.testing.assert_array_equal(W1, W2)
    assert not np.array_equal(W1, W3)


def test_run_train_writes_vectors_and_config(tmp_path):
    if importlib.util.find_spec("elman.embeddings.vectors") is None:
        pytest.skip("elman.embeddings.vectors (WordVectors) is not there yet")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _synthetic_corpus(np.random.default_rng(2), n=200)))
    args = add_train_arguments(argparse.ArgumentParser()).parse_args(
        [
            "--data",
            str(corpus),
            "--dim",
            "8",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ]
    )
    assert run_train(args) == 0
    lines = (tmp_path / "out" / "vectors.txt").read_text().splitlines()
    assert lines[0].split() == ["12", "8"] and len(lines) == 13
    assert (tmp_path / "out" / "vectors.safetensors").is_file()
    assert json.loads((tmp_path / "out" / "config.json").read_text())["vocab_size"] == 12


def test_text_sentences_and_brown_parsing():
    assert text_sentences("Hello, World\n\n  \nBye") == [["hello", ",", "world"], ["bye"]]
    sample = "\n\n\tThe/at Fulton/np-tl jury/nn ./.\n\n\n\tIt/pps said/vbd 1/2/cd-hl\n"
    assert parse_brown_sample(sample) == [["the", "fulton", "jury", "."], ["it", "said", "1/2"]]
    assert parse_brown_sample(sample, lower=False)[0][:2] == ["The", "Fulton"]


@needs_data("brown")
def test_brown_sentences_on_the_real_corpus():
    sentences = brown_sentences()
    tokens = sum(len(s) for s in sentences)
    assert 55_000 < len(sentences) < 60_000 and 1_100_000 < tokens < 1_200_000
    assert sentences[0][:4] == ["the", "fulton", "county", "grand"]
    assert not any(w.endswith(("/at", "/nn", "/vbd")) for s in sentences[:2000] for w in s)
    assert all(w == w.lower() for s in sentences[:2000] for w in s)


def test_sparse_update_accumulates_repeated_rows_like_add_at():
    from elman.embeddings.word2vec import _apply

    rng = np.random.default_rng(5)
    W, rows, grads = rng.normal(size=(6, 3)), rng.integers(0, 6, 40), rng.normal(size=(40, 3))
    expected = W.copy()
    np.add.at(expected, rows, -0.1 * grads)
    _apply(W, rows, grads, 0.1)
    np.testing.assert_allclose(W, expected)
