"""Step 3, hidden state: the shipped word model reads typed text; its states, its next real words and its memory of a
subject's number reach the page, each checked against the library directly."""

import re
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.models import WEIGHTS, word_lm  # noqa: E402
from elman.chapter.steps.hidden_state import DEFAULT_FILLER, PAIRS, agreement, reading  # noqa: E402
from elman.data.text import word_tokenize  # noqa: E402
from elman.models.language_model import read  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built: python -m elman.chapter.models word_lm"
)

TEXTS = (
    "the cat sat on the",
    "she opened the door and",
    '" well , " he said ,',
    "in 1960 the",
    "i want to",
    "the zorblax sat on the",
)


def library(text):
    model, vocab, _ = word_lm.load()
    tokens = word_tokenize(text, lower=True)
    states, probs = read(model, vocab.encode(tokens))
    return vocab, tokens, states, probs


def words_mask(vocab):
    """Real words, decided here on its own: not <unk>/<eos>, and at least one letter or digit."""
    return np.array([w not in ("<unk>", "<eos>") and re.search(r"[a-z0-9]", w) is not None for w in vocab.itos])


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/hidden_state/read", params={"text": "The cat sat on the", "units": 16, "top": 10})
    assert r.status_code == 200
    assert r.json() == reading("The cat sat on the", 16, 10)


@pytest.mark.parametrize("text", TEXTS)
def test_predictions_are_real_words_renormalised_over_the_real_words(text):
    r = reading(text, 8, 20)
    vocab, tokens, _, probs = library(text)
    real = words_mask(vocab)
    for t, (shown, removed) in enumerate(zip(r["predictions"], r["removed"])):
        words = [p["word"] for p in shown]
        assert not {"<unk>", "<eos>"} & set(words)
        assert all(re.search(r"[a-z0-9]", w) for w in words), words  # no ",", "``", "''", "--", "&"
        kept = probs[t, real].sum()
        assert removed["total"] == pytest.approx(1 - kept, abs=1e-12)
        assert removed["unk"] + removed["eos"] + removed["punctuation"] == pytest.approx(removed["total"], abs=1e-9)
        expected = np.argsort(-np.where(real, probs[t], -1), kind="stable")[:20]
        assert words == [vocab.itos[i] for i in expected]
        assert [p["p"] for p in shown] == pytest.approx((probs[t, expected] / kept).tolist(), rel=1e-9)
        assert [p["raw"] for p in shown] == pytest.approx(probs[t, expected].tolist(), rel=1e-9)
        assert sum(p["p"] for p in shown) <= 1 + 1e-12


def test_the_cat_sat_on_the_gets_nouns_and_unk_no_longer_tops_the_list(client):
    r = client.get("/api/hidden_state/read").json()
    assert r["tokens"] == ["the", "cat", "sat", "on", "the"] and r["unknown"] == []
    _, _, _, probs = library("the cat sat on the")
    vocab = word_lm.load()[1]
    assert int(np.argmax(probs[-1])) == vocab.stoi["<unk>"]  # the raw model: <unk> on top …
    shown = [p["word"] for p in r["predictions"][-1]]  # … the page: real words only
    places = {
        "floor",
        "ground",
        "table",
        "bed",
        "street",
        "door",
        "wall",
        "edge",
        "porch",
        "grass",
        "chair",
        "steps",
        "corner",
        "roof",
        "side",
        "road",
        "top",
        "bench",
        "stairs",
        "couch",
        "window",
        "desk",
    }
    assert len(places & set(shown)) >= 3, shown
    assert r["removed"][-1]["unk"] > 0.05  # the page has something to report


