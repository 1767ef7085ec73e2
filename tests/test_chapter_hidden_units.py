"""Step 3, the hidden state you can read: single units of the shipped character model track properties of the
text, measured. The correlations stored with the model are recomputed here on the stored held-out passage; a
shuffled property is the control that must give r near 0; and the endpoint answers bad input in one sentence."""

import numpy as np
import pytest

from elman.chapter.models import WEIGHTS, char_lm
from elman.chapter.steps import hidden_units

pytestmark = pytest.mark.skipif(
    not (WEIGHTS / "char_lm.json").is_file(), reason="char_lm is not built: python -m elman.chapter.models char_lm"
)

HEADLINE = 0.5  # the unit shown first (largest measured |r|) tracks its property at least this strongly
EVERY_UNIT = 0.2  # every unit offered as "tracking" a property does at least this
WINDOW = 2000  # characters of held-out text per seed


@pytest.fixture(scope="module")
def shipped():
    model, vocab, meta = char_lm.load()
    text = meta["measure_text"]
    return meta, text, char_lm.states_of(model, vocab, text), char_lm.features(text)


def headline(meta):
    return max(meta["units"], key=lambda u: abs(u["r"]))


def test_the_stored_correlations_are_what_the_model_gives_on_the_held_out_passage(shipped):
    meta, _, states, table = shipped
    for u in meta["units"]:
        r = char_lm.correlations(states[:, [u["unit"]]], table[u["feature"]])[0]
        assert r == pytest.approx(u["r"], abs=2e-3), u
        assert abs(r) >= EVERY_UNIT, u
        assert np.sign(r) == np.sign(u["r_select"]), u  # the same direction where it was chosen
    assert abs(headline(meta)["r"]) >= HEADLINE


def test_a_shuffled_property_is_not_tracked(shipped):
    """The control: the same values of the property in a random order give r near 0 for the same unit."""
    meta, _, states, table = shipped
    rng = np.random.default_rng(0)
    for u in meta["units"]:
        r = char_lm.correlations(states[:, [u["unit"]]], rng.permutation(table[u["feature"]]))[0]
        assert abs(r) < 0.05, u


@pytest.mark.parametrize("seed", range(10))
def test_the_headline_unit_tracks_its_property_in_any_held_out_window(shipped, seed):
    """Seeds 0-9: a random 2,000-character window of the held-out passage, read from a zero state."""
    meta, text, _, _ = shipped
    start = int(np.random.default_rng(seed).integers(0, len(text) - WINDOW))
    window = text[start : start + WINDOW]
    u = headline(meta)
    model, vocab, _ = char_lm.load()
    states = char_lm.states_of(model, vocab, window)
    r = char_lm.correlations(states[:, [u["unit"]]], char_lm.features(window)[u["feature"]])[0]
    assert abs(r) >= HEADLINE - 0.1 and np.sign(r) == np.sign(u["r"]), (seed, r)


def test_the_default_reading_shows_the_units_with_their_correlations():
    r = hidden_units.units()
    meta = char_lm.load()[2]
    assert r["is_default"] and r["text"] == meta["default_text"] and len(r["chars"]) == len(r["text"])
    assert [u["feature"] for u in r["units"]] == list(char_lm.FEATURES) and r["unit"] is None
    for u in r["units"]:
        assert len(u["values"]) == len(r["text"]) and max(map(abs, u["values"])) <= 1
    top = max(r["units"], key=lambda u: abs(u["r"]))
    assert abs(top["r_text"]) >= HEADLINE - 0.1 and np.sign(top["r_text"]) == np.sign(top["r"])  # on the page too
    picked = hidden_units.units("ROMEO:\nGo.", unit=7)["unit"]
    assert picked["unit"] == 7 and len(picked["values"]) == 10 and picked["strongest"]["feature"] in char_lm.FEATURES


def test_the_values_are_the_model_state():
    model, vocab, _ = char_lm.load()
    text = "KING RICHARD III:\nNow is the winter"
    r = hidden_units.units(text, unit=3)
    states = char_lm.states_of(model, vocab, text)
    np.testing.assert_allclose(r["unit"]["values"], states[:, 3], atol=5e-4)
    first = r["units"][0]
    np.testing.assert_allclose(first["values"], states[:, first["unit"]], atol=5e-4)


@pytest.mark.parametrize(
    "params, sentence",
    [
        ({"text": ""}, "expected at least one character"),
        ({"text": "x" * 601}, "expected at most 600 characters, got 601"),
        ({"text": "caf\u00e9 \u263a"}, "the model has never seen '\u00e9' '\u263a'"),
        ({"unit": "-1"}, "expected a unit number from 0 to 255, got -1"),
        ({"unit": "256"}, "expected a unit number from 0 to 255, got 256"),
        ({"unit": "seven"}, "expected a unit number (a whole number such as 17), got 'seven'"),
    ],
)
def test_bad_input_is_one_plain_sentence(client, params, sentence):
    response = client.get("/api/hidden_state/units", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert sentence in detail and "should" not in detail.lower() and "\n" not in detail


def test_the_endpoint_answers_the_reading(client):
    response = client.get("/api/hidden_state/units", params={"text": "ROMEO:\nGo.", "unit": "12"})
    assert response.status_code == 200
    body = response.json()
    assert body["chars"] == list("ROMEO:\nGo.") and body["unit"]["unit"] == 12 and not body["is_default"]
