"""What the task commands share about a run on disk: reading one (its folder, its config.json, which task wrote
it, whether it finished), starting or continuing one, and training independent models in parallel processes.

A run is finished when it holds summary.json (written last); until then ``elman eval`` refuses it and
``elman train TASK --out DIR --resume`` continues it. On resume the options come from the run's config.json
(``"options"``), not from the command line, so the run ends as it would have without the interruption.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from elman.errors import Interrupted, InvalidInput, MissingFile, RunError
from elman.train.log import write_text_atomically
from elman.train.rundir import LM, prepare_run_dir, read_run, run_task

RUN_FILES = ("config.json", "vocab.json", "model.safetensors")


def wrong_kind(run: Path, kind: str | None, task: str) -> RunError:
    """The error for a run of another kind than ``task``."""
    if kind == LM:
        return RunError(f"{run} is a language-model run, not a {task} run: read it with `elman sample {run}`")
    if kind is None:
        return RunError(f"{run}/config.json names no task elman knows (expected a {task} run)")
    return RunError(f"{run} is a {kind} run, not a {task} run")


def open_run(run_dir, task: str, files=RUN_FILES) -> tuple[Path, dict]:
    """(folder, config) of a finished run of ``task``; a clear error if it is another kind, unfinished, or
    ``files`` are missing."""
    run, config = read_run(run_dir, task)
    kind = run_task(config)
    if kind != task:
        raise wrong_kind(run, kind, task)
    if not (run / "summary.json").is_file():
        raise MissingFile(
            f"{run} is an unfinished {task} run (no summary.json yet): finish it with "
            f"`elman train {task} --out {run} --resume`"
        )
    missing = [name for name in files if not (run / name).exists()]
    if missing:
        raise MissingFile(
            f"{run} is not a complete {task} run: expected {', '.join(files)}, missing {', '.join(missing)}"
        )
    return run, config


def write_json(path, value) -> None:
    """``value`` as indented JSON in ``path``, atomically (see ``write_text_atomically``)."""
    write_text_atomically(path, json.dumps(value, indent=2, ensure_ascii=False))


def start_run(out_dir, task: str, options: dict, *, resume: bool, force: bool, check) -> tuple[Path, dict, dict | None]:
    """Make ``out_dir`` ready for a run of ``task``: (folder, the options to train with, the saved summary when
    a resumed run had already finished, else None).

    A new run: ``check(options)`` first (nothing is moved aside for options that would fail), then
    ``prepare_run_dir``. ``resume``: the run must be one of ``task`` that recorded its options; those are used.
    """
    if resume and force:
        raise InvalidInput("resume and force exclude each other: continue the run, or start it again")
    if not resume:
        check(options)
        return prepare_run_dir(out_dir, force=force), options, None
    out = prepare_run_dir(out_dir, resume=True)
    run, config = read_run(out, task)
    kind = run_task(config)
    if kind != task:
        raise wrong_kind(run, kind, task)
    saved = config.get("options")
    if not isinstance(saved, dict) or set(saved) - set(options):
        raise RunError(
            f"{run} does not record the options of this version of `elman train {task}`, so it cannot "
            f"be continued: start it again with --force (the old run is kept aside)"
        )
    options = {**options, **saved}
    check(options)
    summary = run / "summary.json"
    return run, options, (json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else None)


@contextmanager
def interruptible(task: str, out: Path):
    """Ctrl-C (KeyboardInterrupt, or fit's Interrupted) inside: Interrupted saying how to continue the run."""
    how = f"continue with `elman train {task} --out {out} --resume`"
    try:
        yield
    except Interrupted as err:
        raise Interrupted(f"{err}; {how}") from None
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: what {out} holds is kept; {how}") from None


def in_processes(fn, calls, workers: int) -> list:
    """``[fn(*args) for args in calls]``, run in ``workers`` fresh processes with one BLAS/OpenMP thread each.

    ``fn`` must be importable (a module-level function) and its arguments and results plain values. The thread
    limits are set in the environment the processes start from (NumPy reads them when it loads) and then restored.
    """
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            return pool.starmap(fn, calls, chunksize=1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def train_run(task: str, train, body, values: dict, check) -> dict:
    """The frame of every task's ``train_*`` function, called with its ``locals()`` as ``values``: check the
    options and make the run directory ready (``start_run``), return the summary of a finished run, else
    ``body(out, options, resume=, progress=, verbose=, **options)`` with Ctrl-C turned into Interrupted."""
    from elman.tasks.options import options_of

    resume = values["resume"]
    out, options, finished = start_run(
        values["out_dir"], task, options_of(train, values), resume=resume, force=values["force"], check=check
    )
    if finished is not None:
        if values["verbose"]:
            print(f"{task}: the run in {out} had finished; nothing left to train", file=sys.stderr)
        return finished
    with interruptible(task, out):
        return body(out, options, resume=resume, progress=values["progress"], verbose=values["verbose"], **options)