def test_mat_is_in_the_vocabulary_and_its_rank_is_reported():
    r = reading("the cat sat on the", 8, 5, look="mat")
    vocab, _, _, probs = library("the cat sat on the")
    real = words_mask(vocab)
    assert r["look"]["in_vocab"] and r["look"]["real_words"] == int(real.sum())
    last = r["look"]["after"][-1]
    i = vocab.stoi["mat"]
    assert last["p"] == pytest.approx(probs[-1, i] / probs[-1, real].sum(), rel=1e-9)
    assert last["rank"] == int((probs[-1, real] > probs[-1, i]).sum()) + 1
    assert last["rank"] > 1000  # the text: "ranks it thousands down" (4 times in the training text)
    assert reading("the cat sat on the", 8, 5, look="zorblax")["look"] == {
        "word": "zorblax",
        "in_vocab": False,
        "after": [],
        "real_words": int(real.sum()),
    }


def test_the_heat_map_holds_the_units_the_words_move_most_grouped_by_word():
    text = "the dog ran into the house and the cat sat on the mat"
    r = reading(text, 12, 5)
    _, _, states, _ = library(text)
    moves = np.diff(np.vstack([np.zeros((1, states.shape[1])), states]), axis=0)
    assert set(r["units"]) == set(np.argsort(-np.abs(moves).sum(axis=0), kind="stable")[:12].tolist())
    assert r["peak"] == [int(np.abs(moves[:, u]).argmax()) for u in r["units"]] and r["peak"] == sorted(r["peak"])
    np.testing.assert_allclose(np.array(r["matrix"]), states[:, r["units"]].T, rtol=1e-12)
    change = reading(text, 12, 5, show="change")
    assert change["units"] == r["units"]
    np.testing.assert_allclose(np.array(change["matrix"]), moves[:, r["units"]].T, rtol=1e-12)
    assert r["saturated"] == pytest.approx(float(np.mean(np.abs(states) > 0.9)))
    assert r["changes"][0] == pytest.approx(r["state_norms"][0])  # h_0 = 0


def test_unknown_words_are_read_as_unk_and_named(client):
    r = client.get("/api/hidden_state/read", params={"text": "the zorblax sat on the qwertyuiop"}).json()
    assert r["unknown"] == ["zorblax", "qwertyuiop"]
    assert r["read_as"] == ["the", "<unk>", "sat", "on", "the", "<unk>"]


def test_the_agreement_probe_is_the_library_s_p_was_and_p_were(client):
    r = client.get("/api/hidden_state/agreement", params={"pair": "cat/cats"}).json()
    assert r == agreement("cat/cats")
    vocab = word_lm.load()[1]
    tokens = word_tokenize(DEFAULT_FILLER, lower=True)
    assert r["pair"] == ["cat", "cats"] and r["tokens"] == tokens and r["distance"] == list(range(len(tokens) + 1))
    assert r["words_between"] == 11  # the chapter's clause: 11 words, 2 commas
    for number, subject in (("singular", "cat"), ("plural", "cats")):
        _, _, _, probs = library(" ".join(["the", subject, *tokens]))
        was, were = probs[1:, vocab.stoi["was"]], probs[1:, vocab.stoi["were"]]
        # one batch through the model against read() one sentence at a time: float32 sums in another order
        assert r[number]["was"] == pytest.approx(was.tolist(), rel=1e-4)
        assert r[number]["share"] == pytest.approx((was / (was + were)).tolist(), rel=1e-5)
    assert r["gap"] == pytest.approx(np.subtract(r["singular"]["share"], r["plural"]["share"]).tolist())
    assert client.get("/api/hidden_state/agreement").json() == agreement("all")  # the page's default


def test_all_pairs_is_the_mean_of_the_pairs():
    mean = agreement("all", "near the old house")
    singles = [agreement(p, "near the old house") for p in PAIRS]
    assert mean["all"] and [q["pair"] for q in mean["pairs"]] == list(PAIRS)
    singular = np.mean([r["singular"]["share"] for r in singles], axis=0)
    assert mean["singular"]["share"] == pytest.approx(singular, rel=1e-5)
    assert mean["plural"]["was"] == pytest.approx(np.mean([r["plural"]["was"] for r in singles], axis=0), rel=1e-4)
    np.testing.assert_allclose([q["gap"] for q in mean["pairs"]], [r["gap"] for r in singles], atol=1e-5)
    assert mean["pair"] == [f"{len(PAIRS)} singular nouns", f"{len(PAIRS)} plural nouns"]


