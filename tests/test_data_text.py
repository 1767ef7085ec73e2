"""elman.data.text: the tokenisers and the vocabulary."""

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elman.data import Vocab, char_tokenize, word_tokenize

# --- tokenisers ---------------------------------------------------------------------------------------------


def test_char_tokenize_is_one_token_per_code_point():
    assert char_tokenize("ab c\né") == ["a", "b", " ", "c", "\n", "é"]
    assert char_tokenize("") == []


@given(st.text())
def test_char_tokenize_joins_back_to_the_text(text):
    assert "".join(char_tokenize(text)) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hello, world!", ["Hello", ",", "world", "!"]),
        ("don't  state-of-the-art", ["don't", "state-of-the-art"]),
        ("'quoted' -- end-", ["'", "quoted", "'", "-", "-", "end", "-"]),
        ("3.14 is_pi", ["3", ".", "14", "is", "_", "pi"]),
        ("naïve café über", ["naïve", "café", "über"]),
        ("l’homme", ["l’homme"]),
        ("  \t\n ", []),
    ],
)
def test_word_tokenize(text, expected):
    assert word_tokenize(text) == expected


def test_word_tokenize_lower():
    assert word_tokenize("The CAT's Hat", lower=True) == ["the", "cat's", "hat"]


@given(st.text())
def test_word_tokenize_drops_only_whitespace(text):
    tokens = word_tokenize(text)
    assert all(tok and not any(c.isspace() for c in tok) for tok in tokens)
    assert "".join(tokens) == "".join(c for c in text if not c.isspace())


@pytest.mark.parametrize("fn", [char_tokenize, word_tokenize])
def test_tokenizers_refuse_non_text(fn):
    with pytest.raises(TypeError, match="decode bytes"):
        fn(b"abc")
    with pytest.raises(TypeError, match="must be a str"):
        fn(None)


# --- building -----------------------------------------------------------------------------------------------

SEQS = [["b", "a", "c", "a"], ["c", "a", "d"], ["e"]]  # a:3 c:2 b:1 d:1 e:1


def test_build_orders_specials_then_frequency_then_token():
    vocab = Vocab.build(SEQS)
    assert vocab.itos == ["<pad>", "<unk>", "<bos>", "<eos>", "a", "c", "b", "d", "e"]
    assert vocab.stoi == {tok: i for i, tok in enumerate(vocab.itos)}
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)
    assert len(vocab) == 9 and "a" in vocab and "z" not in vocab and 4 not in vocab


def test_build_is_deterministic_whatever_the_input_order():
    assert Vocab.build(SEQS) == Vocab.build([list(reversed(s)) for s in reversed(SEQS)])


def test_build_min_freq_and_max_size():
    assert Vocab.build(SEQS, min_freq=2, specials=()).itos == ["a", "c"]
    assert Vocab.build(SEQS, max_size=3).itos[4:] == ["a", "c", "b"]
    assert Vocab.build(SEQS, max_size=0).itos == list(Vocab.build([]).itos)


def test_custom_and_absent_specials():
    vocab = Vocab.build(SEQS, specials=("<eos>", "<pad>"))
    assert vocab.itos[:2] == ["<eos>", "<pad>"] and (vocab.eos_id, vocab.pad_id) == (0, 1)
    assert vocab.unk_id is None and vocab.bos_id is None
    bare = Vocab.build(SEQS, specials=())
    assert bare.itos == ["a", "c", "b", "d", "e"] and bare.pad_id is None and bare.unk_id is None


def test_specials_in_the_data_are_not_repeated():
    vocab = Vocab.build([["<unk>", "x", "<unk>"]])
    assert vocab.itos == ["<pad>", "<unk>", "<bos>", "<eos>", "x"]


def test_character_vocab():
    text = "hello world"
    vocab = Vocab.build([char_tokenize(text)], specials=())
    assert vocab.itos[:2] == ["l", "o"] and len(vocab) == len(set(text))
    assert "".join(vocab.decode(vocab.encode(char_tokenize(text)))) == text


@pytest.mark.parametrize(
    "kwargs,err,match",
    [
        ({"min_freq": 0}, ValueError, "min_freq"),
        ({"max_size": -1}, ValueError, "max_size"),
        ({"specials": ("<pad>", "<pad>")}, ValueError, "distinct"),
        ({"specials": ("<pad>", 3)}, TypeError, r"specials\[1\]"),
    ],
)
def test_build_rejects_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        Vocab.build(SEQS, **kwargs)


def test_build_rejects_non_string_tokens_and_bare_strings():
    with pytest.raises(TypeError, match=r"sequences\[1\]\[0\] must be a str token, got int"):
        Vocab.build([["a"], [1]])
    with pytest.raises(TypeError, match="tokenise it first"):
        Vocab.build("hello")
    with pytest.raises(TypeError, match="tokenise it first"):
        Vocab.build(["hello", "world"])


