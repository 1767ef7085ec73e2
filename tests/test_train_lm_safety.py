"""Nothing lost: a language-model run survives a crash, Ctrl-C and kill -9, and resumes to the bit; what it
reports (the summary, metrics.jsonl, model.safetensors) agrees."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import elman
from elman.cli import main
from elman.errors import Interrupted
from elman.io.checkpoint import load_model
from elman.models import LanguageModel
from elman.train import LMTrainer, TrainConfig, evaluate
from elman.train import loop as loop_module
from elman.train.log import read_metrics, truncate_metrics
from elman.train.loop import CHECKPOINT
from elman.train.state import load_training_state

TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
) * 8


def ids_of(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text], dtype=np.int64), len(chars)


def trainer(out, steps, *, resume=False, **kw):
    ids, vocab = ids_of(TEXT)
    model = LanguageModel(
        vocab, embed_dim=6, hidden_size=8, num_layers=2, dropout=0.3, dtype="float32", rng=np.random.default_rng(1)
    )
    cfg = TrainConfig(
        **{
            "batch_size": 3,
            "bptt": 6,
            "random_bptt": True,
            "clip": 0.5,
            "lr": 3e-3,
            "max_steps": steps,
            "eval_every": 4,
            "checkpoint_every": 10**6,
            "schedule": "plateau",
            "log_every": 1,
            "progress": False,
            **kw,
        }
    )
    trainer = LMTrainer(model, ids[:-120], ids[-120:], cfg, out)
    if resume:
        trainer.restore(out / CHECKPOINT)
    return trainer


def assert_same_params(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name, value in a.items():
        np.testing.assert_array_equal(b[name], value, err_msg=name)


def test_a_run_that_crashes_before_its_first_periodic_checkpoint_resumes_to_the_bit(tmp_path, monkeypatch):
    straight = trainer(tmp_path / "straight", 9)
    straight.run()
    crashing = trainer(tmp_path / "crashed", 9)
    step = crashing.train_step

    def crash_at_step_5():
        if crashing.step == 4:
            raise RuntimeError("the machine went away")
        return step()

    crashing.train_step = crash_at_step_5
    with pytest.raises(RuntimeError, match="went away"):
        crashing.run()
    assert load_training_state(tmp_path / "crashed" / "checkpoint.safetensors")[3]["step"] == 0
    resumed = trainer(tmp_path / "crashed", 9, resume=True)
    resumed.run()
    assert_same_params(straight.model.params, resumed.model.params)
    steps = [r["step"] for r in read_metrics(tmp_path / "crashed" / "metrics.jsonl") if "loss" in r]
    assert steps == list(range(1, 10))  # the records of the crashed steps 1-4 were dropped and written again


def interrupt_during_step(trainer_, at, times=1):
    """Deliver ``times`` SIGINTs in the middle of update ``at`` (after its gradients, before they are applied)."""
    backward = trainer_.model.backward

    def backward_then_ctrl_c(d_logits, d_h_n=None):
        backward(d_logits, d_h_n)
        if trainer_.step + 1 == at:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)

    trainer_.model.backward = backward_then_ctrl_c


def run_until_interrupted(trainer_) -> str:
    """The message of the Interrupted that ``trainer_.run()`` raises (a KeyboardInterrupt that escapes would
    stop pytest itself, so it fails the test instead)."""
    try:
        trainer_.run()
    except Interrupted as err:
        return str(err)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the trainer as a KeyboardInterrupt")
    pytest.fail("the run was not interrupted")


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="no signals")
def test_ctrl_c_finishes_the_update_saves_it_and_says_how_to_continue(tmp_path):
    straight = trainer(tmp_path / "straight", 9)
    straight.run()
    stopped = trainer(tmp_path / "run", 9)
    interrupt_during_step(stopped, at=6)
    assert run_until_interrupted(stopped) == f"interrupted at step 6: checkpoint saved in {tmp_path / 'run'}"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back
    assert load_training_state(tmp_path / "run" / "checkpoint.safetensors")[3]["step"] == 6
    resumed = trainer(tmp_path / "run", 9, resume=True)
    resumed.run()
    assert_same_params(straight.model.params, resumed.model.params)


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="no signals")
def test_a_second_ctrl_c_stops_at_once_and_keeps_the_last_whole_checkpoint(tmp_path):
    stopped = trainer(tmp_path / "run", 9, checkpoint_every=3)
    interrupt_during_step(stopped, at=5, times=2)
    assert "nothing saved after the checkpoint of step 3" in run_until_interrupted(stopped)
    assert load_training_state(tmp_path / "run" / "checkpoint.safetensors")[3]["step"] == 3


def test_resume_drops_the_metrics_written_after_the_checkpoint(tmp_path):
    path = tmp_path / "metrics.jsonl"
    records = [{"step": 1, "loss": 3.0}, {"step": 2, "val_loss": 2.9}, {"step": 3, "loss": 2.8}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"step": 4, "lo')  # a kill mid-line
    assert truncate_metrics(path, 2) == 2
    assert read_metrics(path) == records[:2]
    assert not list(tmp_path.glob("*.tmp"))


def test_the_summary_metrics_and_saved_model_agree_on_the_best_validation_loss(tmp_path):
    ids, vocab = ids_of(TEXT)
    model = LanguageModel(
        vocab, embed_dim=16, hidden_size=32, num_layers=1, dtype="float64", rng=np.random.default_rng(0)
    )
    cfg = TrainConfig(batch_size=4, bptt=20, lr=1e-2, max_steps=75, eval_every=50, progress=False)
    summary = LMTrainer(model, ids[:-200], ids[-200:], cfg, tmp_path).run()
    evals = [r for r in read_metrics(tmp_path / "metrics.jsonl") if "val_loss" in r]
    assert [r["step"] for r in evals] == [50, 75] and evals[1]["final"]
    assert evals[1]["val_loss"] < evals[0]["val_loss"]  # the case that disagreed: the final evaluation is the best
    assert summary["best_val"] == min(r["val_loss"] for r in evals) == evals[1]["val_loss"]
    assert [r["best"] for r in evals] == [True, True]
    saved = load_model(
        tmp_path / "model.safetensors",
        LanguageModel(vocab, embed_dim=16, hidden_size=32, num_layers=1, dtype="float64"),
    )
    assert evaluate(saved, ids[-200:], batch_size=32, bptt=20) == summary["best_val"]


def test_the_progress_bar_shows_a_real_throughput_on_every_update(tmp_path, monkeypatch):
    shown = []

    class Recorder:
        def __init__(self, *args, **kwargs):
            pass

        def update(self, **fields):
            shown.append(fields)

        def close(self):
            pass

    monkeypatch.setattr(loop_module, "Progress", Recorder)
    trainer(tmp_path, 12, log_every=10).run()
    assert len(shown) == 12 and all(float(fields["tok_s"]) > 0 for fields in shown)


def test_max_minutes_is_the_budget_of_each_call_so_a_resumed_run_trains(tmp_path):
    first = trainer(tmp_path, 3)
    first.run()
    first.elapsed = 600.0  # as if the three updates had taken ten minutes
    first.checkpoint()
    resumed = trainer(tmp_path, 6, resume=True, max_minutes=1)
    assert resumed.elapsed == 600.0 and resumed.stop_reason() is None
    summary = resumed.run()
    assert summary["stopped"] == "max_steps" and summary["steps"] == 6


# --- the command line, in a process of its own: Ctrl-C and kill -9 ----------------------------------------------

CHILD = """
import os, signal, sys, time
from pathlib import Path
from elman.models.language_model import LanguageModel

