"""Claims 5-7 (long range, truncated BPTT, clipping) in quick mode: five seeds each, decided on the interval."""

from pathlib import Path

import pytest

from claims_checks import assert_record
from elman.analysis.claims import long_range


@pytest.mark.parametrize(
    "run, decide, claim_id, verdict",
    [
        (long_range.long_range, long_range.verdict_long_range, 5, "reproduced"),
        # without the distractor channels truncated BPTT learns lags beyond its window: the verdict says so
        (long_range.truncation, long_range.verdict_truncation, 6, "nuanced"),
        (long_range.clipping, long_range.verdict_clipping, 7, "reproduced"),
    ],
)
def test_quick_verdicts(run, decide, claim_id, verdict, tmp_path):
    result = run(True, tmp_path, 0)
    assert result.id == claim_id
    assert result.verdict == verdict, (result.measured, result.reason)
    assert_record(result, decide, figure_dir=tmp_path)
    assert Path(result.figure).name == f"{run.__name__}.png"
    if claim_id == 7:  # the threshold in the vanishing regime clips, and the ratio stays put
        assert result.numbers["vanish_clip_share"] > 0.5 and abs(result.value) < 0.5
    if claim_id == 5:
        assert "within" in result.reason and "updates" in result.claim
