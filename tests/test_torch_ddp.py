"""An elman run continued by ``elman.torch.train_lm`` on 2 processes (gloo, CPU) takes the steps elman takes, and
comes back to elman: ``elman sample`` and ``elman train lm --resume`` read what it wrote."""

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from elman.data.text import Vocab  # noqa: E402
from elman.train.log import read_metrics  # noqa: E402
from elman.train.state import load_training_state  # noqa: E402

WORDS = "the cat sat on a mat and the dog ran far away from home while birds sang".split()


def elman(*args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "elman", *map(str, args)], capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def ddp(run, *args, procs=2):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "elman.torch.train_lm", str(run), "--nproc-per-node", str(procs), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def make_run(folder: Path, *flags, steps=5) -> Path:
    """A small language-model run of ``steps`` updates whose metrics hold every step."""
    rng = random.Random(0)
    text = folder / "text.txt"
    text.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(600)))
    run = folder / "run"
    elman(
        "train",
        "lm",
        "--text",
        text,
        "--out",
        run,
        "--embed",
        8,
        "--hidden",
        16,
        "--layers",
        2,
        "--batch",
        4,
        "--bptt",
        10,
        "--steps",
        0,
        "--no-progress",
        *flags,
    )
    config = json.loads((run / "config.json").read_text())
    config["train"]["log_every"] = 1
    (run / "config.json").write_text(json.dumps(config))
    if steps:
        elman("train", "lm", "--out", run, "--resume", "--steps", steps, "--no-progress")
    return run


def train_records(run: Path) -> dict[int, dict]:
    return {r["step"]: r for r in read_metrics(run / "metrics.jsonl") if "loss" in r}


def assert_same_run(a: Path, b: Path, steps, loss_rtol=1e-5, param_rtol=1e-4):
    ra, rb = train_records(a), train_records(b)
    for step in steps:
        assert rb[step]["loss"] == pytest.approx(ra[step]["loss"], rel=loss_rtol), step
        assert rb[step]["engine"] == "torch-ddp" and rb[step]["world_size"] == 2
    params_a, optim_a, carry_a, info_a = load_training_state(a / "checkpoint.safetensors")
    params_b, optim_b, carry_b, info_b = load_training_state(b / "checkpoint.safetensors")
    for name, value in params_a.items():
        scale = np.abs(value).max()
        assert np.abs(params_b[name] - value).max() <= param_rtol * scale, name
    assert set(optim_b) == set(optim_a) and set(carry_b) == set(carry_a)
    for name, value in carry_a.items():
        np.testing.assert_allclose(carry_b[name], value, rtol=1e-3, atol=1e-5, err_msg=name)
    for key in ("step", "tokens", "clip_events", "streams", "rng", "epoch_seen"):
        assert info_b[key] == info_a[key], key
    assert info_b["schedule"] == pytest.approx(info_a["schedule"], rel=1e-6)  # its best loss, to rounding


@pytest.mark.parametrize(
    "flags",
    [
        ("--clip", 0.05),  # clipping fires on every step
        ("--bptt-backward", 14, "--random-bptt", "--boundary", "\n", "--schedule", "plateau", "--eval-every", 2),
    ],
    ids=["clipped", "k2-random-boundaries-plateau"],
)
def test_the_steps_on_two_processes_are_the_steps_elman_takes(tmp_path, flags):
    run = make_run(tmp_path, *flags)
    by_elman, by_ddp = tmp_path / "elman", tmp_path / "ddp"
    shutil.copytree(run, by_elman)
    shutil.copytree(run, by_ddp)
    elman("train", "lm", "--out", by_elman, "--resume", "--steps", 8, "--no-progress")
    result = ddp(by_ddp, "--steps", 8)
    assert result.returncode == 0, result.stderr
    assert_same_run(by_elman, by_ddp, steps=(6, 7, 8))
    if "--clip" in flags:
        assert all(train_records(by_ddp)[s]["clipped"] for s in (6, 7, 8))


def test_a_run_goes_to_ddp_for_200_steps_and_back_to_elman_still_learning(tmp_path):
    run = make_run(tmp_path, "--eval-every", 20, steps=20)
    result = ddp(run, "--steps", 220)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["steps"] == 220
    elman("train", "lm", "--out", run, "--resume", "--steps", 260, "--no-progress")
    val = {r["step"]: r["val_loss"] for r in read_metrics(run / "metrics.jsonl") if "val_loss" in r}
    assert sorted(val)[-1] == 260 and 20 in val and 220 in val
    assert val[220] < val[20] - 0.05 and val[260] < val[220]  # learning went on across both hand-overs
    records = train_records(run)
    assert {records[s].get("engine") for s in (21, 220)} == {"torch-ddp"} and "engine" not in records[221]
    sample = elman("sample", run, "--prime", "the ", "--length", 40)
    assert sample.stdout.startswith("the ") and len(sample.stdout.strip()) >= 30


@pytest.fixture(scope="module")
def new_run(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("ddp"), steps=0)


def files_of(run: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(run.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "damage, message",
    [
        ("world", "the run reads 4 streams, which 3 processes cannot share equally: use a world size among [1, 2, 4]"),
        ("checkpoint", "holds no checkpoint.safetensors to continue from"),
        ("vocab", "vocab.json holds 3 tokens but the model in config.json reads"),
        ("kind", "holds a names run, not a language-model run"),
        ("missing", "no such run directory"),
    ],
)
def test_bad_input_is_one_line_before_any_process_starts_and_changes_nothing(new_run, tmp_path, damage, message):
    run = shutil.copytree(new_run, tmp_path / "run")
    procs = 3 if damage == "world" else 2
    if damage == "checkpoint":
        (run / "checkpoint.safetensors").unlink()
    elif damage == "vocab":
        Vocab.build([["a", "b", "c"]], specials=()).save(run / "vocab.json")
    elif damage == "kind":
        config = json.loads((run / "config.json").read_text())
        (run / "config.json").write_text(json.dumps({**config, "task": "names"}))
    before = files_of(run)
    result = ddp(tmp_path / "nowhere" if damage == "missing" else run, "--steps", 9, procs=procs)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("elman.torch.train_lm: ") and message in lines[0], result.stderr
    assert files_of(run) == before
