"""Step 4 on real text: ‖∂L_t/∂x_k‖ from the library's backward, checked against finite differences in float64,
truncation exactly 0 before its window and exactly full BPTT inside it, on the shipped character model."""

import time

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.models import char_lm  # noqa: E402
from elman.chapter.steps.bptt_influence import (  # noqa: E402
    DEFAULT_K,
    DEFAULT_POSITION,
    DEFAULT_TEXT,
    EXAMPLES,
    connectivity,
    influence,
    input_gradient,
)
from elman.models.language_model import LanguageModel  # noqa: E402
from elman.nn.losses import cross_entropy  # noqa: E402


def small_model(layers: int) -> LanguageModel:
    return LanguageModel(9, 4, 6, layers, dtype="float64", rng=np.random.default_rng(layers))


def loss_from(model, x, target, start=0, carried=None):
    """L_t with the inputs x (t+1, 1, E) as given; from ``start`` on, with the state at start held at ``carried``."""
    out, _ = model.rnn(x[start:], carried)
    logits = model.head(out[-1:])
    return cross_entropy(logits, np.array([[target]]), reduction="sum")[0]


def finite_differences(model, x, target, start=0, eps=1e-6):
    carried = model.rnn(x[:start])[1].copy() if start else None
    grad = np.zeros_like(x)
    for k in range(start, x.shape[0]):
        for e in range(x.shape[2]):
            up, down = x.copy(), x.copy()
            up[k, 0, e] += eps
            down[k, 0, e] -= eps
            grad[k, 0, e] = (
                loss_from(model, up, target, start, carried) - loss_from(model, down, target, start, carried)
            ) / (2 * eps)
    return np.linalg.norm(grad, axis=-1)[:, 0]


@pytest.mark.parametrize("layers", [1, 2])
def test_influence_is_the_gradient_with_respect_to_each_input_embedding(layers):
    model = small_model(layers)
    ids = np.random.default_rng(3).integers(0, 9, 12)
    t, K = 9, 4
    r = influence(model, ids, t, K)
    x = model.embed(ids[: t + 1, None])
    np.testing.assert_allclose(r["full"], finite_differences(model, x, ids[t + 1]), rtol=1e-6, atol=1e-10)
    start = t - K + 1
    expected = finite_differences(model, x, ids[t + 1], start)
    assert r["start"] == start and np.all(r["truncated"][:start] == 0)
    np.testing.assert_allclose(r["truncated"][start:], expected[start:], rtol=1e-6, atol=1e-10)
    assert np.all(r["full"][:start] > 0)


def test_the_shared_model_is_left_as_it_was():
    model, vocab, _ = char_lm.load()
    before = {name: g.copy() for name, g in {**model.rnn.grads, **model.head.grads}.items()}
    connectivity.cache_clear()
    connectivity(DEFAULT_TEXT, None, 7)
    after = {**model.rnn.grads, **model.head.grads}
    assert all(np.array_equal(before[name], after[name]) for name in before) and not model.training


def test_on_the_shipped_model_truncation_is_exactly_zero_beyond_k_and_full_inside():
    r = connectivity(DEFAULT_TEXT, None, DEFAULT_K)
    t, start = r["position"], r["window_start"]
    assert (t, start) == (DEFAULT_POSITION, DEFAULT_POSITION - DEFAULT_K + 1)
    full, cut = np.array(r["full"]), np.array(r["truncated"])
    assert full.shape == (t,) and np.all(cut[: start - 1] == 0) and np.all(full[: start - 1] > 0)
    np.testing.assert_allclose(cut[start - 1 :], full[start - 1 :], rtol=1e-5)


def test_the_default_prediction_reaches_back_beyond_k():
    r = connectivity(DEFAULT_TEXT, None, DEFAULT_K)
    assert r["target"] == "\n" and r["p_target"] > 0.9  # a line break after "PROSPERO:"
    assert r["beyond_share"] > 0.3  # measured 0.54
    assert r["farthest"]["back"] > DEFAULT_K
    for example in EXAMPLES:
        assert connectivity(example["text"], None, DEFAULT_K)["beyond_share"] > 0.2


def test_input_gradient_from_a_later_start_is_zero_before_it():
    model = small_model(1)
    x = model.embed(np.arange(8)[:, None] % 9)
    d_output = np.zeros((8, 1, 6))
    d_output[-1] = 1
    full, cut = input_gradient(model.rnn, x, d_output), input_gradient(model.rnn, x, d_output, 5)
    assert np.all(cut[:5] == 0)
    np.testing.assert_allclose(cut[5:], full[5:], rtol=1e-12)


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/bptt/influence")
    assert r.status_code == 200
    assert r.json() == connectivity(DEFAULT_TEXT, None, DEFAULT_K)
    r = client.get("/api/bptt/influence", params={"text": "To be, or not to be", "position": 12, "K": 3}).json()
    assert r == connectivity("To be, or not to be", 12, 3) and r["target"] == "t" and r["window_start"] == 10


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"text": ""}, "text: expected a line of text, got an empty one"),
        ({"text": "a"}, "text: expected at least two characters"),
        ({"text": "caf\u00e9 \u00fcber"}, "text: expected the characters of the model's plays"),
        ({"text": "x" * 201}, "text: expected at most 200 characters, got 201"),
        ({"text": "To be", "position": 5}, "position: expected a character from 1 to 4"),
        ({"position": "first"}, "position: expected a whole number"),
        ({"K": 0}, "K: expected a whole number from 1 to 200, got 0"),
        ({"K": "a"}, "K: expected a whole number"),
    ],
)
def test_bad_input_is_one_plain_sentence(client, params, fragment):
    response = client.get("/api/bptt/influence", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert fragment in detail and "got" in detail


def test_answers_are_fast(client):
    connectivity.cache_clear()
    char_lm.load()
    times = []
    long_text = (
        "Thou liest, malignant thing! Hast thou forgot\nThe foul witch Sycorax, who with age and envy\n"
        "Was grown into a hoop? hast thou forgot her?\n"
    )
    for position, K in ((len(long_text) - 1, 1), (60, 40), (20, 5), (len(long_text) - 1, 100)):
        start = time.perf_counter()
        params = {"text": long_text, "position": position, "K": K}
        assert client.get("/api/bptt/influence", params=params).status_code == 200
        times.append(time.perf_counter() - start)
    assert max(times) < 1.0, times  # generous: CI machines are shared; the report measures p95 separately
