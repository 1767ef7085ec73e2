"""``elman train sentiment``, ``elman train pos`` and ``elman eval RUN_DIR``: the command-line hooks of the tasks."""

from __future__ import annotations

import json
from pathlib import Path


def add_task_parsers(train_subparsers) -> None:
    """Add the tasks' ``train`` sub-commands (called from ``elman.train.commands.register``)."""
    from elman.tasks.pos import add_pos_arguments, run_pos
    from elman.tasks.sentiment import add_sentiment_arguments, run_sentiment

    sentiment = train_subparsers.add_parser("sentiment", help="an RNN sentence classifier on SST-2 / SST-5")
    add_sentiment_arguments(sentiment)
    sentiment.set_defaults(run=run_sentiment)
    pos = train_subparsers.add_parser("pos", help="an RNN part-of-speech tagger on UD English-EWT (17 UPOS tags)")
    add_pos_arguments(pos)
    pos.set_defaults(run=run_pos)


def run_eval(args) -> int:
    """Evaluate RUN_DIR with the task recorded in its config.json (``"task"``; runs without one are sentiment)."""
    config = Path(args.run_dir) / "config.json"
    task = "sentiment"
    if config.is_file():
        try:
            task = json.loads(config.read_text()).get("task", "sentiment")
        except (ValueError, AttributeError):
            task = "sentiment"
    if task == "pos":
        from elman.tasks.pos import run_pos_eval

        return run_pos_eval(args)
    from elman.tasks.sentiment import run_eval as run_sentiment_eval

    return run_sentiment_eval(args)


def register(commands) -> None:
    """Add ``eval`` (the tasks' ``train`` sub-commands come through ``add_task_parsers``)."""
    ev = commands.add_parser("eval", help="evaluate a trained task run (sentiment or pos) on a split")
    ev.add_argument("run_dir", metavar="RUN_DIR")
    ev.add_argument("--split", choices=("train", "dev", "test"), default="test")
    ev.set_defaults(run=run_eval)
