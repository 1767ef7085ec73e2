"""A run directory's life: read (its config.json and the task that wrote it), started fresh, never overwritten by
accident, cleaned of what a crash left behind.

``elman train`` writes one directory per run. Starting a run where one already is would overwrite finished
work, so :func:`prepare_run_dir` refuses unless the user says ``--resume`` (continue it) or ``--force`` (start
again: the old run is moved aside to ``NAME.old-YYYYmmdd-HHMMSS``, never deleted). The atomic writers of
:mod:`elman.io.safetensors` and :class:`elman.data.text.Vocab` write a ``*.tmp`` file beside their target and
rename it into place; a process killed between the two leaves the temporary file, which the next start removes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from elman.errors import MissingFile, RunError

__all__ = ["add_run_arguments", "prepare_run_dir", "remove_stale_temps"]


LM = "lm"  # the task of `elman train lm` runs


def run_task(config) -> str | None:
    """The task that wrote a run's config: its ``"task"``; for runs written before the field, the layout tells
    (a language model's has "model", "train" and "data"; the sentiment task's a classifier's "num_classes")."""
    if not isinstance(config, dict):
        return None
    if isinstance(config.get("task"), str):
        return config["task"]
    if {"model", "train", "data"} <= set(config):
        return LM
    if isinstance(config.get("model"), dict) and "num_classes" in config["model"] and "train" in config:
        return "sentiment"
    return None


def read_run(run_dir, task: str | None = None) -> tuple[Path, dict]:
    """(folder, config) of a run directory; MissingFile or RunError, with what to do, when it is not one."""
    run = Path(run_dir)
    start = f"train one with `elman train {task} --out {run}`" if task else "give the --out folder of `elman train`"
    if not run.exists():
        raise MissingFile(f"{run}: no such run directory; {start}")
    if not run.is_dir():
        raise RunError(f"{run} is a file, not a run directory; {start}")
    path = run / "config.json"
    if not path.is_file():
        raise MissingFile(f"{run} holds no config.json, so it is not a run (or one stopped before it began); {start}")
    again = f"`elman train {task} --out {run} --force`" if task else "--force"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise RunError(f"{path} is damaged, not valid JSON ({err}): start the run again with {again}") from None
    if not isinstance(config, dict):
        raise RunError(
            f"{path} is damaged: it holds a {type(config).__name__}, expected a JSON object; start the "
            f"run again with {again}"
        )
    return run, config


def remove_stale_temps(run: Path) -> list[str]:
    """Delete the ``*.tmp`` files an interrupted atomic write left in ``run``; returns their names."""
    removed = []
    for tmp in sorted(Path(run).glob("*.tmp")):
        if tmp.is_file():
            tmp.unlink()
            removed.append(tmp.name)
    return removed


def _aside(out: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate, n = out.with_name(f"{out.name}.old-{stamp}"), 1
    while candidate.exists():
        candidate, n = out.with_name(f"{out.name}.old-{stamp}-{n}"), n + 1
    return candidate


def prepare_run_dir(out, *, resume: bool = False, force: bool = False) -> Path:
    """Make ``out`` ready for a run and return it.

    ``resume``: ``out`` must hold a run (its config.json). Otherwise ``out`` must be absent or empty, unless
    ``force``, which moves a non-empty ``out`` aside first. Stale temporary files are removed either way.
    """
    out = Path(out)
    if str(out) in ("", ".") or Path.cwd().resolve().is_relative_to(out.resolve()):
        raise RunError(
            f"--out must name a folder for the run, got {str(out)!r}, which is the current folder or "
            "holds it: give a new folder such as runs/NAME"
        )
    if out.exists() and not out.is_dir():
        raise RunError(f"{out} is a file, not a run directory: choose another --out")
    if out.is_dir():
        remove_stale_temps(out)
    if resume:
        if not (out / "config.json").is_file():
            raise MissingFile(f"nothing to resume in {out}: it holds no config.json. Start the run without --resume")
        return out
    if out.is_dir() and any(out.iterdir()):
        if not force:
            held = ", ".join(sorted(p.name for p in out.iterdir())[:4])
            raise RunError(
                f"{out} already holds a run ({held}): continue it with --resume, or start a new one "
                f"with --force (the old run is moved aside, not deleted) or another --out"
            )
        aside = _aside(out)
        os.replace(out, aside)
        print(f"elman: the previous run in {out} was moved to {aside}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    return out


def add_run_arguments(parser, default_out: str) -> None:
    """``--out``, ``--resume`` and ``--force``, the same for every ``elman train`` command."""
    parser.add_argument("--out", default=default_out, help="the run directory")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --out where it stopped")
    group.add_argument(
        "--force",
        action="store_true",
        help="start again although --out holds a run (the old one is moved to OUT.old-DATE)",
    )
