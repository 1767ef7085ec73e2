"""The foundational claims (1, 2, 3, 4, 10, 12) in quick mode: each run once, decided by its verdict function."""

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from claims_checks import assert_record  # noqa: E402
from data_marks import missing_data  # noqa: E402
from elman.analysis.claims import foundations  # noqa: E402
from elman.analysis.claims.base import EXPERIMENTS  # noqa: E402

VERDICT = {
    "vanishing": foundations.verdict_vanishing,
    "weight_sharing": foundations.verdict_weight_sharing,
    "unrolled": foundations.verdict_unrolled,
    "order": foundations.verdict_order,
    "analogy": foundations.verdict_analogy,
    "one_hot": foundations.verdict_one_hot,
}


@pytest.fixture
def glove_env():
    """True when GloVe is local (in ELMAN_DATA_DIR or the cache): the claims then read it, else they fall back."""
    return not missing_data(foundations.GLOVE)


@pytest.mark.parametrize("name", ["vanishing", "weight_sharing", "unrolled", "order"])
def test_model_claims(name, tmp_path):
    exp = EXPERIMENTS[name]
    result = exp.run(True, tmp_path, 0)
    assert result.id == exp.claim_id
    assert result.verdict == "reproduced", result.measured
    assert_record(result, VERDICT[name], trained=name in ("vanishing", "order"), figure_dir=tmp_path)
    if name == "vanishing":  # non-orthogonal W_hh: the asymptotic rate is ρ, 100 steps at 0.9 near 0.9^100
        assert result.numbers["rate_error"] < 0.05 and abs(result.value) < 1
    if name == "order":  # held out: a bag of words cannot name the doer of mirrored sentences
        assert result.numbers["bow"]["interval"][1] <= 0.6 and result.numbers["rnn"]["interval"][0] >= 0.8


@pytest.mark.parametrize("name", ["analogy", "one_hot"])
def test_embedding_claims(name, tmp_path, glove_env):
    result = EXPERIMENTS[name].run(True, tmp_path, 0)
    expected = "reproduced" if glove_env or name == "one_hot" else "nuanced"
    assert result.verdict == expected, result.measured
    assert_record(result, VERDICT[name], trained=name == "one_hot", figure_dir=tmp_path)
    if glove_env and name == "analogy":  # the whole Google set, as `elman embeddings evaluate` scores it
        assert result.data["benchmark"]["total"]["total"] > 10000 and 0.45 < result.value < 0.55
    if glove_env and name == "one_hot":
        assert result.numbers["king_queen"] > result.numbers["king_pizza"]


@pytest.mark.parametrize("name", ["analogy", "one_hot"])
def test_embedding_claims_without_glove(name, tmp_path, monkeypatch):
    monkeypatch.delenv("ELMAN_DATA_DIR", raising=False)
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(tmp_path / "empty-cache"))
    result = EXPERIMENTS[name].run(True, tmp_path, 0)
    if name == "analogy":
        assert result.verdict == "nuanced" and result.data["data_missing"]
    else:  # falls back on word2vec vectors trained on a generated corpus
        assert result.verdict == "reproduced", result.measured
        assert result.data["source"].startswith("word2vec")
    assert Path(result.figure).is_file()


def test_deterministic_for_a_base_seed():
    a = EXPERIMENTS["order"].run(True, None, 3)
    b = EXPERIMENTS["order"].run(True, None, 3)
    assert a.data == b.data and a.seeds == b.seeds and a.figure is None