mode, ready, at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
backward, updates = LanguageModel.backward, [0]


def backward_then_wait(self, d_logits, d_h_n=None):
    backward(self, d_logits, d_h_n)
    updates[0] += 1
    if updates[0] != at:
        return
    # in the middle of update `at`: its gradients are computed, not yet applied
    if mode == "kill":
        ready.touch()
        time.sleep(120)  # until kill -9
    # wait here for the test's Ctrl-C, then hand it to the handler the trainer installed (or Python's own)
    handler, arrived = signal.getsignal(signal.SIGINT), []

    def deliver(signum, frame):
        arrived.append(signum)
        signal.signal(signal.SIGINT, handler)
        handler(signum, frame)

    signal.signal(signal.SIGINT, deliver)
    ready.touch()
    deadline = time.monotonic() + 120
    while not arrived and time.monotonic() < deadline:
        time.sleep(0.01)


LanguageModel.backward = backward_then_wait
from elman.cli import main

sys.exit(main(sys.argv[4:]))
"""
LINES = "to be or not to be, that is the question.\nwhether 'tis nobler in the mind to suffer\n" * 15


def lm_args(text, out):
    return [
        "train",
        "lm",
        "--text",
        str(text),
        "--out",
        str(out),
        "--hidden",
        "12",
        "--embed",
        "6",
        "--layers",
        "2",
        "--dropout",
        "0.3",
        "--bptt",
        "8",
        "--random-bptt",
        "--batch",
        "4",
        "--schedule",
        "plateau",
        "--eval-every",
        "3",
        "--checkpoint-every",
        "5",
        "--steps",
        "20",
        "--no-progress",
    ]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The parameters of the uninterrupted run (in this process), and the text file the runs read."""
    folder = tmp_path_factory.mktemp("lm")
    text = folder / "lines.txt"
    text.write_text(LINES)
    assert main(lm_args(text, folder / "straight")) == 0
    return load_training_state(folder / "straight" / "checkpoint.safetensors")[0], text


