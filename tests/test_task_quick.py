"""Every task's ``elman train TASK --quick`` runs in seconds, writes a finished run, and ``elman eval`` reads it."""

import json

import pytest

from data_marks import needs_data
from elman.cli import main
from elman.tasks.runs import run_task

TASKS = [("sentiment", "sst", []), ("names", "names", []), ("pos", "ud-english-ewt", []),
         ("caption", "digits", []), ("series", "timeseries", ["--data", "sunspots"]),
         ("translate", "multi30k", [])]


@pytest.mark.parametrize("task, dataset, extra", [pytest.param(t, d, e, marks=needs_data(d)) for t, d, e in TASKS])
def test_quick_train_then_eval(tmp_path, capsys, task, dataset, extra):
    out = tmp_path / task
    assert main(["train", task, "--quick", "--out", str(out), *extra]) == 0
    assert run_task(json.loads((out / "config.json").read_text())) == task
    capsys.readouterr()
    assert main(["eval", str(out), "--split", "test"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert isinstance(json.loads(first), dict)
