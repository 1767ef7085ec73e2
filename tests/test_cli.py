"""The command line and the benchmark harness (its plumbing, never its timings)."""

import subprocess
import sys

import pytest

import elman
from elman import bench
from elman.cli import main

TINY = [(3, 4, 2, 2, 5)]


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"elman {elman.__version__}"


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "elman", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"elman {elman.__version__}"


def test_bench_alone_reports_medians_without_ratios():
    rows = bench.run(quick=True, configs=TINY, with_torch=False, pause=0)
    assert [r["mode"] for r in rows] == ["train", "infer"]
    assert all(r["elman_ms"] > 0 and r["reps"] == 20 and "ratio" not in r for r in rows)
    table = bench.format_table(rows)
    assert "torch" not in table and table.count("\n") == 3


def test_bench_against_torch_times_both_engines_in_their_own_processes():
    pytest.importorskip("torch", reason="torch is not installed")
    rows = bench.run(quick=True, configs=TINY, with_torch=True, pause=0)
    for row in rows:
        assert row["torch_ms"] > 0
        assert row["ratio"] == pytest.approx(row["elman_ms"] / row["torch_ms"])
    assert "elman/torch" in bench.format_table(rows)


def test_bench_worker_failure_is_reported():
    proc = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc.wait()  # already gone: writing to it must not be a BrokenPipeError trace
    with pytest.raises(RuntimeError, match="exited with code 0"):
        bench._ask(proc, TINY[0], "train", 1)
