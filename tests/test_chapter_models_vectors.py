"""The chapter's shipped word2vec vectors: a quick build loads back, and the shipped files are small and documented."""

import json

import numpy as np

from data_marks import needs_data
from elman.chapter.models import WEIGHTS
from elman.chapter.models import vectors as model
from elman.embeddings.vectors import WordVectors
from elman.io.safetensors import load_file


@needs_data("brown")
def test_a_quick_build_loads_back_from_its_folder(tmp_path):
    meta = model.build(tmp_path, quick=True)
    vectors = model.load(tmp_path)
    assert isinstance(vectors, WordVectors) and vectors.vectors.dtype == np.float32
    assert len(vectors) == meta["kept_words"] == model.QUICK_KEEP and vectors.dim == model.QUICK.dim
    assert load_file(tmp_path / "vectors.safetensors")["vectors"].dtype == np.float16
    written = json.loads((tmp_path / "vectors.json").read_text())
    assert written["quick"] and written["config"]["seed"] == 0 and "google_analogy_3cosadd" in written["quality"]
    assert model.info(tmp_path)["dim"] == model.QUICK.dim


def test_the_shipped_vectors_are_small_documented_and_useful():
    files = [WEIGHTS / "vectors.safetensors", WEIGHTS / "vectors.json"]
    assert sum(f.stat().st_size for f in files) <= 1_100_000
    assert files[0].stat().st_size <= 1_000_000
    vectors, meta = model.load(), model.info()
    assert len(vectors) == model.KEEP and vectors.dim == model.CONFIG.dim and not meta["quick"]
    assert meta["train_cpu_seconds"] <= 600
    total = meta["quality"]["google_analogy_3cosadd"]["total"]
    assert total["total"] > 100 and total["accuracy"] > 0
    assert {"king", "man", "woman", "water"} <= set(vectors.words)
    assert vectors.most_similar("monday", topn=5)[0][0] in {
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    }
