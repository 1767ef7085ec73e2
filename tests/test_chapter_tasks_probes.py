"""Step 6's headline numbers: the sentiment probes' passed/failed labels come from the live P(positive) (a model
that answered otherwise would be labelled otherwise), the SST-2 tie and its split are the shipped model's, an
unknown German word is flagged and its translation marked untrusted, temperature 0 is greedy (one name, said so),
the defaults show their effect on every seed 0–9, and no bad sentence gets a raw validation message back."""

import pytest

pytest.importorskip("fastapi")

from data_marks import needs_data  # noqa: E402
from elman.chapter.models import sentiment as sentiment_model  # noqa: E402
from elman.chapter.models import translate as translate_model  # noqa: E402
from elman.chapter.steps import tasks, tasks_probes  # noqa: E402
from elman.tasks import sentiment as sentiment_task  # noqa: E402

SEEDS = range(10)
DEFAULT_TEMPERATURE = tasks.names_endpoint.__defaults__[2].default  # the page's default too (tasks.js)


def live_p(model, sentences):
    shipped = sentiment_model.load()
    seqs = sentiment_task.encode(shipped.vocab, [s.split() for s in sentences])
    return sentiment_task.p_positive(sentiment_task.predict_proba(getattr(shipped, model), seqs))


# --- probes: labels from live numbers ------------------------------------------------------------------------
def test_probe_labels_are_the_live_numbers_judged_at_one_half(client):
    r = client.get("/api/tasks/probes").json()
    sentences = tasks_probes.sentences()
    rnn, bow = live_p("model", sentences), live_p("bag", sentences)
    assert r["total"] == len(tasks_probes.PROBES) == len(r["probes"])
    for i, (probe, row) in enumerate(zip(tasks_probes.PROBES, r["probes"])):
        for name, p in (("rnn", rnn), ("bow", bow)):
            pa, pb = p[2 * i], p[2 * i + 1]
            assert row[name]["p_a"] == pytest.approx(float(pa), rel=1e-9)
            right = ((pa >= 0.5) == bool(probe.label_a)) and ((pb >= 0.5) == bool(probe.label_b))
            assert row[name]["passed"] == right
    assert r["rnn_passed"] == sum(row["rnn"]["passed"] for row in r["probes"])
    # honest: the shipped RNN fails "not bad" and the overturned expectation, and they are shown as failed
    failed = {row["b"] for row in r["probes"] if not row["rnn"]["passed"]}
    assert "the movie was not bad" in failed
    not_bad = next(row for row in r["probes"] if row["b"] == "the movie was not bad")
    assert "should read positive but gets 0.17" in not_bad["rnn"]["why"]
    # a bag of words cannot pass a pair made of the same words, and says so
    for row in r["probes"]:
        if row["same_bag"]:
            assert not row["bow"]["passed"] and row["bow"]["why"].startswith("Cannot pass")
            assert row["bow"]["p_a"] == pytest.approx(row["bow"]["p_b"], rel=1e-6)


def flipped_where(sentence_p: dict):
    """predict_proba as shipped, but with P(positive) overridden for the sentences in ``sentence_p``."""
    original, itos = sentiment_task.predict_proba, sentiment_model.load().vocab.itos

    def fake(model, seqs, batch=256):
        probs = original(model, seqs, batch)
        for row, seq in enumerate(seqs):
            text = " ".join(itos[i] for i in seq)
            if text in sentence_p:
                probs[row] = [1 - sentence_p[text], sentence_p[text]]
        return probs

    return fake


def test_a_counterfactual_answer_flips_the_label(monkeypatch):
    before = {row["b"]: row["rnn"]["passed"] for row in tasks.probes.__wrapped__()["probes"]}
    assert before["the movie was not bad"] is False and before["the movie was not good"] is True
    # the model now reads "not bad" as positive and "not good" as positive too: the labels follow
    monkeypatch.setattr(
        tasks.sentiment_task,
        "predict_proba",
        flipped_where({"the movie was not bad": 0.9, "the movie was not good": 0.8}),
    )
    after = tasks.probes.__wrapped__()  # the served answer is kept: this runs the model afresh
    rows = {row["b"]: row for row in after["probes"]}
    assert rows["the movie was not bad"]["rnn"]["passed"] is True
    assert rows["the movie was not good"]["rnn"]["passed"] is False
    assert "should read negative but gets 0.80" in rows["the movie was not good"]["rnn"]["why"]
    assert after["rnn_passed"] == sum(before.values())  # one gained, one lost


def test_every_probe_passes_for_a_model_that_answers_as_expected_and_none_for_the_opposite(monkeypatch):
    want = {s: float(lab) for p in tasks_probes.PROBES for s, lab in ((p.a, p.label_a), (p.b, p.label_b))}
    monkeypatch.setattr(
        tasks.sentiment_task, "predict_proba", flipped_where({s: 0.1 + 0.8 * v for s, v in want.items()})
    )
    assert tasks.probes.__wrapped__()["rnn_passed"] == len(tasks_probes.PROBES)
    monkeypatch.setattr(
        tasks.sentiment_task, "predict_proba", flipped_where({s: 0.9 - 0.8 * v for s, v in want.items()})
    )
    r = tasks.probes.__wrapped__()
    assert r["rnn_passed"] == 0 and all(row["rnn"]["why"].startswith("Both read the wrong way") for row in r["probes"])


