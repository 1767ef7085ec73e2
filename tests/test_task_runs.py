"""The task commands' run directories: never overwritten by accident, resumed to the bit (stages that finished are
skipped), Ctrl-C said in a sentence, and ``eval`` / ``generate`` refusing what is not their kind of run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import elman.train.supervised as supervised
from data_marks import needs_data
from elman.cli import main
from elman.errors import MissingFile, RunError
from elman.io.safetensors import load_file
from elman.tasks.runs import open_run, run_task
from elman.train.state import load_training_state

TASKS = ("sentiment", "pos", "names", "translate", "caption", "series")


def _main(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _sentence(err: str) -> str:
    """The failure's message: one or two lines, starting ``elman:``."""
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("elman: "), err
    return err


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _same_tensors(a, b):
    x, y = load_file(a), load_file(b)
    assert x.keys() == y.keys()
    for name in x:
        np.testing.assert_array_equal(x[name], y[name], err_msg=f"{a.name}: {name}")


def _interrupt_epoch(monkeypatch, calls):
    """Ctrl-C in the ``calls``-th epoch the process trains (any fit, any stage)."""
    real, count = supervised.train_epoch, [0]

    def fake(*args, **kwargs):
        count[0] += 1
        if count[0] == calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(supervised, "train_epoch", fake)


def _epochs(path):
    return [json.loads(line)["epoch"] for line in path.read_text().splitlines()]


# --- a run is never overwritten by accident --------------------------------------------------------------------
@pytest.mark.parametrize("task", TASKS)
def test_train_refuses_a_folder_that_holds_a_run_and_a_file_as_out(tmp_path, capsys, task):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"task": task}))
    (run / "model.safetensors").write_bytes(b"finished work")
    before = _snapshot(run)
    code, out, err = _main(capsys, "train", task, "--quick", "--out", run)
    assert code == 2 and out == "" and "already holds a run" in _sentence(err)
    assert "--resume" in err and "--force" in err
    assert _snapshot(run) == before
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    code, _, err = _main(capsys, "train", task, "--quick", "--out", file)
    assert code == 2 and "is a file, not a run directory" in _sentence(err) and file.read_text() == "mine"


@pytest.mark.parametrize("task", TASKS)
def test_resume_refuses_what_is_not_a_run_of_the_task(tmp_path, capsys, task):
    code, _, err = _main(capsys, "train", task, "--out", tmp_path / "empty", "--resume")
    assert code == 2 and "nothing to resume" in _sentence(err)
    other = tmp_path / "lm"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model": {}, "train": {}, "data": {}}))
    code, _, err = _main(capsys, "train", task, "--out", other, "--resume")
    assert code == 2 and f"is a language-model run, not a {task} run" in _sentence(err)
    old = tmp_path / "old"
    old.mkdir()
    (old / "config.json").write_text(json.dumps({"task": task, "model": {}, "train": {}}))
    code, _, err = _main(capsys, "train", task, "--out", old, "--resume")
    assert code == 2 and "cannot be continued" in _sentence(err) and "--force" in err


# --- every option checked before anything is written ----------------------------------------------------------
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize(
    "flag, value, expected",
    [
        ("--hidden", "0", "an integer >= 1"),
        ("--epochs", "-2", "an integer >= 1"),
        ("--lr", "nan", "a finite number > 0"),
        ("--seed", "-1", "an integer >= 0"),
    ],
)
def test_bad_numbers_are_one_line_before_any_file(tmp_path, capsys, task, flag, value, expected):
    out = tmp_path / "run"
    code, _, err = _main(capsys, "train", task, flag, value, "--out", out)
    assert code == 2 and f"{flag}: expected {expected}, got" in _sentence(err)
    assert not out.exists()


def _subparser(parser, *path):
    for name in path:
        parser = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[name]
    return parser


@pytest.mark.parametrize("path", [("train", t) for t in TASKS] + [("eval",), ("generate", "names")])
def test_every_option_has_a_help_string_and_the_train_commands_share_theirs(path):
    from elman.cli import build_parser

    parser = _subparser(build_parser(), *path)
    flags = {s for a in parser._actions for s in a.option_strings}
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert action.help and "(default" not in action.help, (path, action.option_strings)
    if path[0] == "train":
        assert {"--quick", "--out", "--resume", "--force", "--progress"} <= flags


# --- resume: the same bits as a run never stopped -------------------------------------------------------------
def _compare_runs(whole, cut, files):
    for name in files:
        _same_tensors(whole / name, cut / name)
    a, b = (json.loads((d / "summary.json").read_text()) for d in (whole, cut))
    timing = {"seconds", "train_seconds"}
    assert {k: v for k, v in a.items() if k not in timing} == {k: v for k, v in b.items() if k not in timing}


