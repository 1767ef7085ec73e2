"""A run directory is never overwritten by accident, and what a crash left behind is swept on the next start."""

import pytest

from elman.errors import MissingFile, RunError
from elman.train.rundir import prepare_run_dir, remove_stale_temps


def _finished_run(path):
    path.mkdir()
    (path / "config.json").write_text("{}")
    (path / "model.safetensors").write_bytes(b"weights")
    return path


def test_a_new_directory_is_made(tmp_path):
    out = prepare_run_dir(tmp_path / "runs" / "lm")
    assert out.is_dir() and not any(out.iterdir())


def test_an_existing_run_is_refused_and_left_as_it_was(tmp_path):
    run = _finished_run(tmp_path / "lm")
    with pytest.raises(RunError, match="--resume.*--force"):
        prepare_run_dir(run)
    assert (run / "model.safetensors").read_bytes() == b"weights"


def test_force_moves_the_old_run_aside_and_keeps_it(tmp_path):
    run = _finished_run(tmp_path / "lm")
    prepare_run_dir(run, force=True)
    assert not any(run.iterdir())
    (kept,) = tmp_path.glob("lm.old-*")
    assert (kept / "model.safetensors").read_bytes() == b"weights"
    (run / "config.json").write_text("{}")
    prepare_run_dir(run, force=True)
    assert len(list(tmp_path.glob("lm.old-*"))) == 2  # a second --force in the same second keeps both


def test_resume_needs_a_run_and_keeps_it(tmp_path):
    with pytest.raises(MissingFile, match="nothing to resume"):
        prepare_run_dir(tmp_path / "absent", resume=True)
    run = _finished_run(tmp_path / "lm")
    assert prepare_run_dir(run, resume=True) == run
    assert (run / "model.safetensors").exists()


def test_a_file_is_not_a_run_directory(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    with pytest.raises(RunError, match="is a file"):
        prepare_run_dir(target)
    assert target.read_text() == "mine"


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path):
    run = _finished_run(tmp_path / "lm")
    for name in (".checkpoint.safetensors.ab12.tmp", ".model.safetensors.cd34.tmp", "vocab.json.77.ef56.tmp"):
        (run / name).write_bytes(b"half")
    assert remove_stale_temps(run) == sorted(
        [".checkpoint.safetensors.ab12.tmp", ".model.safetensors.cd34.tmp", "vocab.json.77.ef56.tmp"]
    )
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "model.safetensors"]
    prepare_run_dir(run, resume=True)  # and the next start sweeps them too
    (run / ".x.tmp").write_bytes(b"")
    prepare_run_dir(run, resume=True)
    assert not (run / ".x.tmp").exists()
