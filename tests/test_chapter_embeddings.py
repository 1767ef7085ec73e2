"""Step 7, embeddings: analogies, neighbours, the PCA map and one-hot vs dense cosines are the library's answers,
GloVe answers when present (else the shipped word2vec vectors, saying so), and bad input is a 4xx that says why."""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.models import vectors as shipped_model  # noqa: E402
from elman.chapter.steps import embeddings  # noqa: E402
from elman.embeddings.projection import pca_2d, similarity_matrices  # noqa: E402

HAVE_GLOVE = embeddings._glove_path() is not None
needs_glove = pytest.mark.skipif(not HAVE_GLOVE, reason=f"GloVe absent: {embeddings.FETCH}")


@pytest.fixture()
def no_glove(monkeypatch):
    """The server as it is on a machine without GloVe."""
    monkeypatch.setattr(embeddings, "_glove_path", lambda: None)
    monkeypatch.setattr(embeddings, "_glove_state", {})


def test_sources_say_which_vectors_exist(client):
    r = client.get("/api/embeddings/sources").json()
    assert r["default"] == ("glove" if HAVE_GLOVE else "shipped")
    assert r["available"] == (["glove", "shipped"] if HAVE_GLOVE else ["shipped"])
    assert r["vectors"]["glove"]["fetch"] == "elman data fetch glove-6b-50d"
    quality = r["vectors"]["shipped"]["quality"]
    assert quality["google_analogy_3cosadd"]["total"]["total"] > 0


@pytest.mark.parametrize("source", ["auto", "glove", "shipped"])
def test_analogy_is_the_library_answer(client, source):
    r = client.get("/api/embeddings/analogy", params={"a": "King", "b": "man", "c": "woman", "source": source})
    assert r.status_code == 200, r.text
    r = r.json()
    vectors, info = embeddings.vectors_for(source)
    assert r["vectors"]["source"] == info["source"] == ("shipped" if source == "shipped" or not HAVE_GLOVE else "glove")
    expected = vectors.analogy("man", "king", "woman", topn=10)           # king − man + woman
    assert [(x["word"], x["cosine"]) for x in r["answers"]] == expected
    assert r == embeddings.analogy("king", "man", "woman", True, source)
    assert not {"king", "man", "woman"} & {x["word"] for x in r["answers"]}


@needs_glove
def test_glove_finds_queen_and_without_exclusion_king_itself(client):
    on = client.get("/api/embeddings/analogy", params={"a": "king", "b": "man", "c": "woman"}).json()
    off = client.get("/api/embeddings/analogy", params={"a": "king", "b": "man", "c": "woman", "exclude": False}).json()
    assert on["answers"][0]["word"] == "queen"
    assert off["answers"][0]["word"] == "king" and not off["exclude"]
    cosines = [x["cosine"] for x in off["answers"]]
    assert cosines == sorted(cosines, reverse=True) and len(cosines) == 10


@pytest.mark.parametrize("source", ["auto", "shipped"])
def test_neighbours_are_the_library_answer(client, source):
    r = client.get("/api/embeddings/neighbours", params={"word": "water", "source": source}).json()
    vectors, _ = embeddings.vectors_for(source)
    assert [(x["word"], x["cosine"]) for x in r["neighbours"]] == vectors.most_similar("water", topn=10)
    assert "water" not in [x["word"] for x in r["neighbours"]]


def test_map_is_pca_of_the_chosen_words(client):
    words = "man woman king queen man"                                     # a repeated word counts once
    r = client.get("/api/embeddings/map", params={"words": words}).json()
    vectors, _ = embeddings.vectors_for("auto")
    assert r["words"] == ["man", "woman", "king", "queen"]
    expected = pca_2d(np.stack([vectors.vector(w) for w in r["words"]]))
    np.testing.assert_allclose(r["points"], expected, rtol=1e-12)


