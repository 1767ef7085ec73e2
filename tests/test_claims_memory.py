"""The memory claims (stacking, bottleneck, next word, initialisation) in quick mode: verdicts and figures."""

from pathlib import Path

import pytest

from claims_checks import assert_record
from elman.analysis.claims import memory, next_word

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

EXPECTED = {
    # the gradient fades in time and down the stack; the 3-layer stack trains FASTER here (interval below 0)
    "stacking": (memory.stacking, memory.verdict_stacking, 8, "nuanced"),
    "bottleneck": (memory.bottleneck, memory.verdict_bottleneck, 9, "reproduced"),
    # within 1,200 updates nothing learns T=40; at T=20 the default learns too, so no initialisation "rescues"
    "initialisation": (memory.initialisation, memory.verdict_initialisation, 0, "reproduced"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_quick_verdict_and_figure(name, tmp_path):
    run, decide, claim_id, verdict = EXPECTED[name]
    result = run(True, tmp_path, 0)
    assert result.id == claim_id
    assert result.verdict == verdict, (result.measured, result.reason)
    assert_record(result, decide, figure_dir=tmp_path)
    if name == "bottleneck":  # the delay-matched control: one item after the same delay is recalled better
        assert result.numbers["load"]["interval"][0] > 0.2


def test_next_word_on_the_brown_model(tmp_path, monkeypatch):
    import os

    if not os.environ.get("ELMAN_DATA_DIR") and (SHARED / "nltk-brown").is_dir():
        monkeypatch.setenv("ELMAN_DATA_DIR", str(SHARED))
    result = next_word.next_word(True, tmp_path, 0)
    assert result.id == 11 and Path(result.figure).is_file()
    assert next_word.verdict_next_word(result.numbers)[0] == result.verdict
    assert len(result.data["pairs"]) == len(next_word.CONTRASTS)  # every contrast's words are in the vocabulary
    if result.numbers["gain"] is not None:  # Brown is local: the RNN beats a last-word-only model on held-out text
        assert result.numbers["gain"]["interval"][0] > 0.05
