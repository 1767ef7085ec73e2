"""The claims framework: seeds, intervals, registration, ordering, streamed JSON lines and the HTML report.

Stand-in experiments keep these tests fast; every real claim is run by tests/test_claims_<module>.py.
"""

import argparse
import json

import numpy as np
import pytest

from elman.analysis.claims import base, runner
from elman.analysis.claims.base import ClaimResult, claim_result, seeds_for, summary, t_interval


class Interrupted(Exception):
    pass


def _decide(numbers):
    return ("reproduced", "above 0") if numbers["low"] > 0 else ("not reproduced", "interval reaches 0")


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(base, "EXPERIMENTS", {})
    monkeypatch.setattr(runner, "EXPERIMENTS", base.EXPERIMENTS)

    @base.experiment("second", 2)
    def second(quick, out, seed):
        stats = summary([1.0, 2.0, 3.0])
        fig, (ax,) = base.new_figure()
        ax.plot([0, 1], [0, 1])
        return claim_result(
            2,
            "two",
            f"quick={quick} seed={seed}",
            _decide,
            {"low": stats["interval"][0]},
            headline="x",
            stats=stats,
            seeds=seeds_for(seed),
            data={"x": [1, 2]},
            figure=base.save_figure(fig, out, "second"),
        )

    @base.experiment("count", 4, exact=True)
    def count(quick, out, seed):
        return ClaimResult(4, "a count", "m", "reproduced")

    @base.experiment("cited", 13)
    def cited(quick, out, seed):
        return ClaimResult(13, "a fact", "m", "cited")

    @base.experiment("extra", 0)
    def extra(quick, out, seed):
        return ClaimResult(0, "beyond", "m", "nuanced")

    @base.experiment("first", 1)
    def first(quick, out, seed):
        return ClaimResult(1, "one <b>", "m", "not reproduced", data={"bad": float("nan")})

    return base.EXPERIMENTS


def test_seeds_are_derived_from_the_base_seed():
    assert seeds_for(0) == seeds_for(0) and len(seeds_for(0)) == 5 and len(set(seeds_for(0))) == 5
    assert not set(seeds_for(0)) & set(seeds_for(1000))
    assert all(0 <= s < 2**31 for s in seeds_for(7, 8))


def test_t_interval_matches_the_t_formula():
    mean, low, high = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0 and high - mean == pytest.approx(2.776 * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5))
    assert t_interval([0.5] * 5) == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="finite"):
        t_interval([1.0, float("nan")])


def test_claims_run_in_claim_order_and_stream_jsonl(registry, tmp_path):
    seen = []
    results = runner.run_claims(
        quick=True, out=tmp_path, seed=3, on_result=lambda r: seen.append(len(runner.read_jsonl(tmp_path)))
    )
    assert [r.id for r in results] == [1, 2, 4, 0, 13]
    assert seen == [1, 2, 3, 4, 5]  # each record is on disk before the next claim starts
    records = runner.read_jsonl(tmp_path)
    assert records[1]["measured"] == "quick=True seed=3" and records[1]["seeds"] == seeds_for(3)
    assert records[1]["interval"] == pytest.approx([2 - 2.484, 2 + 2.484], abs=1e-3) and records[1]["provisional"]
    assert records[1]["verdict"] == _decide(records[1]["numbers"])[0]
    assert records[1]["command"] == "elman experiment second --seed 3 --quick"
    assert records[0]["data"] == {"bad": "nan"}  # strict JSON, no NaN literal
    assert json.loads((tmp_path / "second.json").read_text())["data"] == {"x": [1, 2]}


def test_an_interrupted_run_keeps_the_claims_it_finished(registry, tmp_path):
    @base.experiment("third", 3)
    def third(quick, out, seed):
        raise Interrupted("killed")

    with pytest.raises(Interrupted):
        runner.run_claims(quick=True, out=tmp_path)
    assert [r["id"] for r in runner.read_jsonl(tmp_path)] == [1, 2]
    with open(tmp_path / runner.JSONL, "a") as f:
        f.write('{"id": 3, "cut off')  # a line a kill cut in half is skipped, not an error
    assert [r["id"] for r in runner.read_jsonl(tmp_path)] == [1, 2]


def test_quick_marks_provisional_only_what_the_budget_decides(registry):
    quick = {r.name: r.provisional for r in runner.run_claims(quick=True)}
    assert quick == {"first": True, "second": True, "count": False, "extra": True, "cited": False}
    assert not any(r.provisional for r in runner.run_claims(quick=False))


@pytest.mark.parametrize("name", ["weight_sharing", "unrolled"])
def test_the_deterministic_claims_are_never_provisional(name):
    from elman.analysis.claims import EXPERIMENTS

    assert EXPERIMENTS[name].exact and EXPERIMENTS[name].claim_id in (2, 3)
    result = runner.run_experiment(name, quick=True)
    assert result.verdict == "reproduced" and not result.provisional
    # A trained claim's quick record stands on cut seeds and updates: provisional (decided before it runs).
    assert EXPERIMENTS["long_range"].provisional(True, "reproduced")
    assert not EXPERIMENTS["long_range"].provisional(False, "reproduced")


def test_unknown_experiment_and_bad_verdict_are_clear_errors(registry):
    with pytest.raises(ValueError, match="Unknown experiment 'nope'"):
        runner.run_experiment("nope")
    with pytest.raises(ValueError, match="verdict must be one of"):
        ClaimResult(1, "c", "m", "maybe")
    with pytest.raises(ValueError, match="registered twice"):
        base.experiment("first", 1)(lambda q, o, s: None)


def _parse(argv):
    parser = argparse.ArgumentParser()
    runner.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_claims_json_streams_one_line_per_claim(registry, capsys):
    args = _parse(["claims", "--quick", "--json", "--seed", "5"])
    assert args.run(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 4, 0, 13]
    assert {"id", "claim", "measured", "verdict", "seeds", "interval", "numbers", "provisional"} <= set(rows[1])
    args = _parse(["claims", "--quick"])
    assert args.run(args) == 0
    assert "NOT REPRODUCED" in capsys.readouterr().out


def test_report_is_one_self_contained_page(registry, tmp_path, capsys):
    args = _parse(["claims", "--quick", "--report", str(tmp_path)])
    assert args.run(args) == 0
    page = (tmp_path / "claims.html").read_text()
    assert page.count("<section") == 5 and "data:image/png;base64," in page
    assert "one &lt;b&gt;" in page and "one <b>" not in page  # escaped
    assert "elman experiment second --seed 0 --quick" in page and "provisional" in page
    assert "reproduced" in page and "2 [" in page  # the number and its interval
    for external in ("http://", "https://", "<script", "<link"):
        assert external not in page
    (tmp_path / "claims.html").unlink()
    args = _parse(["claims", "--report", str(tmp_path)])  # claims.jsonl exists: only the page is written
    assert args.run(args) == 0 and (tmp_path / "claims.html").is_file()
