"""`elman bench` shows each row as soon as it is measured, and says why a noisy row is noisy (made-up rows)."""

import json
import os
import subprocess
import sys
import threading

from elman import bench
from elman.cli import main

MET = {
    "config": [128, 128, 1, 64, 50],
    "mode": "train",
    "reps": 20,
    "elman_ms": 7.0,
    "torch_ms": 10.0,
    "ratio": 0.7,
    "elman_spread": 0.02,
    "torch_spread": 0.03,
    "round_drift": 1.05,
}
NOISY = {**MET, "mode": "infer", "torch_spread": 0.9}

# A child `elman bench` whose second row is measured only once the parent has read the first from the pipe:
# if the first row waited in a buffer, the two would wait for each other until the guard below ends the child.
CHILD = f"""
import sys
from elman import bench, cli
def measure(**kwargs):
    yield {MET!r}
    sys.stdin.readline()
    yield {NOISY!r}
bench.measure, bench.torch_available = measure, lambda: True
sys.exit(cli.main(["bench", "--quick"]))
"""


def test_each_row_reaches_the_pipe_before_the_next_is_measured():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe buffers, as for users
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    guard = threading.Timer(120, child.kill)  # a hang guard, not a timing: a buffered row would block forever
    guard.start()
    try:
        first = [child.stdout.readline() for _ in range(4)]  # the title, the head, its rule, the first row
        child.stdin.write("\n")
        child.stdin.flush()
        rest = child.stdout.read()
    finally:
        guard.cancel()
    assert child.wait() == 0
    assert first[3].rstrip().endswith("0.70x  ≤ 0.8 met")
    assert "noisy: re-run on a quiet machine" in rest


def test_noisy_rows_say_why_after_the_table(monkeypatch, capsys):
    monkeypatch.setattr(bench, "measure", lambda **kw: iter([MET, dict(NOISY)]))
    monkeypatch.setattr(bench, "torch_available", lambda: True)
    assert main(["bench", "--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "noisy [128, 128, 1, 64, 50] infer: torch's times spread 90% of their median"
    assert lines[-2].endswith("≤ 1.0 noisy: re-run on a quiet machine")


def test_json_rows_carry_their_verdict_and_the_table_goes_to_stderr(monkeypatch, capsys):
    monkeypatch.setattr(bench, "measure", lambda **kw: iter([dict(MET), dict(NOISY)]))
    monkeypatch.setattr(bench, "torch_available", lambda: True)
    assert main(["bench", "--quick", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert [r["verdict"] for r in rows] == ["met", bench.NOISY]
    assert rows[1]["doubts"] == ["torch's times spread 90% of their median"]
    assert "0.70x  ≤ 0.8 met" in err


def test_the_language_model_bench_without_torch_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setattr(bench, "torch_available", lambda: False)
    assert main(["bench", "--lm"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "torch, which is not installed" in err[0] and "pip install torch==2.13.0" in err[0]