# --- encoding -----------------------------------------------------------------------------------------------


def test_encode_decode():
    vocab = Vocab.build(SEQS)
    ids = vocab.encode(["a", "zzz", "e"], add_bos=True, add_eos=True)
    assert ids.dtype == np.int64 and ids.tolist() == [2, 4, 1, 8, 3]
    assert vocab.decode(ids) == ["<bos>", "a", "<unk>", "e", "<eos>"]
    assert vocab.decode([4, 5]) == ["a", "c"] and vocab.decode([]) == []
    empty = vocab.encode([])
    assert empty.dtype == np.int64 and empty.shape == (0,)


def test_encode_without_unk_names_the_unknown_token():
    vocab = Vocab.build(SEQS, specials=())
    with pytest.raises(ValueError, match=r"'zzz' \(tokens\[1\]\) is not in the vocabulary.*no '<unk>'"):
        vocab.encode(["a", "zzz"])


def test_encode_errors():
    vocab = Vocab.build(SEQS, specials=("<unk>",))
    with pytest.raises(ValueError, match="add_bos=True needs a '<bos>' special"):
        vocab.encode(["a"], add_bos=True)
    with pytest.raises(TypeError, match=r"tokens\[1\] must be a str token, got int"):
        vocab.encode(["a", 7])
    with pytest.raises(TypeError, match="tokenise it first"):
        vocab.encode("ac")


def test_decode_errors():
    vocab = Vocab.build(SEQS)
    with pytest.raises(IndexError, match=r"expected ids in \[0, 9\), got 9"):
        vocab.decode(np.array([0, 9]))
    with pytest.raises(IndexError, match="got -1"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="integers"):
        vocab.decode(np.array([1.0]))
    with pytest.raises(ValueError, match="1-D"):
        vocab.decode(np.zeros((2, 2), dtype=np.int64))


# --- persistence --------------------------------------------------------------------------------------------

tokens_lists = st.lists(st.lists(st.text(min_size=1, max_size=4), max_size=8), max_size=4)


@settings(max_examples=50, deadline=None)
@given(tokens_lists, st.sampled_from([(), ("<pad>", "<unk>"), ("<pad>", "<unk>", "<bos>", "<eos>")]))
def test_json_round_trip_is_exact(seqs, specials):
    vocab = Vocab.build(seqs, specials=specials)
    back = Vocab.from_json(vocab.to_json())
    assert back == vocab and back.itos == vocab.itos and back.specials == vocab.specials
    assert (back.pad_id, back.unk_id, back.bos_id, back.eos_id) == (
        vocab.pad_id,
        vocab.unk_id,
        vocab.bos_id,
        vocab.eos_id,
    )


def test_json_round_trip_of_odd_strings():
    vocab = Vocab(["\ud800", "\x00", "é", '"', "\n", "😀"])
    assert Vocab.from_json(vocab.to_json()) == vocab


def test_file_round_trip_is_atomic(tmp_path):
    vocab = Vocab.build([char_tokenize("To be, or not to be: that is the question.")], specials=())
    path = tmp_path / "vocab.json"
    vocab.save(path)
    vocab.save(path)  # replaces
    assert Vocab.load(path) == vocab and Vocab.load(str(path)).itos == vocab.itos
    assert os.listdir(tmp_path) == ["vocab.json"]


@pytest.mark.parametrize(
    "text,match",
    [
        ("not json", "expected a JSON string"),
        ("[]", "expected a JSON object"),
        ('{"format": "elman.vocab", "version": 1, "itos": []}', "keys"),
        ('{"format": "other", "version": 1, "itos": [], "specials": []}', "format 'elman.vocab'"),
        ('{"format": "elman.vocab", "version": 2, "itos": [], "specials": []}', "version 1"),
        ('{"format": "elman.vocab", "version": 1, "itos": ["a", 1], "specials": []}', "list of strings"),
        ('{"format": "elman.vocab", "version": 1, "itos": "ab", "specials": []}', "list of strings"),
        (
            '{"format": "elman.vocab", "version": 1, "itos": ["a", "b", "a"], "specials": []}',
            r"repeat a token, got 'a'",
        ),
        ('{"format": "elman.vocab", "version": 1, "itos": ["a"], "specials": ["<unk>"]}', "missing"),
        ('{"format": "elman.vocab", "version": 1, "version": 1, "itos": [], "specials": []}', "repeats a key"),
    ],
)
def test_from_json_rejects_malformed_input(text, match):
    with pytest.raises(ValueError, match=match):
        Vocab.from_json(text)


def test_load_names_the_file(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps({"itos": ["a"]}))
    with pytest.raises(ValueError, match="vocab.json: not a vocabulary"):
        Vocab.load(path)
