"""Checks shared by the claim tests: a record is decided by its own verdict function, on at least five seeds."""

import json
from pathlib import Path

from elman.analysis.claims.base import N_SEEDS, VERDICTS


def assert_record(result, decide, *, trained: bool = True, figure_dir: Path | None = None) -> None:
    """The verdict is ``decide(numbers)``, the record is strict JSON, trained claims list ≥ 5 seeds and an interval."""
    assert result.verdict in VERDICTS
    assert decide(result.numbers)[0] == result.verdict, (result.numbers, result.verdict)
    json.dumps(result.to_json(), allow_nan=False)
    if trained:
        assert len(set(result.seeds)) >= N_SEEDS, result.seeds
        assert result.interval is not None and result.interval[0] <= result.value <= result.interval[1]
    if figure_dir is not None:
        assert Path(result.figure).is_file() and Path(result.figure).parent == figure_dir
