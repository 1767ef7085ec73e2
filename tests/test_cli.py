"""The command line and the benchmark harness (its plumbing, never its timings)."""

import subprocess
import sys

import numpy as np
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


def test_language_model_bench_counts_tokens_per_second_in_both_engines():
    pytest.importorskip("torch", reason="torch is not installed")
    row = bench.run_lm(quick=True, pause=0, config=(7, 3, 5, 2, 4, 6))
    assert row["config"] == dict(vocab=7, embed=3, hidden=5, layers=2, batch=4, bptt=6)
    for engine in ("elman", "torch"):
        assert row[f"{engine}_tokens_per_s"] == pytest.approx(4 * 6 / (row[f"{engine}_ms"] / 1e3))
    assert row["speedup"] == pytest.approx(row["torch_ms"] / row["elman_ms"])


def test_language_model_bench_prints_the_speedup_against_its_target(monkeypatch, capsys):
    pytest.importorskip("torch", reason="torch is not installed")
    row = {
        "config": {},
        "reps": 3,
        "elman_ms": 10.0,
        "torch_ms": 12.0,
        "elman_tokens_per_s": 2.0,
        "torch_tokens_per_s": 1.0,
        "speedup": 1.2,
    }
    monkeypatch.setattr(bench, "run_lm", lambda **kw: row)
    assert main(["bench", "--lm"]) == 0
    assert "1.20x (target ≥ 1.3: missed)" in capsys.readouterr().out


def test_bench_table_says_whether_each_ratio_meets_its_target():
    rows = [
        {"config": [8, 16, 1, 4, 10], "mode": "train", "elman_ms": 7.0, "torch_ms": 10.0, "ratio": 0.7},
        {"config": [8, 16, 1, 1, 10], "mode": "train", "elman_ms": 4.0, "torch_ms": 10.0, "ratio": 0.4},
        {"config": [8, 16, 1, 4, 10], "mode": "infer", "elman_ms": 10.0, "torch_ms": 10.0, "ratio": 1.0},
    ]
    lines = bench.format_table(rows).splitlines()[2:]
    assert lines[0].endswith("≤ 0.8 met")
    assert lines[1].endswith("≤ 0.3 missed")
    assert lines[2].endswith("≤ 1.0 met")


def test_bench_worker_failure_is_reported():
    proc = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc.wait()  # already gone: writing to it must not be a BrokenPipeError trace
    with pytest.raises(RuntimeError, match="exited with code 0"):
        bench._ask(proc, TINY[0], "train", 1)


@pytest.mark.parametrize("engine", ["elman", "torch"])
def test_language_model_bench_step_updates_and_carries_the_state_in_each_engine(engine, monkeypatch):
    # Every forward of the engine's RNN is recorded: the state it started from, the one it ended in, and W_hh.
    calls = []
    if engine == "torch":
        torch = pytest.importorskip("torch", reason="torch is not installed")
        rnn_class, as_numpy = torch.nn.RNN, lambda a: a.detach().numpy().copy()
        weight = lambda rnn: rnn.weight_hh_l0  # noqa: E731
    else:
        rnn_class, as_numpy = elman.RNN, lambda a: a.copy()
        weight = lambda rnn: rnn.params["weight_hh_l0"]  # noqa: E731
    forward = rnn_class.forward

    def spy(self, x, h0=None, *args, **kwargs):
        output, h_n = forward(self, x, h0, *args, **kwargs)
        calls.append((None if h0 is None else as_numpy(h0), as_numpy(h_n), as_numpy(weight(self))))
        return output, h_n

    monkeypatch.setattr(rnn_class, "forward", spy)
    steps = bench._build(engine, ("lm", 7, 4, 8, 2, 3, 5))
    steps["train"]()
    steps["train"]()
    (h_in1, h_out1, w1), (h_in2, _, w2) = calls
    assert h_in1 is None
    np.testing.assert_array_equal(h_in2, h_out1)  # the second update starts from the first one's last state
    assert h_out1.shape == (2, 3, 8) and np.abs(w2 - w1).max() > 0  # and after the first update's Adam step


def test_train_and_sample_from_the_command_line(tmp_path, capsys):
    text = tmp_path / "tiny.txt"
    text.write_text("to be or not to be, that is the question.\n" * 30)
    out = tmp_path / "run"
    args = [
        "train",
        "lm",
        "--text",
        str(text),
        "--hidden",
        "12",
        "--embed",
        "6",
        "--layers",
        "1",
        "--bptt",
        "8",
        "--batch",
        "4",
        "--steps",
        "12",
        "--eval-every",
        "6",
        "--out",
        str(out),
        "--no-progress",
    ]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} >= {
        "config.json",
        "vocab.json",
        "model.safetensors",
        "metrics.jsonl",
        "checkpoint.safetensors",
    }
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "15", "--no-progress"]) == 0
    capsys.readouterr()
    samples = []
    for _ in range(2):
        assert main(["sample", str(out), "--prime", "to be", "--length", "40", "--seed", "3"]) == 0
        samples.append(capsys.readouterr().out)
    assert samples[0] == samples[1] and samples[0].startswith("to be") and len(samples[0]) == len("to be") + 41
    assert main(["sample", str(out), "--prime", "XYZ"]) == 2
    assert "unknown characters: ['X', 'Y', 'Z']" in capsys.readouterr().err


def test_data_commands_are_wired(capsys):
    assert main(["data", "list"]) == 0
    assert "tinyshakespeare" in capsys.readouterr().out
