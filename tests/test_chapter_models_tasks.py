"""The task models the chapter ships (sentiment, names, pos, translate): a quick build writes files that load back
into working models, and the shipped files are small and say what produced them and how good they are."""

import numpy as np
import pytest

from data_marks import needs_data
from elman.chapter.models import WEIGHTS
from elman.chapter.models import names as names_model
from elman.chapter.models import pos as pos_model
from elman.chapter.models import sentiment as sentiment_model
from elman.chapter.models import translate as translate_model
from elman.io.safetensors import load_file
from elman.tasks import pos as pos_task
from elman.tasks import sentiment as sentiment_task
from elman.tasks.translate import translate_details

MODULES = {"sentiment": sentiment_model, "names": names_model, "pos": pos_model, "translate": translate_model}


@needs_data("sst")
def test_sentiment_quick_build_loads_back_and_classifies(tmp_path):
    meta = sentiment_model.build(tmp_path, quick=True)
    shipped = sentiment_model.load(tmp_path)
    assert shipped.model.dtype == np.float32 and not shipped.model.training
    assert len(shipped.vocab) == meta["model"]["vocab_size"] <= sentiment_model.VOCAB + 2
    probs = sentiment_task.predict_proba(shipped.model, sentiment_task.encode(shipped.vocab, [["good"], ["bad"]]))
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1)
    assert 0 <= meta["quality"]["test_accuracy"] <= 1 and meta["quick"]


@needs_data("names")
def test_names_quick_build_loads_back_and_samples(tmp_path):
    meta = names_model.build(tmp_path, quick=True)
    shipped = names_model.load(tmp_path)
    assert len(shipped.languages) == 18 and shipped.model.dtype == np.float32
    ids = shipped.model.sample(0, np.random.default_rng(0), 1.0, 10, banned=(shipped.vocab.unk_id,))
    assert len(ids) <= 10 and all(isinstance(c, str) for c in shipped.vocab.decode(ids))
    assert meta["quality"]["test_nll_per_char"] > 0


@needs_data("ud-english-ewt")
def test_pos_quick_build_loads_back_and_tags(tmp_path):
    meta = pos_model.build(tmp_path, quick=True)
    shipped = pos_model.load(tmp_path)
    ids = pos_task.predict(shipped.model, pos_task.encode(shipped.vocab, [["The", "dog", "runs"]], shipped.lower))[0]
    assert ids.shape == (3,) and all(0 <= i < len(shipped.tags) for i in ids)
    assert 0 <= meta["quality"]["test_token_accuracy"] <= 1


@needs_data("multi30k")
def test_translate_quick_build_loads_back_and_translates(tmp_path):
    pytest.importorskip("sacrebleu")
    meta = translate_model.build(tmp_path, quick=True)
    shipped = translate_model.load(tmp_path)
    out = translate_details(shipped.model, shipped.vocabs, "ein mann .", beam=2)
    assert isinstance(out["translation"], str)
    assert "test_bleu_greedy" in meta["quality"] and meta["quality"]["test_pairs"] == 20


@pytest.mark.parametrize(
    "name, limit", [("sentiment", 1_000_000), ("names", 1_000_000), ("pos", 1_000_000), ("translate", 1_500_000)]
)
def test_shipped_files_are_small_documented_and_float16(name, limit):
    tensors = WEIGHTS / f"{name}.safetensors"
    if name == "translate" and not tensors.exists():
        pytest.skip("the translation model is not shipped")
    assert tensors.stat().st_size <= limit
    assert all(a.dtype == np.float16 for a in load_file(tensors).values())
    shipped = MODULES[name].load()
    assert shipped.meta["trained_by"].startswith("elman.tasks.") and shipped.meta["settings"]["seed"] == 0
    assert shipped.meta["quality"] and not shipped.meta["quick"]