def gaps(pair, filler=DEFAULT_FILLER):
    r = agreement(pair, filler)
    return r["gap"][0], r["gap"][-1]


# The headline: right after the noun the state holds its number; by the verb, across the chapter's clause, it is
# gone. The shipped model is one fixed network (no seed to vary), so the statement is checked on the page's default
# (the mean over all pairs), across the pairs one by one and across clauses of other shapes. Measured on the shipped
# model (mean over the 8 pairs): gap 0.195 at the noun, 0.004 / 0.003 / 0.012 at the verb for the three clauses.
FILLERS = (
    DEFAULT_FILLER,
    "that sat on the mat near the window in the old house",
    "near the old house by the river in the town",
)


def test_the_default_knows_the_number_at_the_noun_and_loses_it_by_the_verb():
    g0, g_end = gaps("all")
    assert g0 >= 0.15, g0
    assert abs(g_end) <= 0.25 * g0, (g0, g_end)
    assert gaps("cat/cats")[0] < 0.05  # what the text says of the chapter's own pair: never learned


@pytest.mark.parametrize("filler", FILLERS)
def test_across_the_pairs_agreement_fades_with_distance(filler):
    start, end = np.array([gaps(p, filler) for p in PAIRS]).T
    assert np.mean(start) >= 0.15 and (start >= 0.2).sum() >= len(PAIRS) // 2, start
    assert np.mean(np.abs(end)) <= 0.25 * np.mean(start), (start, end)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"text": "x" * 201}, "text: expected at most 200 characters, got 201"),
        ({"text": ""}, "text: expected at least one word, got an empty text"),
        ({"text": "   "}, "expected at least one word"),
        ({"text": "w " * 41}, "expected at most 40 words"),
        ({"units": 0}, "units: expected a whole number from 1 to 512, got 0"),
        ({"units": 129}, "units: expected a whole number from 1 to 128, got 129"),
        ({"units": "many"}, "units: expected a whole number from 1 to 512, got 'many'"),
        ({"top": 21}, "top"),
        ({"top": 1.5}, "top: expected a whole number"),
        ({"show": "both"}, "show: expected one of state, change, got 'both'"),
        ({"look": "two words"}, "word to look up: expected one word"),
    ],
)
def test_bad_input_is_one_plain_sentence(client, params, fragment):
    response = client.get("/api/hidden_state/read", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]
    assert "should" not in response.json()["detail"]  # no raw validation message


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"pair": "cat/dogs"}, "pair: expected all or one of cat/cats"),
        ({"filler": "w " * 39}, "words in between: expected at most 38 words"),
    ],
)
def test_bad_agreement_input_is_one_plain_sentence(client, params, fragment):
    response = client.get("/api/hidden_state/agreement", params=params)
    assert response.status_code == 400 and fragment in response.json()["detail"]


def test_an_empty_clause_measures_the_noun_alone(client):
    r = client.get("/api/hidden_state/agreement", params={"filler": ""}).json()
    assert r["distance"] == [0] and len(r["gap"]) == 1


def test_answers_are_fast(client):
    client.get("/api/hidden_state/read")
    times = []
    for text in ("the cat sat on the", "w " * 40, "it was a dark and stormy night ; the rain fell in torrents"):
        start = time.perf_counter()
        assert client.get("/api/hidden_state/read", params={"text": text, "units": 128}).status_code == 200
        times.append(time.perf_counter() - start)
    for pair in PAIRS[:3]:
        start = time.perf_counter()
        assert client.get("/api/hidden_state/agreement", params={"pair": pair}).status_code == 200
        times.append(time.perf_counter() - start)
    assert max(times) < 0.5, times