def start_child(tmp_path, mode, at, args):
    script, ready = tmp_path / "child.py", tmp_path / "ready"
    script.write_text(CHILD)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(elman.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, str(script), mode, str(ready), str(at), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"the child did not reach update {at}: {child.communicate()}")
        time.sleep(0.02)
    return child


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_a_process_saves_the_step_and_the_resumed_run_ends_to_the_bit(tmp_path, straight, capsys):
    params, text = straight
    out = tmp_path / "run"
    child = start_child(tmp_path, "ctrl-c", 7, lm_args(text, out))
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130
    assert err.strip().splitlines()[-1] == (
        f"elman: interrupted at step 7: checkpoint saved in {out}; continue with `elman train lm --out {out} --resume`"
    )
    assert load_training_state(out / "checkpoint.safetensors")[3]["step"] == 7
    assert main(["train", "lm", "--out", str(out), "--resume", "--no-progress"]) == 0
    assert_same_params(params, load_training_state(out / "checkpoint.safetensors")[0])


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9")
def test_kill_9_between_checkpoints_then_resume_leaves_one_record_per_step(tmp_path, straight):
    params, text = straight
    out = tmp_path / "run"
    child = start_child(tmp_path, "kill", 13, lm_args(text, out))
    child.kill()  # SIGKILL: no handler runs
    child.communicate(timeout=120)
    before = read_metrics(out / "metrics.jsonl")
    assert max(r["step"] for r in before) == 12  # records after the checkpoint of step 10, to be dropped
    assert main(["train", "lm", "--out", str(out), "--resume", "--no-progress"]) == 0
    records = read_metrics(out / "metrics.jsonl")
    for kind in ("loss", "val_loss"):
        steps = [r["step"] for r in records if kind in r]
        assert steps == sorted(set(steps)), (kind, steps)  # strictly increasing: no step twice, none backwards
    assert [r["step"] for r in records if "val_loss" in r] == [3, 6, 9, 12, 15, 18, 20]
    assert_same_params(params, load_training_state(out / "checkpoint.safetensors")[0])


def test_a_resumed_run_removes_what_interrupted_atomic_writes_left(tmp_path, straight):
    _, text = straight
    out = tmp_path / "run"
    assert main(lm_args(text, out)[:-3] + ["--steps", "4", "--no-progress"]) == 0
    planted = [
        ".checkpoint.safetensors.1a2b3c4d5e6f.tmp",
        ".model.safetensors.0f0f0f0f0f0f.tmp",
        "vocab.json.4242.deadbeef.tmp",
        ".metrics.jsonl.4242.deadbeef.tmp",
    ]
    for name in planted:
        (out / name).write_bytes(b"half a file")
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "6", "--no-progress"]) == 0
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert math.isfinite(load_training_state(out / "checkpoint.safetensors")[3]["best_val"])


def test_a_vocabulary_from_another_run_is_refused_in_one_line_before_training(tmp_path, straight, capsys):
    _, text = straight
    out = tmp_path / "run"
    assert main(lm_args(text, out)[:-3] + ["--steps", "2", "--no-progress"]) == 0
    from elman.data.text import Vocab

    Vocab.build([list("abc")], specials=()).save(out / "vocab.json")
    before = (out / "checkpoint.safetensors").read_bytes()
    capsys.readouterr()
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "4", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"elman: {out}/vocab.json holds 3 tokens but the model in config.json reads "
        f"{json.loads((out / 'config.json').read_text())['model']['vocab_size']}: the vocabulary is not "
        f"this run's"
    ]
    assert (out / "checkpoint.safetensors").read_bytes() == before
