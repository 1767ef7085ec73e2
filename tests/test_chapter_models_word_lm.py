"""The shipped word-level language model: a quick build from Brown loads back, and the shipped files are sound."""

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.chapter.models import WEIGHTS, word_lm
from elman.io.safetensors import load_file
from elman.models.language_model import read


@needs_data("brown")
def test_a_quick_build_loads_back_from_its_directory(tmp_path):
    meta = word_lm.build(tmp_path, quick=True)
    assert (tmp_path / "word_lm.safetensors").is_file() and (tmp_path / "word_lm.json").is_file()
    model, vocab, loaded = word_lm.load(tmp_path)
    assert len(vocab) == meta["vocab_size"] == model.vocab_size and vocab.itos[:2] == ["<unk>", "<eos>"]
    assert loaded["quick"] and "vocab" not in loaded
    assert 1 < loaded["quality"]["validation_perplexity"] < len(vocab)
    states, probs = read(model, vocab.encode(["the", "cat", "sat"]))
    assert states.shape == (3, meta["hidden_size"]) and np.allclose(probs.sum(axis=1), 1)


@needs_data("brown")
def test_the_stored_weights_are_what_the_model_computes_with(tmp_path):
    word_lm.build(tmp_path, quick=True)
    model, _, _ = word_lm.load(tmp_path)

    tensors = load_file(tmp_path / "word_lm.safetensors")
    assert tensors["embed.weight.q"].dtype == np.int8 and tensors["rnn.weight_hh_l0"].dtype == np.float16
    np.testing.assert_array_equal(
        model.params["embed.weight"],
        tensors["embed.weight.q"].astype(np.float32) * tensors["embed.weight.scale"][:, None],
    )
    np.testing.assert_array_equal(model.params["rnn.weight_hh_l0"], tensors["rnn.weight_hh_l0"].astype(np.float32))


def test_the_shipped_model_is_small_documented_and_loads():
    if not (WEIGHTS / "word_lm.json").is_file():
        pytest.skip("word_lm is not built: python -m elman.chapter.models word_lm")
    assert (WEIGHTS / "word_lm.safetensors").stat().st_size < 2_000_000
    meta = json.loads((WEIGHTS / "word_lm.json").read_text())
    assert not meta["quick"] and meta["hidden_size"] == 128 and meta["embed_dim"] == 64
    assert meta["vocab_size"] == 9000 + 2 + len(word_lm.CHAPTER_WORDS) and meta["seed"] == 0 and "brown" in meta["data"]
    assert meta["quality"]["validation_perplexity"] < 400
    model, vocab, _ = word_lm.load()
    assert model.hidden_size == 128 and "the" in vocab
    assert {"cat", "cats", "was", "were", "mat", "overlooking"} <= set(vocab.itos)  # the chapter's examples


def test_the_chapter_s_words_join_the_vocabulary_only_when_the_text_has_them():
    from elman.data.text import Vocab

    base = Vocab(["<unk>", "<eos>", "the", "cat"], specials=word_lm.SPECIALS)
    grown = word_lm.with_words(base, ("mat", "cat", "unicorn"), [["the", "cat", "sat", "on", "the", "mat"]])
    assert grown.itos == ["<unk>", "<eos>", "the", "cat", "mat"]
    assert word_lm.with_words(base, ("unicorn",), [["the", "cat"]]) is base


def test_language_model_read_equals_the_model_forward():
    from elman.models.language_model import LanguageModel, softmax

    lm = LanguageModel(11, 4, 6, 1, dtype="float64", rng=np.random.default_rng(0))
    ids = np.array([3, 1, 4, 1, 5])
    states, probs = read(lm, ids)
    logits, h_n = lm(ids[:, None])
    np.testing.assert_allclose(probs, softmax(logits[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(states[-1], h_n[0, 0], rtol=1e-12)
    assert lm.training
    with pytest.raises(ValueError, match="non-empty 1-D array of token ids"):
        read(lm, np.array([], dtype=np.int64))
