"""Step 6, tasks: every endpoint answers with the library's numbers for the shipped models, and bad input
(unknown words, empty or over-long text, out-of-range numbers, wrong types) is a 4xx that says what was wrong."""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.analysis.gradient_flow import layer_time_map  # noqa: E402
from elman.chapter.models import names as names_model  # noqa: E402
from elman.chapter.models import pos as pos_model  # noqa: E402
from elman.chapter.models import sentiment as sentiment_model  # noqa: E402
from elman.chapter.models import translate as translate_model  # noqa: E402
from elman.chapter.steps import tasks  # noqa: E402
from elman.nn.rnn import RNN  # noqa: E402
from elman.tasks import pos as pos_task  # noqa: E402
from elman.tasks import sentiment as sentiment_task  # noqa: E402
from elman.tasks.translate import translate_details  # noqa: E402


def translator_shipped() -> bool:
    try:
        translate_model.load()
    except FileNotFoundError:
        return False
    return True


def test_the_step_names_its_four_shapes_and_shows_library_source(client):
    step = client.get("/api/steps/6").json()
    assert step["key"] == "tasks" and step["icon"] == "apps"
    text = " ".join(step["paragraphs"])
    for shape in ("Many-to-one", "One-to-many", "many-to-many", "Stacking"):
        assert shape in text
    assert "h^{l}_t" in step["formula"]
    names = [s["name"] for s in step["sources"]]
    assert "elman.analysis.gradient_flow.layer_time_map" in names
    assert "elman.models.generator.ConditionedGenerator.sample" in names


def test_examples_list_the_probes_and_the_eighteen_languages(client):
    r = client.get("/api/tasks/examples").json()
    assert len(r["languages"]) == 18 and "Italian" in r["languages"]
    assert ["the movie was good", "the movie was not good"] in r["probes"]


# --- many-to-one: sentiment -----------------------------------------------------------------------------------
def test_sentiment_is_the_shipped_classifier_on_the_sentence_and_its_reverse(client):
    r = client.get("/api/tasks/sentiment", params={"text": "It is funny and not boring"}).json()
    shipped = sentiment_model.load()
    words = "it is funny and not boring".split()
    seqs = sentiment_task.encode(shipped.vocab, [words, words[::-1]])
    rnn = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.model, seqs))
    bag = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.bag, seqs))
    assert r["words"] == words and r["reversed"] == words[::-1]
    assert r["rnn"]["p_positive"] == pytest.approx(float(rnn[0]), rel=1e-9)
    assert r["rnn"]["p_positive_reversed"] == pytest.approx(float(rnn[1]), rel=1e-9)
    assert r["bow"]["p_positive"] == pytest.approx(float(bag[0]), rel=1e-9)
    # order: the bag of words cannot tell the two apart; the RNN can
    assert r["bow"]["p_positive"] == pytest.approx(r["bow"]["p_positive_reversed"], rel=1e-5)
    assert abs(r["rnn"]["p_positive"] - r["rnn"]["p_positive_reversed"]) > 1e-3
    assert r["model"]["vocab_size"] == len(shipped.vocab) <= 5002
    assert r["model"]["test_accuracy"] > 0.75


def test_the_shipped_sentiment_model_reads_negation():
    good, not_good = (
        tasks.sentiment("the movie was good")["rnn"]["p_positive"],
        tasks.sentiment("the movie was not good")["rnn"]["p_positive"],
    )
    assert good > 0.5 > not_good


@pytest.mark.parametrize("text, unknown", [("the movie was qwertyuiop", ["qwertyuiop"]), ("zzzz good zzzz", ["zzzz"])])
def test_sentiment_reads_unknown_words_as_unk_and_names_them(client, text, unknown):
    response = client.get("/api/tasks/sentiment", params={"text": text})
    assert response.status_code == 200
    r = response.json()
    assert r["unknown"] == unknown
    shipped = sentiment_model.load()
    seqs = sentiment_task.encode(shipped.vocab, [text.split(), text.split()[::-1]])  # as the server batches it
    expected = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.model, seqs))[0]
    assert r["rnn"]["p_positive"] == pytest.approx(float(expected), rel=1e-9)


def test_sentiment_bad_text_is_a_4xx_saying_what_was_expected(client):
    empty = client.get("/api/tasks/sentiment", params={"text": "   "})
    assert empty.status_code == 400 and "at least one word" in empty.json()["detail"]
    missing = client.get("/api/tasks/sentiment", params={"text": ""})
    assert missing.status_code == 400 and "at least one word, got none" in missing.json()["detail"]
    long = client.get("/api/tasks/sentiment", params={"text": "good " * 60})
    assert long.status_code == 400 and "at most 200 characters, got 300" in long.json()["detail"]
    many = client.get("/api/tasks/sentiment", params={"text": "a " * 45})
    assert many.status_code == 400 and "at most 40 words, got 45" in many.json()["detail"]


# --- one-to-many: names ---------------------------------------------------------------------------------------
def test_names_are_the_generators_samples_for_the_seed(client):
    r = client.get(
        "/api/tasks/names", params={"language": "Russian", "count": 5, "temperature": 0.7, "seed": 11}
    ).json()
    shipped = names_model.load()
    rng = np.random.default_rng(11)
    lang = shipped.languages.index("Russian")
    expected = [
        "".join(shipped.vocab.decode(shipped.model.sample(lang, rng, 0.7, 20, banned=(shipped.vocab.unk_id,))))
        for _ in range(5)
    ]
    assert r["names"] == expected and len(expected) == 5
    other = client.get(
        "/api/tasks/names", params={"language": "Russian", "count": 5, "temperature": 0.7, "seed": 12}
    ).json()
    assert other["names"] != expected
    assert r["model"]["hidden_size"] == shipped.model.hidden_size
    fewer = client.get(
        "/api/tasks/names", params={"language": "Russian", "count": 2, "temperature": 0.7, "seed": 11}
    ).json()
    assert fewer["names"] == expected[:2]


