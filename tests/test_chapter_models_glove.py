"""The chapter's GloVe subset: shipped with its licence and the source's sha256, small, word tokens only, answering
the standard analogies from the package alone; a quick build from the registered dataset loads back."""

import json

import numpy as np

from data_marks import needs_data
from elman.chapter.models import WEIGHTS
from elman.chapter.models import glove as model
from elman.data.registry import get
from elman.embeddings.vectors import WordVectors
from elman.io.safetensors import load_file


def test_the_shipped_subset_is_small_documented_and_licensed():
    tensors, meta = WEIGHTS / "glove.safetensors", WEIGHTS / "glove.json"
    assert tensors.stat().st_size + meta.stat().st_size <= 4_500_000
    assert load_file(tensors)["vectors"].dtype == np.float16
    info = model.info()
    spec = get(model.DATASET)
    assert info["source"]["sha256"] == spec.files[0].sha256 and info["source"]["license"] == "PDDL 1.0"
    assert not info["quick"] and info["kept_words"] == model.KEEP and info["dim"] == 50
    assert info["float16_max_abs_error"] < 5e-3
    licence = (WEIGHTS / model.LICENSE).read_text()
    assert info["source"]["license_file"] == model.LICENSE
    assert "Public Domain Dedication and License" in licence and spec.files[0].sha256 in licence
    assert "Pennington" in licence and "3.1 Dedication of Copyright and Database Rights" in licence


def test_the_shipped_subset_holds_words_most_frequent_first():
    vectors = model.load()
    assert isinstance(vectors, WordVectors) and vectors.vectors.dtype == np.float32
    assert len(vectors) == model.KEEP and vectors.words[:3] == ["the", "of", "to"]
    assert all(model.WORD.fullmatch(w) for w in vectors.words)
    assert {"king", "queen", "man", "woman", "pizza", "monday"} <= set(vectors.words)
    assert vectors.most_similar("monday", topn=1)[0][0] in {"tuesday", "wednesday", "thursday", "friday", "sunday"}


def test_the_build_records_the_analogies_it_was_checked_on():
    analogies = model.info()["quality"]["analogies"]
    assert analogies["king - man + woman"]["rank"] == 1
    assert analogies["king - man + woman"]["top"][0][0] == "queen"
    accuracy = model.info()["quality"]["google_analogy_3cosadd"]["total"]["accuracy"]
    assert 0.4 <= accuracy <= 0.6  # measured 0.485 over 16,820 questions (47–50 % is GloVe 50d's usual)


@needs_data("glove-6b-50d")
def test_a_quick_build_loads_back_from_its_folder(tmp_path):
    meta = model.build(tmp_path, quick=True)
    vectors = model.load(tmp_path)
    assert len(vectors) == meta["kept_words"] == model.QUICK_KEEP and vectors.dim == 50
    assert json.loads((tmp_path / "glove.json").read_text())["quick"]
    assert (tmp_path / model.LICENSE).read_text() == (WEIGHTS / model.LICENSE).read_text()
    shipped = model.load()
    np.testing.assert_array_equal(vectors.vectors, shipped.vectors[: model.QUICK_KEEP])  # the same rows, same rule
