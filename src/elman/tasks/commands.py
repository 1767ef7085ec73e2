"""``elman train sentiment`` and ``elman eval RUN_DIR``: the command-line hooks of the tasks."""

from __future__ import annotations


def add_task_parsers(train_subparsers) -> None:
    """Add the tasks' ``train`` sub-commands (called from ``elman.train.commands.register``)."""
    from elman.tasks.sentiment import add_sentiment_arguments, run_sentiment

    sentiment = train_subparsers.add_parser("sentiment", help="an RNN sentence classifier on SST-2 / SST-5")
    add_sentiment_arguments(sentiment)
    sentiment.set_defaults(run=run_sentiment)


def register(commands) -> None:
    """Add ``eval`` (the tasks' ``train`` sub-commands come through ``add_task_parsers``)."""
    from elman.tasks.sentiment import run_eval

    ev = commands.add_parser("eval", help="evaluate a trained task run (sentiment) on a split")
    ev.add_argument("run_dir", metavar="RUN_DIR")
    ev.add_argument("--split", choices=("train", "dev", "test"), default="test")
    ev.set_defaults(run=run_eval)