def test_temperature_zero_is_greedy_so_every_name_is_the_same(client):
    r = client.get("/api/tasks/names", params={"language": "Japanese", "count": 4, "temperature": 0}).json()
    assert len(set(r["names"])) == 1


def test_names_bad_parameters_are_4xx(client):
    unknown = client.get("/api/tasks/names", params={"language": "Klingon"})
    assert unknown.status_code == 400
    assert "from the list (Arabic" in unknown.json()["detail"] and "'Klingon'" in unknown.json()["detail"]
    for params, words in (
        ({"count": 0}, "count"),
        ({"count": 13}, "less than or equal to 12"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": "hot"}, "valid number"),
        ({"seed": -1}, "seed"),
    ):
        response = client.get("/api/tasks/names", params=params)
        assert response.status_code == 422 and words in response.json()["detail"], params


# --- aligned many-to-many: tags -------------------------------------------------------------------------------
def test_pos_tags_one_per_word_from_the_tagger(client):
    text = "The old man saw a dog in the park ."
    r = client.get("/api/tasks/pos", params={"text": text}).json()
    shipped = pos_model.load()
    ids = pos_task.predict(shipped.model, pos_task.encode(shipped.vocab, [text.split()], shipped.lower))[0]
    assert r["words"] == text.split()
    assert r["tags"] == [shipped.tags[i] for i in ids]
    assert r["tags"][:3] == ["DET", "ADJ", "NOUN"] and r["tags"][-1] == "PUNCT"
    assert r["model"]["test_accuracy"] > 0.88


def test_pos_bad_text_is_a_4xx(client):
    unknown = client.get("/api/tasks/pos", params={"text": "the dog saw a blorptastic cat"})
    assert unknown.status_code == 200 and unknown.json()["unknown"] == ["blorptastic"]
    assert len(unknown.json()["tags"]) == 6  # the unknown word is still tagged, from <unk> and its shape
    assert client.get("/api/tasks/pos", params={"text": " "}).status_code == 400
    assert client.get("/api/tasks/pos", params={"text": "x" * 201}).status_code == 400


# --- unaligned many-to-many: translation ----------------------------------------------------------------------
def test_translation_is_the_task_translation_or_says_how_to_build_it(client):
    r = client.get("/api/tasks/translate", params={"text": "ein mann fährt fahrrad .", "beam": 3}).json()
    if not translator_shipped():
        assert r["shipped"] is False and r["command"] == "python -m elman.chapter.models translate"
        return
    shipped = translate_model.load()
    expected = translate_details(shipped.model, shipped.vocabs, "ein mann fährt fahrrad .", beam=3)
    assert r["shipped"] and r["translation"] == expected["translation"] and r["words"] == expected["words"]
    greedy = client.get("/api/tasks/translate", params={"text": "ein mann fährt fahrrad ."}).json()
    assert greedy["beam"] == 1 and greedy["model"]["bleu_decoder"] == "greedy"


def test_translation_bad_input_is_a_4xx(client):
    assert client.get("/api/tasks/translate", params={"beam": 4}).status_code == 422
    assert client.get("/api/tasks/translate", params={"beam": "wide"}).status_code == 422
    if translator_shipped():
        assert client.get("/api/tasks/translate", params={"text": "ü" * 201}).status_code == 400
    if translator_shipped():
        unknown = client.get("/api/tasks/translate", params={"text": "ein xyzzyblub ."})
        assert unknown.status_code == 200 and unknown.json()["unknown"] == ["xyzzyblub"]
        assert client.get("/api/tasks/translate", params={"text": "  "}).status_code == 400
        long = client.get("/api/tasks/translate", params={"text": "ein mann " * 11})
        assert long.status_code == 400 and "at most 20 words, got 22" in long.json()["detail"]


# --- stacked: the layer × time gradient map -------------------------------------------------------------------
def test_gradient_map_is_the_librarys_for_the_seed(client):
    r = client.get("/api/tasks/gradients", params={"layers": 3, "steps": 30, "seed": 5}).json()
    rng = np.random.default_rng(5)
    rnn = RNN(tasks.GRAD_INPUT, tasks.GRAD_HIDDEN, 3, "tanh", dtype="float64", rng=rng)
    expected = layer_time_map(rnn, rng.standard_normal((30, 1, tasks.GRAD_INPUT)))
    assert np.array(r["norms"]) == pytest.approx(expected, rel=1e-9)
    assert r["top_last"] == pytest.approx(expected[-1, -1], rel=1e-9)
    assert np.array(r["log10"]) == pytest.approx(np.log10(expected), rel=1e-9)
    # the signal fades back through time and down through the layers
    assert r["bottom_first"] < 1e-3 * r["top_last"] and r["time_ratio"] < 1e-3 and r["depth_ratio"] < 1
    assert client.get("/api/tasks/gradients", params={"seed": 6}).json()["norms"] != r["norms"]


@pytest.mark.parametrize(
    "params, words",
    [
        ({"layers": 0}, "layers"),
        ({"layers": 7}, "less than or equal to 6"),
        ({"steps": 61}, "steps"),
        ({"steps": "many"}, "valid integer"),
        ({"seed": 2**31}, "seed"),
    ],
)
def test_gradient_map_bounds(client, params, words):
    response = client.get("/api/tasks/gradients", params=params)
    assert response.status_code == 422 and words in response.json()["detail"]