@pytest.mark.parametrize(
    "task, extra, stop",
    [
        pytest.param("caption", [], 2, marks=needs_data("digits")),
        pytest.param("series", ["--data", "sunspots"], 2, marks=needs_data("timeseries")),
        pytest.param("pos", [], 1, marks=needs_data("ud-english-ewt")),
        pytest.param("translate", [], 1, marks=needs_data("multi30k")),
    ],
)
def test_an_interrupted_quick_run_resumes_to_the_bits_of_an_uninterrupted_one(
    tmp_path, capsys, monkeypatch, task, extra, stop
):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert _main(capsys, "train", task, "--quick", "--out", whole, *extra)[0] == 0
    _interrupt_epoch(monkeypatch, stop)
    code, out, err = _main(capsys, "train", task, "--quick", "--out", cut, *extra)
    assert code == 130 and out == "" and f"continue with `elman train {task} --out {cut} --resume`" in _sentence(err)
    assert load_training_state(cut / "checkpoint.safetensors")[3]["epoch"] == stop - 1
    code, _, err = _main(capsys, "eval", cut)
    assert code == 2 and "unfinished" in _sentence(err) and "--resume" in err
    monkeypatch.undo()
    assert _main(capsys, "train", task, "--out", cut, "--resume")[0] == 0  # the run's own (--quick) options
    _compare_runs(whole, cut, ("model.safetensors", "checkpoint.safetensors"))
    assert _epochs(cut / "metrics.jsonl") == _epochs(whole / "metrics.jsonl")


@needs_data("sst")
def test_sentiment_resume_skips_the_finished_rnn_and_continues_the_bag_of_words(tmp_path, capsys, monkeypatch):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    argv = [
        "train",
        "sentiment",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "--no-glove",
        "--no-phrases",
        "--bow-epochs",
        "2",
        "--limit",
        "200",
    ]
    assert _main(capsys, *argv, "--out", whole)[0] == 0
    _interrupt_epoch(monkeypatch, 3)  # the RNN's one epoch, the bag of words' first, then Ctrl-C
    assert _main(capsys, *argv, "--out", cut)[0] == 130
    monkeypatch.undo()
    trained, real = [], supervised.train_epoch
    monkeypatch.setattr(
        supervised, "train_epoch", lambda model, *a, **k: trained.append(type(model).__name__) or real(model, *a, **k)
    )
    assert _main(capsys, "train", "sentiment", "--out", cut, "--resume")[0] == 0
    assert trained == ["BagOfWords"]  # the RNN had finished: only the bag of words' second epoch is trained
    _compare_runs(
        whole, cut, ("model.safetensors", "bow.safetensors", "checkpoint.safetensors", "bow_checkpoint.safetensors")
    )
    assert _epochs(cut / "bow_metrics.jsonl") == [1, 2] and _epochs(cut / "metrics.jsonl") == [1]


NAMES = ["--hidden", "8", "--embed", "4", "--limit", "100"]


@needs_data("names")
def test_names_resume_restores_the_plateau_schedule(tmp_path, capsys, monkeypatch):
    argv = [
        "train",
        "names",
        *NAMES,
        "--epochs",
        "3",
        "--members",
        "1",
        "--no-cosine",
        "--lr-decay",
        "0.5",
        "--lr",
        "3.0",
    ]  # a rate so high that epoch 2 is worse than epoch 1: the rate is halved after it
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert _main(capsys, *argv, "--out", whole)[0] == 0
    _interrupt_epoch(monkeypatch, 2)  # the best dev NLL so far (epoch 1's) must come back with the state
    assert _main(capsys, *argv, "--out", cut)[0] == 130
    monkeypatch.undo()
    assert _main(capsys, "train", "names", "--out", cut, "--resume")[0] == 0
    _compare_runs(whole, cut, ("model.safetensors", "checkpoint.safetensors"))
    lrs = [[json.loads(line)["lr"] for line in (d / "metrics.jsonl").read_text().splitlines()] for d in (whole, cut)]
    assert lrs[0] == lrs[1] and len(set(lrs[0])) > 1  # the learning rate was halved after a plateau, both times


@needs_data("names")
def test_names_ensemble_resume_rebuilds_what_was_not_finished(tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "names", *NAMES, "--epochs", "1", "--members", "2", "--workers", "1", "--out", run]
    assert _main(capsys, *argv)[0] == 0
    model, summary = load_file(run / "model.safetensors"), json.loads((run / "summary.json").read_text())
    states = {k: (run / f"member{k}_checkpoint.safetensors").read_bytes() for k in range(2)}
    for name in ("summary.json", "model.safetensors"):  # killed after the members, before the ensemble
        (run / name).unlink()
    assert _main(capsys, "train", "names", "--out", run, "--resume")[0] == 0
    again = load_file(run / "model.safetensors")
    assert all(np.array_equal(again[k], v) for k, v in model.items()) and again.keys() == model.keys()
    resumed = json.loads((run / "summary.json").read_text())
    assert {k: v for k, v in resumed.items() if k != "seconds"} == {k: v for k, v in summary.items() if k != "seconds"}
    assert all((run / f"member{k}_checkpoint.safetensors").read_bytes() == states[k] for k in range(2))
    code, out, err = _main(capsys, "train", "names", "--out", run, "--resume")  # a finished run: its summary again
    assert code == 0 and "had finished" in err and json.loads(out)["test_nll"] == summary["test_nll"]


