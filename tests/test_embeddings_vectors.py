"""WordVectors: construction, text and safetensors files, cosine queries and analogies."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from data_marks import needs_data
from elman.embeddings.vectors import UnknownWordError, WordVectors


def small(dtype=np.float32) -> WordVectors:
    # 3-D toy space: x = royalty, y = gender (+1 female), z = a distractor direction.
    words = ["man", "woman", "king", "queen", "apple", "Man"]
    vectors = np.array([[0.1, -1, 0], [0.1, 1, 0], [2, -1, 0.1], [2, 1, 0.1], [0, 0, 3], [0.1, -1, 0.05]], dtype)
    return WordVectors(words, vectors)


def test_basics_and_unknown_words():
    wv = small()
    assert len(wv) == 6 and wv.dim == 3 and "king" in wv and "prince" not in wv
    assert wv.index["queen"] == 3 and wv.vector("apple").tolist() == [0, 0, 3]
    np.testing.assert_allclose(np.linalg.norm(wv.unit, axis=1), 1, rtol=1e-6)
    assert wv.unit is wv.unit  # cached
    with pytest.raises(UnknownWordError, match="'prince'") as err:
        wv.vector("prince")
    assert isinstance(err.value, ValueError) and err.value.word == "prince"
    with pytest.raises(UnknownWordError, match="'prince'"):
        wv.analogy("man", "king", "prince")


def test_constructor_errors():
    with pytest.raises(ValueError, match="duplicate word 'a' at rows 0 and 2"):
        WordVectors(["a", "b", "a"], np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="2 words but vectors of shape"):
        WordVectors(["a", "b"], np.zeros((3, 2), np.float32))
    with pytest.raises(TypeError, match="float32 or float64.*int64"):
        WordVectors(["a"], np.zeros((1, 2), np.int64))


def test_restrict_and_lowercased():
    wv = small()
    assert wv.restrict(2).words == ["man", "woman"]
    low = wv.lowercased()
    assert low.words == ["man", "woman", "king", "queen", "apple"]
    np.testing.assert_array_equal(low.vector("man"), wv.vector("man"))  # the first occurrence wins


def test_most_similar():
    wv = small()
    top = wv.most_similar("man", topn=2)
    assert top[0][0] == "Man" and top[0][1] > top[1][1]
    assert "man" not in [w for w, _ in wv.most_similar("man", topn=10)]
    assert len(wv.most_similar("man", topn=10)) == 5
    assert wv.most_similar("man", topn=1, exclude=["Man"])[0][0] != "Man"
    w, c = wv.most_similar(np.array([0, 0, 1.0]), topn=1)[0]
    assert w == "apple" and c == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        wv.most_similar(np.ones(2))


def test_analogy_3cosadd_and_3cosmul_and_exclusion():
    wv = small(np.float64)
    for method in ("3cosadd", "3cosmul"):
        assert wv.analogy("man", "king", "woman", method=method)[0][0] == "queen"
        assert wv.restrict(5).analogy("woman", "queen", "man", method=method)[0][0] == "king"
    got = dict(wv.analogy("man", "king", "woman", topn=10))
    assert not {"man", "king", "woman"} & set(got)
    t = wv.unit[2] - wv.unit[0] + wv.unit[1]
    assert got["queen"] == pytest.approx(wv.unit[3] @ t / np.linalg.norm(t))  # the cosine with b - a + c
    cos = wv.unit @ wv.unit[[0, 2, 1]].T
    s = (cos + 1) / 2
    mul = dict(wv.analogy("man", "king", "woman", method="3cosmul"))
    assert mul["apple"] == pytest.approx(s[4, 1] * s[4, 2] / (s[4, 0] + 1e-3))
    # Query words come back when allowed: here b itself is nearest to b - a + c with a = c.
    assert wv.analogy("man", "king", "man", exclude_query=False)[0][0] == "king"
    with pytest.raises(ValueError, match="3cosadd"):
        wv.analogy("man", "king", "woman", method="add")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,header", [("v.txt", True), ("v.txt.gz", True), ("g.txt", False), ("g.txt.gz", False)])
def test_text_round_trip(tmp_path, dtype, name, header):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((4, 7)) * 10.0 ** rng.integers(-8, 8, (4, 7))
    wv = WordVectors(["the", "of", "élan", "x1"], values.astype(dtype))
    wv.save_text(tmp_path / name, header=header)
    back = WordVectors.load(tmp_path / name, dtype=dtype)
    assert back.words == wv.words and back.vectors.dtype == dtype
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    assert WordVectors.load(tmp_path / name, limit=2, dtype=dtype).words == ["the", "of"]
    if name == "v.txt":
        assert (tmp_path / name).read_text().splitlines()[0] == "4 7"


def test_save_text_rejects_words_with_spaces(tmp_path):
    with pytest.raises(ValueError, match="'a b'"):
        WordVectors(["a b"], np.zeros((1, 2), np.float32)).save_text(tmp_path / "x.txt")


def test_safetensors_round_trip(tmp_path):
    for dtype in (np.float32, np.float64):
        wv = WordVectors(["a", "ü", '"q"'], np.arange(6, dtype=dtype).reshape(3, 2) / 7)
        wv.save_safetensors(tmp_path / "v.safetensors")
        back = WordVectors.load_safetensors(tmp_path / "v.safetensors")
        assert back.words == wv.words and back.vectors.dtype == dtype
        np.testing.assert_array_equal(back.vectors, wv.vectors)


@pytest.mark.parametrize(
    "text,line,match",
    [
        ("a 1 2\nb 1\n", 2, "expected a word and 2 numbers"),
        ("a 1 2\nb 1 x2\n", 2, "expected a number, got 'x2'"),
        ("2 2\na 1 2\nb 1 2 3\n", 3, "expected a word and 2 numbers"),
        ("3 2\na 1 2\nb 1 2\n", 1, "header announces 3 words"),
        ("2 0\n", 1, "D >= 1"),
        ("a 1 2\nb 3 4\na 5 6\n", None, "duplicate word 'a'"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, text, line, match):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    where = f"bad.txt, line {line}: " if line else "bad.txt: "
    with pytest.raises(ValueError, match=where + ".*" + match):
        WordVectors.load(p)
    with gzip.open(tmp_path / "bad.txt.gz", "wt") as f:
        f.write(text)
    with pytest.raises(ValueError, match=match):
        WordVectors.load(tmp_path / "bad.txt.gz")


def test_missing_source():
    with pytest.raises(FileNotFoundError, match="no-such-vectors"):
        WordVectors.load("no-such-vectors")


@needs_data("glove-6b-50d")
def test_glove_king_queen():
    wv = WordVectors.load("glove-6b-50d")
    assert len(wv) == 100_000 and wv.dim == 50 and wv.words[0] == "the"
    assert wv.analogy("man", "king", "woman", topn=1)[0][0] == "queen"
    assert wv.analogy("man", "king", "woman", topn=1, exclude_query=False)[0][0] == "king"
    assert wv.analogy("man", "king", "woman", topn=1, method="3cosmul")[0][0] == "queen"
    assert len(WordVectors.load("glove-6b-50d", limit=1000)) == 1000
