"""A finished task run on disk: its folder, checked, and its config.json."""

from __future__ import annotations

import json
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
