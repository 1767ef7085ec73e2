"""The benchmark's verdicts on made-up timings: met, missed, and noisy when the timings cannot tell.

Every sample below is invented (no timing is measured here): each test builds the timings of one row, round by
round, as `elman.bench.measure` collects them, and checks what the row says.
"""

import pytest

from elman import bench

BATCHED = [100, 256, 2, 32, 100]  # training target 0.8
SINGLE = [100, 256, 1, 1, 100]  # one sequence: training target 0.3


def row_of(config, elman_rounds, torch_rounds, mode="train", per_round=5):
    """A row whose engines took these milliseconds, each round repeating its value `per_round` times."""
    samples = {"elman": [[ms] * per_round for ms in elman_rounds], "torch": [[ms] * per_round for ms in torch_rounds]}
    return {"config": config, "mode": mode, **bench.summarize(samples)}


def test_steady_timings_under_the_target_meet_it():
    row = row_of(BATCHED, [7.0, 7.1, 6.9, 7.0], [10.0, 10.1, 9.9, 10.0])
    assert row["ratio"] == pytest.approx(0.7)
    assert bench.doubts(row) == []
    assert bench.verdict(row) == "met"
    assert bench.format_row(row).endswith("0.70x  ≤ 0.8 met")


def test_steady_timings_over_the_target_miss_it():
    row = row_of(BATCHED, [9.0, 9.1, 8.9, 9.0], [10.0, 10.1, 9.9, 10.0])
    assert bench.verdict(row) == "missed"
    assert bench.format_row(row).endswith("0.90x  ≤ 0.8 missed")


def test_a_spread_engine_makes_the_row_noisy_whatever_its_ratio():
    # torch's median is 10 ms as in the row that meets its target, but a quarter of its runs took 30 ms or more
    samples = {"elman": [[7.0] * 5] * 4, "torch": [[9.0, 10.0, 10.0, 30.0, 40.0]] * 4}
    row = {"config": BATCHED, "mode": "train", **bench.summarize(samples)}
    assert row["ratio"] == pytest.approx(0.7)
    assert row["torch_spread"] > bench.MAX_SPREAD
    assert bench.verdict(row) == bench.NOISY
    assert any("torch's times spread" in doubt for doubt in bench.doubts(row))


def test_engines_disagreeing_from_round_to_round_make_the_row_noisy():
    # each engine is steady over the whole row, but elman/torch goes from 0.57 to 0.88 between rounds
    row = row_of(BATCHED, [6.5, 7.0, 7.0, 7.5], [11.5, 10.0, 10.0, 8.5])
    assert max(row["elman_spread"], row["torch_spread"]) <= bench.MAX_SPREAD
    assert row["round_drift"] > bench.MAX_ROUND_DRIFT
    assert bench.verdict(row) == bench.NOISY
    assert bench.doubts(row) == [f"elman/torch moved {row['round_drift']:.2f}-fold between rounds"]


def test_a_torch_slowed_2410_ms_by_the_machine_is_noisy_not_met():
    # the measured case: a batch-1 training step of 2,410 ms in torch (7 ms on a quiet machine) printed
    # "0.00x ... met"; even when every one of its runs is that slow, the ratio is no comparison of the engines
    row = row_of(SINGLE, [4.0, 4.0, 4.1, 4.0], [2410.0, 2405.0, 2412.0, 2410.0])
    assert row["torch_ms"] == pytest.approx(2410.0)
    assert bench.verdict(row) == bench.NOISY
    line = bench.format_row(row)
    assert "0.0017x" in line and "0.00x" not in line
    assert line.endswith("≤ 0.3 noisy: re-run on a quiet machine")
    assert "met" not in line


def test_an_elman_far_slower_than_torch_is_noisy_not_missed():
    row = row_of(BATCHED, [150.0] * 4, [10.0] * 4)
    assert bench.verdict(row) == bench.NOISY


def test_a_row_without_spreads_is_judged_on_its_ratio_alone():
    row = {"config": SINGLE, "mode": "infer", "elman_ms": 0.8, "torch_ms": 1.2, "ratio": 0.8 / 1.2}
    assert bench.verdict(row) == "met"


def test_the_language_models_speedup_is_noisy_when_its_rounds_disagree():
    steady = {"elman": [[40.0] * 3] * 4, "torch": [[60.0] * 3] * 4}
    drifting = {"elman": [[40.0] * 3] * 4, "torch": [[40.0] * 3, [60.0] * 3, [60.0] * 3, [80.0] * 3]}
    for samples, expected in ((steady, "met"), (drifting, bench.NOISY)):
        row = bench.summarize(samples)
        row["speedup"] = row["torch_ms"] / row["elman_ms"]
        assert bench.lm_verdict(row) == expected
