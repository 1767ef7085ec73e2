"""The epoch loop's training state: written every epoch, resumed to the bit, its metrics cut back, Ctrl-C said."""

from __future__ import annotations

import json

import numpy as np
import pytest

import elman.train.supervised as supervised
from elman.errors import CheckpointError, Interrupted, InvalidInput
from elman.io.safetensors import load_file
from elman.models.classifier import SequenceClassifier
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.sentiment import _batches_fn, accuracy
from elman.train.state import load_training_state
from elman.train.supervised import fit

EPOCHS = 4


def _task(rng, n=60):
    """Label 1 when token 2 comes before token 3: a small task that dropout and the batch order both touch."""
    seqs, labels = [], []
    for _ in range(n):
        s = rng.integers(4, 8, int(rng.integers(2, 6)))
        i, j = rng.choice(len(s), 2, replace=False)
        s[i], s[j] = 2, 3
        seqs.append(s)
        labels.append(int(i < j))
    return seqs, np.array(labels)


SEQS, LABELS = _task(np.random.default_rng(0))


def _fit(out, *, resume=False, epochs=EPOCHS):
    """A fresh model (dropout on, so its own generator matters) and a plateau memory kept in ``task_state``."""
    model = SequenceClassifier(
        8, 2, embed_dim=4, hidden_size=6, bidirectional=True, dropout=0.3, rng=np.random.default_rng(1)
    )
    optimizer = Adam(model.params, lr=0.05)
    plateau = {"best": None}

    def evaluate(m):
        score = accuracy(m, SEQS, LABELS)
        if plateau["best"] is None or score > plateau["best"]:
            plateau["best"] = score
        else:
            optimizer.lr *= 0.5
        return {"accuracy": score, "lr": optimizer.lr}

    summary = fit(
        model,
        _batches_fn(SEQS, LABELS, 8),
        cross_entropy,
        evaluate,
        optimizer=optimizer,
        epochs=epochs,
        out_dir=out,
        metric="accuracy",
        patience=3,
        seed=2,
        resume=resume,
        task_state=plateau,
    )
    return model, summary, plateau


def _interrupt_after(monkeypatch, target, calls):
    """Make ``supervised.<target>`` raise KeyboardInterrupt on its call number ``calls`` (1-based)."""
    real, count = getattr(supervised, target), [0]

    def fake(*args, **kwargs):
        count[0] += 1
        if count[0] == calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(supervised, target, fake)


def _untimed(summary: dict) -> dict:
    """A summary without its wall-clock fields (``seconds``, the best epoch's ``train_seconds``), which no two runs
    share."""
    best = {k: v for k, v in summary["best"].items() if k != "train_seconds"}
    return {**{k: v for k, v in summary.items() if k != "seconds"}, "best": best}


def _epochs(path):
    return [json.loads(line)["epoch"] for line in path.read_text().splitlines()]


def test_a_run_interrupted_in_an_epoch_resumes_to_the_same_bits(tmp_path, monkeypatch):
    whole, summary, plateau = _fit(tmp_path / "whole")
    _interrupt_after(monkeypatch, "train_epoch", 3)
    with pytest.raises(Interrupted, match=r"interrupted in epoch 3 of 4: .*checkpoint.safetensors holds the 2 "):
        _fit(tmp_path / "cut")
    monkeypatch.undo()
    assert _epochs(tmp_path / "cut" / "metrics.jsonl") == [1, 2]
    resumed, again, kept = _fit(tmp_path / "cut", resume=True)
    for name, value in whole.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[name], value, err_msg=name)
    assert _untimed(again) == _untimed(summary) and kept == plateau
    assert (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines() and _epochs(
        tmp_path / "cut" / "metrics.jsonl"
    ) == _epochs(tmp_path / "whole" / "metrics.jsonl")
    for name in ("model.safetensors", "checkpoint.safetensors"):
        a, b = load_file(tmp_path / "whole" / name), load_file(tmp_path / "cut" / name)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), name


def test_a_kill_between_the_metrics_line_and_the_state_leaves_no_duplicate(tmp_path, monkeypatch):
    whole, _, _ = _fit(tmp_path / "whole")
    # the 3rd state written is epoch 2's: the process dies after epoch 2's line and best weights, before its state
    _interrupt_after(monkeypatch, "save_training_state", 3)
    with pytest.raises(Interrupted, match="holds the 1 completed epoch"):
        _fit(tmp_path / "cut")
    monkeypatch.undo()
    assert _epochs(tmp_path / "cut" / "metrics.jsonl") == [1, 2]
    resumed, _, _ = _fit(tmp_path / "cut", resume=True)
    assert _epochs(tmp_path / "cut" / "metrics.jsonl") == [1, 2, 3, 4]
    assert all(np.array_equal(resumed.state_dict()[k], v) for k, v in whole.state_dict().items())


def test_a_state_exists_from_epoch_zero_and_a_finished_run_resumes_to_its_result(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, "train_epoch", 1)
    with pytest.raises(Interrupted, match="holds the 0 completed epoch"):
        _fit(tmp_path / "run")
    monkeypatch.undo()
    _, _, _, info = load_training_state(tmp_path / "run" / "checkpoint.safetensors")
    assert info["epoch"] == 0 and info["stopped"] is None
    model, summary, _ = _fit(tmp_path / "run", resume=True)
    lines = (tmp_path / "run" / "metrics.jsonl").read_text()
    _interrupt_after(monkeypatch, "train_epoch", 1)  # a finished run trains nothing more
    again, same, _ = _fit(tmp_path / "run", resume=True)
    assert same == summary and (tmp_path / "run" / "metrics.jsonl").read_text() == lines
    assert all(np.array_equal(again.state_dict()[k], v) for k, v in model.state_dict().items())


def test_resume_without_a_state_starts_from_the_first_epoch(tmp_path):
    whole, _, _ = _fit(tmp_path / "whole")
    resumed, _, _ = _fit(tmp_path / "fresh", resume=True)
    assert all(np.array_equal(resumed.state_dict()[k], v) for k, v in whole.state_dict().items())


def test_a_damaged_or_foreign_state_is_refused_in_a_sentence(tmp_path):
    _fit(tmp_path / "run", epochs=1)
    state = tmp_path / "run" / "checkpoint.safetensors"
    state.write_bytes(state.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="--force"):
        _fit(tmp_path / "run", resume=True, epochs=1)
    (tmp_path / "run" / "model.safetensors").replace(state)  # a model file is not a training state
    with pytest.raises(CheckpointError, match="not an elman training state.*--force"):
        _fit(tmp_path / "run", resume=True, epochs=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"clip": -1.0}, "clip must be a positive number"),
        ({"patience": 0}, "patience must be None or an integer >= 1"),
    ],
)
def test_bad_loop_settings_are_invalid_input(tmp_path, kwargs, message):
    model = SequenceClassifier(8, 2, embed_dim=4, hidden_size=6, rng=np.random.default_rng(0))
    settings = {"epochs": 1, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        fit(
            model,
            _batches_fn(SEQS, LABELS, 8),
            cross_entropy,
            lambda m: {"a": 0.0},
            optimizer=Adam(model.params),
            out_dir=tmp_path,
            metric="a",
            **settings,
        )
