"""Step 3, hidden state: the shipped word model reads typed text; its states and next-word guesses reach the page."""

import time

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.models import WEIGHTS, word_lm  # noqa: E402
from elman.chapter.steps.hidden_state import reading  # noqa: E402
from elman.models.language_model import read  # noqa: E402

pytestmark = pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(),
                                reason="word_lm is not built: python -m elman.chapter.models word_lm")


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/hidden_state/read", params={"text": "The cat sat on the", "units": 16, "top": 10})
    assert r.status_code == 200
    assert r.json() == reading("The cat sat on the", 16, 10)


def test_the_cat_sat_on_the_predictions_are_the_model_s(client):
    r = client.get("/api/hidden_state/read").json()
    assert r["tokens"] == ["the", "cat", "sat", "on", "the"] and r["unknown"] == []
    model, vocab, _ = word_lm.load()
    states, probs = read(model, vocab.encode(r["tokens"]))
    last = r["predictions"][-1]
    assert len(last) == 10
    assert [p["word"] for p in last] == [vocab.itos[i] for i in np.argsort(-probs[-1], kind="stable")[:10]]
    assert [p["p"] for p in last] == pytest.approx(sorted(probs[-1], reverse=True)[:10], rel=1e-9)
    assert r["state_norms"] == pytest.approx(np.linalg.norm(states, axis=1).tolist(), rel=1e-9)
    assert r["hidden_size"] == 128 and r["model"]["validation_perplexity"] > 1


def test_the_heat_map_holds_the_most_varying_units_in_order():
    r = reading("the dog ran into the house and the cat sat on the mat", 12, 5)
    model, vocab, _ = word_lm.load()
    states, _ = read(model, vocab.encode(r["tokens"]))
    assert r["units"] == sorted(r["units"]) and len(r["units"]) == 12
    assert set(r["units"]) == set(np.argsort(-states.std(axis=0), kind="stable")[:12].tolist())
    np.testing.assert_allclose(np.array(r["matrix"]), states[:, r["units"]].T, rtol=1e-12)
    assert len(r["predictions"]) == len(r["tokens"]) and all(len(p) == 5 for p in r["predictions"])
    assert r["changes"][0] == pytest.approx(r["state_norms"][0])      # h_0 = 0


def test_unknown_words_are_read_as_unk_and_named(client):
    r = client.get("/api/hidden_state/read", params={"text": "the zorblax sat on the qwertyuiop"}).json()
    assert r["unknown"] == ["zorblax", "qwertyuiop"]
    assert r["read_as"] == ["the", "<unk>", "sat", "on", "the", "<unk>"]


def test_punctuation_is_a_token_as_in_the_training_data():
    assert reading("well, the cat sat.", 8, 3)["tokens"] == ["well", ",", "the", "cat", "sat", "."]


@pytest.mark.parametrize("params, fragment", [
    ({"text": "x" * 201}, "at most 200 characters"),
    ({"text": ""}, "at least 1 character"),
    ({"text": "   "}, "expected at least one word"),
    ({"text": "w " * 41}, "expected at most 40 words"),
    ({"units": 0}, "units"), ({"units": 129}, "units: expected an integer in [1, 128], got 129"),
    ({"units": "many"}, "units"), ({"top": 21}, "top"), ({"top": 1.5}, "top"),
])
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, params, fragment):
    response = client.get("/api/hidden_state/read", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]


def test_answers_are_fast(client):
    client.get("/api/hidden_state/read")
    times = []
    for text in ("the cat sat on the", "w " * 40, "it was a dark and stormy night ; the rain fell in torrents"):
        start = time.perf_counter()
        assert client.get("/api/hidden_state/read", params={"text": text, "units": 128}).status_code == 200
        times.append(time.perf_counter() - start)
    assert max(times) < 0.5, times
