"""Claims 5-7 (long range, truncated BPTT, clipping) in quick mode: verdicts come from measurements."""

from pathlib import Path

import pytest

from elman.analysis.claims import long_range


@pytest.mark.parametrize("run, name, claim_id", [(long_range.long_range, "long_range", 5),
                                                 (long_range.truncation, "truncation", 6),
                                                 (long_range.clipping, "clipping", 7)])
def test_quick_reproduces(run, name, claim_id, tmp_path):
    result = run(True, tmp_path, 0)
    assert result.id == claim_id
    assert result.verdict == "reproduced", result.measured
    assert result.figure is not None and Path(result.figure).is_file()
    assert Path(result.figure).name == f"{name}.png"
    assert result.data


def test_deterministic():
    a, b = long_range.truncation(True, None, 3), long_range.truncation(True, None, 3)
    assert a.measured == b.measured and a.figure is None