def test_every_probe_word_is_in_the_vocabulary():
    vocab = sentiment_model.load().vocab
    assert [w for s in tasks_probes.sentences() for w in s.split() if w not in vocab] == []


# --- the tie, from the shipped json, and where order pays ------------------------------------------------------
def test_the_tie_is_the_shipped_models_numbers_and_the_split_is_current():
    r = tasks.probes()
    quality = sentiment_model.load().meta["quality"]
    assert r["sst2"]["rnn_accuracy"] == quality["test_accuracy"]
    assert r["sst2"]["bow_accuracy"] == quality["bow_test_accuracy"]
    split = r["split"]
    assert split is not None, (
        "tasks_probes.json was measured on other weights: rerun python -m elman.chapter.steps.tasks_probes"
    )
    assert split["rnn_accuracy"] == pytest.approx(quality["test_accuracy"], abs=1e-12)
    assert sum(split[g]["sentences"] for g in ("contrast", "negation", "neither")) == quality["test_sentences"]
    assert split["contrast"]["rnn_accuracy"] > split["contrast"]["bow_accuracy"]  # where order pays
    assert split["neither"]["rnn_accuracy"] < split["neither"]["bow_accuracy"]  # and where it does not


def test_a_split_measured_on_other_weights_is_not_served(tmp_path):
    stale = tmp_path / "split.json"
    stale.write_text('{"weights_sha256": "0" , "contrast": {}}')
    assert tasks_probes.split(stale) is None
    assert tasks_probes.split(tmp_path / "missing.json") is None


@needs_data("sst")
def test_the_stored_split_is_what_the_shipped_model_measures_now():
    x, y = sentiment_task.load_split("sst2", "test")
    stored = tasks_probes.split()
    assert tasks_probes.measure(sentiment_model.load(), x, y) == {
        k: stored[k]
        for k in ("sentences", "rnn_accuracy", "bow_accuracy", "contrast", "negation", "neither", "disagree")
    }


# --- translation: unknown words flagged, the output marked untrusted --------------------------------------------
def test_unknown_german_words_are_flagged_and_the_translation_untrusted(client):
    try:
        shipped = translate_model.load()
    except FileNotFoundError:
        pytest.skip("the translation model is not shipped")
    r = client.get("/api/tasks/translate", params={"text": "ich habe keine ahnung"}).json()
    assert r["tokens"] == ["ich", "habe", "keine", "ahnung"]
    assert r["known"] == [t in shipped.vocabs.source for t in r["tokens"]]
    assert not all(r["known"]) and r["trusted"] is False
    assert r["unknown"] == [t for t, k in zip(r["tokens"], r["known"]) if not k]
    known = client.get("/api/tasks/translate", params={"text": "ein kleines mädchen spielt im wasser ."}).json()
    assert all(known["known"]) and known["trusted"] is True and known["unknown"] == []


# --- names: temperature 0 is greedy, the default samples, on every seed --------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_at_temperature_zero_and_varied_names_at_the_default(seed):
    greedy = tasks.names("Italian", 8, 0.0, seed)
    assert greedy["greedy"] is True and len(greedy["distinct"]) == 1 and greedy["distinct"][0][1] == 8
    default = tasks.names("Italian", 8, DEFAULT_TEMPERATURE, seed)
    assert default["greedy"] is False
    assert len(default["distinct"]) >= 6, default["names"]  # measured: 8 of 8 on seeds 0–9
    assert sum(k for _, k in default["distinct"]) == 8


# --- the stacked map at its defaults, every seed ----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_the_stacked_map_fades_back_in_time_and_down_the_layers_on_every_seed(seed):
    layers, steps = (d.default for d in tasks.gradients_endpoint.__defaults__[:2])
    g = tasks.gradients(layers, steps, seed)
    assert g["time_ratio"] < 1e-3  # measured 3e-9 … 3e-5 on seeds 0–9
    assert g["depth_ratio"] < 0.5  # measured 0.19 … 0.39
    assert g["bottom_first"] < 1e-3 * g["top_last"]


# --- plain words for bad text -----------------------------------------------------------------------------------
RAW = ("String should", "Input should", "field required", "value_error", "Field required")


@pytest.mark.parametrize(
    "path, limit", [("/api/tasks/sentiment", 40), ("/api/tasks/pos", 40), ("/api/tasks/translate", 20)]
)
def test_bad_text_gets_one_plain_sentence(client, path, limit):
    if path.endswith("translate"):
        try:
            translate_model.load()
        except FileNotFoundError:
            pytest.skip("the translation model is not shipped")
    cases = {
        "": "at least one word, got none",
        "   ": "at least one word, got none",
        "x" * 201: "at most 200 characters, got 201",
        "a " * (limit + 1): f"at most {limit} words, got {limit + 1}",
    }
    for text, words in cases.items():
        response = client.get(path, params={"text": text})
        detail = response.json()["detail"]
        assert response.status_code == 400 and words in detail and detail.startswith("Expected"), (text[:10], detail)
        assert not any(raw in detail for raw in RAW)


def test_an_unknown_language_is_one_plain_sentence(client):
    detail = client.get("/api/tasks/names", params={"language": "K" * 300}).json()["detail"]
    assert detail.startswith("Expected a language from the list (Arabic,") and len(detail) < 400
    assert not any(raw in detail for raw in RAW)
