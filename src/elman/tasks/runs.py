"""What the task commands share: a finished run on disk (its folder, checked, and its config.json), the --quick
smoke settings, and training independent models in parallel processes."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

RUN_FILES = ("config.json", "vocab.json", "model.safetensors")


def run_task(config: dict) -> str:
    """The task a run's config records; the sentiment task's runs were written without the field."""
    return config.get("task", "sentiment")


def open_run(run_dir, task: str, files=RUN_FILES) -> tuple[Path, dict]:
    """(folder, config) of a finished run of ``task``; a clear error if ``files`` are missing or the task differs."""
    run = Path(run_dir)
    missing = [name for name in files if not (run / name).exists()]
    if missing:
        raise FileNotFoundError(f"{run} is not a finished {task} run: expected {', '.join(files)}, "
                                f"missing {', '.join(missing)}")
    config = json.loads((run / "config.json").read_text())
    if run_task(config) != task:
        raise ValueError(f"{run} is not a {task} run: expected task {task!r} in config.json, "
                         f"got {run_task(config)!r}")
    return run, config


def apply_quick(args, settings: dict) -> None:
    """``--quick``: a smoke run of seconds, with ``settings`` in place of the parsed options (a tiny model, a
    slice of the data, one epoch). Without the flag the options stay as parsed."""
    if getattr(args, "quick", False):
        for name, value in settings.items():
            setattr(args, name, value)


def add_quick_argument(parser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run of seconds: a tiny model on a slice of the data (overrides sizes and epochs)")


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
