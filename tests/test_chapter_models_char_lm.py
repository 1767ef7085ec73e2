"""The shipped character-level language model: a quick build from tinyshakespeare loads back, the features the
units are measured against mean what they say, and the shipped files are small, documented and sound."""

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.chapter.models import WEIGHTS, char_lm
from elman.io.safetensors import load_file
from elman.models.language_model import read


@needs_data("tinyshakespeare")
def test_a_quick_build_loads_back_from_its_directory(tmp_path):
    meta = char_lm.build(tmp_path, quick=True)
    assert (tmp_path / "char_lm.safetensors").is_file() and (tmp_path / "char_lm.json").is_file()
    model, vocab, loaded = char_lm.load(tmp_path)
    assert len(vocab) == meta["vocab_size"] == model.vocab_size and "vocab" not in loaded and loaded["quick"]
    assert 0 < loaded["quality"]["validation_bpc"] < np.log2(len(vocab)) + 0.5  # about uniform after 30 steps
    assert [u["feature"] for u in loaded["units"]] == list(char_lm.FEATURES)
    assert len({u["unit"] for u in loaded["units"]}) == len(char_lm.FEATURES)  # no unit twice
    states = char_lm.states_of(model, vocab, loaded["default_text"])
    assert states.shape == (len(loaded["default_text"]), meta["hidden_size"])
    ids = vocab.encode(list(loaded["default_text"]))
    np.testing.assert_array_equal(states, read(model, ids)[0])  # the library's reading, without the head
    tensors = load_file(tmp_path / "char_lm.safetensors")
    assert all(t.dtype == np.float16 for t in tensors.values())
    np.testing.assert_array_equal(model.params["rnn.weight_hh_l0"], tensors["rnn.weight_hh_l0"].astype(np.float32))


def test_the_features_mark_what_their_names_say():
    text = "ROMEO:\nGo on, sir.\n\nJULIET:\nNo!"
    f = char_lm.features(text)
    assert f["line_position"][text.index("G")] == 0 and f["line_position"][text.index("s")] == 7
    speaker = "".join(c for c, s in zip(text, f["speaker"]) if s)
    assert speaker == "ROMEO:JULIET:"  # the names and their colons, nothing else
    assert f["word_position"][text.index("i")] == 2 and f["word_position"][text.index(",")] == 0
    assert f["boundary"][text.index(" ")] == 1 and f["boundary"][text.index("G")] == 0
    assert f["vowel"][text.index("o")] == 1 and f["vowel"][text.index("G")] == 0
    ends = [c for c, s in zip(text, f["sentence_end"]) if s]
    assert ends == [".", "\n", "\n", "!"]  # from "." to the next letter, and the final "!"
    # a line ending in ":" inside a speech is not a speaker's name
    inside = char_lm.features("ROMEO:\nHear me:\nspeak")["speaker"]
    assert inside.sum() == len("ROMEO:")


def test_pearson_r_matches_numpy_and_is_zero_for_a_constant():
    rng = np.random.default_rng(0)
    states, feature = rng.normal(size=(200, 3)), rng.normal(size=200)
    expected = [np.corrcoef(states[:, j], feature)[0, 1] for j in range(3)]
    np.testing.assert_allclose(char_lm.correlations(states, feature), expected, rtol=1e-10)
    assert char_lm.correlations(states, np.ones(200)).tolist() == [0, 0, 0]


def test_the_shipped_model_is_small_documented_and_loads():
    if not (WEIGHTS / "char_lm.json").is_file():
        pytest.skip("char_lm is not built: python -m elman.chapter.models char_lm")
    assert (WEIGHTS / "char_lm.safetensors").stat().st_size < 1_500_000
    assert (WEIGHTS / "char_lm.json").stat().st_size < 200_000
    meta = json.loads((WEIGHTS / "char_lm.json").read_text())
    assert not meta["quick"] and meta["hidden_size"] == 256 and meta["seed"] == 0 and "tinyshakespeare" in meta["data"]
    assert meta["rebuild"] == "python -m elman.chapter.models char_lm" and meta["train_seconds"] <= 600
    # a tanh RNN of 256 units on tinyshakespeare: well below the 6 bits of a uniform guess over 65 characters,
    # and not better than the ~1.5 bits an LSTM char-rnn of this size reaches
    assert 1.6 < meta["quality"]["validation_bpc"] < 2.6
    assert abs(meta["quality"]["validation_bpc"] - meta["quality"]["validation_bpc_before_storage"]) < 0.01
    assert len(meta["measure_text"]) == char_lm.MEASURE_CHARS and meta["default_text"] in meta["measure_text"]
    model, vocab, _ = char_lm.load()
    assert model.hidden_size == 256 and len(vocab) == 65 and "\n" in vocab
