"""Every task's ``elman train TASK --quick`` runs in seconds, writes a finished run, and ``elman eval`` reads it:
the test metric eval computes from the saved model is the one training wrote into summary.json."""

import json

import pytest

from data_marks import needs_data
from elman.cli import main
from elman.tasks.runs import run_task

# (task, dataset, extra arguments, the metric as eval names it, where the training summary keeps it)
TASKS = [
    ("sentiment", "sst", [], "accuracy", "test_accuracy"),
    ("names", "names", [], "nll", "test_nll"),
    ("pos", "ud-english-ewt", [], "accuracy", "test_accuracy"),
    ("caption", "digits", [], "nll", "test_nll"),
    ("series", "timeseries", ["--data", "sunspots"], "rnn.mse", "test.rnn.mse"),
    ("translate", "multi30k", [], "ppl", "test_ppl"),
]


def _at(record: dict, dotted: str):
    for key in dotted.split("."):
        record = record[key]
    return record


@pytest.mark.parametrize(
    "task, dataset, extra, metric, summary_key", [pytest.param(*row, marks=needs_data(row[1])) for row in TASKS]
)
def test_quick_train_then_eval(tmp_path, capsys, task, dataset, extra, metric, summary_key):
    out = tmp_path / task
    assert main(["train", task, "--quick", "--out", str(out), *extra]) == 0
    assert run_task(json.loads((out / "config.json").read_text())) == task
    capsys.readouterr()
    assert main(["eval", str(out), "--split", "test"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[0])
    summary = json.loads((out / "summary.json").read_text())
    assert report["split"] == "test"
    assert _at(report, metric) == pytest.approx(_at(summary, summary_key), rel=1e-9)
