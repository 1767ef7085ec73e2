"""The memory claims (stacking, bottleneck, next word, initialisation) in quick mode: verdicts and figures."""

from pathlib import Path

import pytest

from elman.analysis.claims import memory

EXPECTED = {
    "stacking": (memory.stacking, 8, "nuanced"),  # gradient map reproduced; the deeper stack trains no slower
    "bottleneck": (memory.bottleneck, 9, "reproduced"),
    "next_word": (memory.next_word, 11, "reproduced"),
    "initialisation": (memory.initialisation, 0, "nuanced"),  # orthogonal / IRNN learn T=20 where the default fails
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_quick_verdict_and_figure(name, tmp_path):
    run, claim_id, verdict = EXPECTED[name]
    result = run(True, tmp_path, 0)
    assert result.id == claim_id
    assert result.verdict == verdict, result.measured
    assert result.figure is not None and Path(result.figure).is_file()
    assert Path(result.figure).suffix == ".png"
    assert result.data


def test_next_word_reports_rank_and_top_words(tmp_path):
    result = memory.next_word(True, None, 0)
    assert result.data["rank"] <= 3
    assert len(result.data["top10"]) == 10