def test_one_hot_is_the_identity_and_dense_is_graded(client):
    r = client.get("/api/embeddings/similarity", params={"words": "man woman king", "source": "shipped"}).json()
    vectors = shipped_model.load()
    one_hot, dense = similarity_matrices(np.stack([vectors.vector(w) for w in ["man", "woman", "king"]]))
    assert r["one_hot"] == one_hot.tolist() == np.eye(3).tolist()
    np.testing.assert_allclose(r["dense"], dense, rtol=1e-12)
    assert r["one_hot_dim"] == len(vectors) and r["dense_dim"] == vectors.dim
    assert 0 < r["dense"][0][1] < 1


def test_without_glove_the_shipped_vectors_answer_and_say_how_to_fetch_it(client, no_glove):
    r = client.get("/api/embeddings/analogy", params={"a": "king", "b": "man", "c": "woman", "source": "glove"}).json()
    assert r["vectors"]["source"] == "shipped" and r["vectors"]["requested"] == "glove"
    assert not r["vectors"]["glove"]["available"]
    assert "elman data fetch glove-6b-50d" in r["vectors"]["note"]
    assert client.get("/api/embeddings/sources").json()["available"] == ["shipped"]


@pytest.mark.parametrize("source", ["auto", "shipped"])
def test_an_unknown_word_names_itself_and_the_vectors_searched(client, source):
    r = client.get("/api/embeddings/analogy", params={"a": "king", "b": "qzxqzxq", "c": "woman", "source": source})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "qzxqzxq" in detail and ("GloVe" in detail if source == "auto" and HAVE_GLOVE else "word2vec" in detail)
    for path, params in [("neighbours", {"word": "qzxqzxq"}), ("map", {"words": "king qzxqzxq"}),
                         ("similarity", {"words": "king qzxqzxq"})]:
        r = client.get(f"/api/embeddings/{path}", params={**params, "source": source})
        assert r.status_code == 400 and "qzxqzxq" in r.json()["detail"], (path, r.text)


@pytest.mark.parametrize("path, params, status, words", [
    ("analogy", {"a": "k" * 41}, 422, ["a", "at most 40 characters"]),
    ("neighbours", {"word": ""}, 422, ["word", "at least 1 character"]),
    ("analogy", {"exclude": "maybe"}, 422, ["exclude", "boolean", "maybe"]),
    ("analogy", {"source": "word2vec"}, 422, ["source", "word2vec"]),
    ("map", {"words": "a " * 101}, 422, ["words", "at most 200 characters"]),
    ("map", {"words": " ".join(["king"] * 21)}, 400, ["at most 20 words", "got 21"]),
    ("map", {"words": "king"}, 400, ["at least 2 different words", "got 1"]),
    ("similarity", {"words": "king king"}, 400, ["at least 2 different words"]),
    ("similarity", {"words": "king " + "q" * 41}, 400, ["at most 40 characters", "got 41"]),
    ("neighbours", {"word": "   "}, 400, ["expected a word"]),
])
def test_bad_input_is_a_4xx_saying_what_was_expected(client, path, params, status, words):
    r = client.get(f"/api/embeddings/{path}", params=params)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    for word in words:
        assert word in detail, detail


def test_the_step_shows_real_library_source(client):
    step = client.get("/api/steps/7").json()
    assert step["key"] == "embeddings" and step["icon"] == "text_fields"
    names = [s["name"] for s in step["sources"]]
    assert "elman.embeddings.vectors.WordVectors.analogy" in names
    assert "elman.embeddings.projection.pca_2d" in names


def test_a_damaged_glove_file_is_not_used_and_the_page_says_why(client, monkeypatch, tmp_path):
    """A GloVe copy whose sha256 is not the registry's answers nothing: the shipped vectors answer, with a note."""
    from elman.data.registry import get

    spec = get(embeddings.GLOVE)
    (tmp_path / "data" / spec.folder).mkdir(parents=True)
    (tmp_path / "data" / spec.folder / spec.files[0].name).write_bytes(b"king 0.1 0.2\n")
    monkeypatch.setenv("ELMAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embeddings, "_glove_state", {})
    r = client.get("/api/embeddings/analogy", params={"a": "king", "b": "man", "c": "woman", "source": "auto"})
    assert r.status_code == 200, r.text
    assert r.json()["vectors"]["source"] == "shipped"
    assert "sha256" in embeddings._glove_state["error"]