def _saved_epoch(run) -> int:
    """The epoch in the run's training state; 0 while there is none (it is replaced atomically, never half)."""
    try:
        return load_training_state(run / "checkpoint.safetensors")[3]["epoch"]
    except FileNotFoundError:
        return 0


@needs_data("digits")
def test_ctrl_c_in_a_real_process_keeps_the_last_epoch_and_says_how_to_go_on(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [
        sys.executable,
        "-m",
        "elman",
        "train",
        "caption",
        "--epochs",
        "100000",
        "--patience",
        "100000",
        "--hidden",
        "8",
        "--embed",
        "4",
        "--limit",
        "40",
        "--out",
        str(run),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if _saved_epoch(run) >= 2:  # the state, not the log: the log's line comes just before the state
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and out == ""
    assert f"continue with `elman train caption --out {run} --resume`" in _sentence(err)
    done = load_training_state(run / "checkpoint.safetensors")[3]["epoch"]
    assert done >= 2 and _epochs(run / "metrics.jsonl")[:done] == list(range(1, done + 1))


# --- eval and generate: the right kind of run, finished -------------------------------------------------------
def _fake_run(folder, config, files=("vocab.json", "model.safetensors", "summary.json")):
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    for name in files:
        (folder / name).write_text("{}")
    return folder


@pytest.mark.parametrize(
    "config",
    [
        {"task": "lm", "model": {}, "train": {}, "data": {}},
        {"model": {"vocab_size": 65}, "train": {"lr": 0.002}, "data": {"source": "x"}},
    ],
    ids=["lm", "legacy-lm"],
)
def test_eval_on_a_language_model_run_says_to_sample_it(tmp_path, capsys, config):
    run = _fake_run(tmp_path / "lm", config)
    code, out, err = _main(capsys, "eval", run)
    assert code == 2 and out == "" and "is a language-model run" in _sentence(err) and f"elman sample {run}" in err


def test_eval_on_what_is_not_a_finished_run(tmp_path, capsys):
    code, _, err = _main(capsys, "eval", tmp_path / "missing")
    assert code == 2 and "no such run directory" in _sentence(err)
    code, _, err = _main(capsys, "eval", _fake_run(tmp_path / "empty", {}, files=()))
    assert code == 2 and "does not say which task wrote it" in _sentence(err)
    code, _, err = _main(capsys, "eval", _fake_run(tmp_path / "odd", {"task": "poetry"}))
    assert code == 2 and "a run of 'poetry', which elman eval does not score" in _sentence(err)
    unfinished = _fake_run(tmp_path / "cut", {"task": "caption"}, files=("vocab.json", "model.safetensors"))
    code, _, err = _main(capsys, "eval", unfinished)
    assert code == 2 and "unfinished caption run" in _sentence(err)
    assert f"elman train caption --out {unfinished} --resume" in err


def test_open_run_raises_the_error_family_and_the_builtin_kinds(tmp_path):
    with pytest.raises(MissingFile) as missing:
        open_run(tmp_path / "nothing", "pos")
    assert isinstance(missing.value, FileNotFoundError)
    with pytest.raises(RunError, match="is a names run, not a pos run") as other:
        open_run(_fake_run(tmp_path / "names", {"task": "names"}), "pos")
    assert isinstance(other.value, ValueError)
    bad = _fake_run(tmp_path / "bad", {})
    (bad / "config.json").write_bytes(b"\xff{")
    with pytest.raises(RunError, match="not valid JSON"):
        open_run(bad, "pos")


def test_a_config_without_task_is_sentiment_only_with_the_sentiment_layout():
    assert run_task({"model": {"num_classes": 2, "pooling": "max"}, "train": {}, "glove_coverage": None}) == "sentiment"
    assert run_task({"model": {}, "train": {}, "data": {}}) == "lm"
    assert run_task({"model": {"hidden_size": 3}}) is None and run_task([]) is None


def test_generate_names_on_a_missing_or_other_run_is_one_line(tmp_path, capsys):
    code, _, err = _main(capsys, "generate", "names", "--language", "Russian", "--run", tmp_path / "none")
    assert code == 2 and "no such run directory" in _sentence(err)
    sentiment = _fake_run(tmp_path / "sst", {"model": {"num_classes": 2}, "train": {}})
    code, _, err = _main(capsys, "generate", "names", "--language", "Russian", "--run", sentiment)
    assert code == 2 and "is a sentiment run, not a names run" in _sentence(err)
