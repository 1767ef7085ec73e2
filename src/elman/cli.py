"""The ``elman`` command line: a thin layer of argparse over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys

import elman
from elman.analysis.claims import runner as claims_commands
from elman.chapter import commands as chapter_commands
from elman.data import commands as data_commands
from elman.embeddings import commands as embeddings_commands
from elman.errors import ElmanError
from elman.tasks import commands as task_commands
from elman.train import commands as train_commands


def _bench(args) -> int:
    from elman import bench

    with_torch = not args.no_torch and bench.torch_available()
    if args.lm and not with_torch:
        raise ElmanError(
            "elman bench --lm compares with torch, which is not installed: "
            "pip install torch==2.13.0, or time elman alone with elman bench --no-torch"
        )
    if not args.no_torch and not with_torch:
        print(
            "torch is not installed: timing elman alone (pip install torch==2.13.0 for the comparison)", file=sys.stderr
        )
    # the table goes to stdout as each row is measured; with --json it goes to stderr and the JSON to stdout
    show = sys.stderr if args.json else sys.stdout
    if args.lm:
        rounds, per_round = bench.rounds_of(args.quick, lm=True)
        print(
            f"elman {elman.__version__}: the language model's training step, {rounds} rounds of {per_round} "
            f"updates per engine, {args.threads} threads, float32 ...",
            file=show,
            flush=True,
        )
        row = bench.run_lm(quick=args.quick, threads=args.threads)
        row["verdict"], row["doubts"] = bench.lm_verdict(row), bench.doubts(row)
        print(json.dumps(row, indent=2) if args.json else bench.format_lm(row))
        return 0
    rounds, per_round = bench.rounds_of(args.quick)
    print(
        f"elman {elman.__version__}: medians of {rounds * per_round} warm runs per cell, {args.threads} threads, "
        "float32; train = forward + full BPTT (dx included)",
        file=show,
    )
    print(bench.table_head(with_torch), file=show, flush=True)
    rows = []
    for row in bench.measure(quick=args.quick, threads=args.threads, with_torch=with_torch):
        if with_torch:
            row["verdict"], row["doubts"] = bench.verdict(row), bench.doubts(row)
        rows.append(row)
        print(bench.format_row(row), file=show, flush=True)
    for row in rows:
        if row.get("doubts"):
            print(f"noisy {row['config']} {row['mode']}: {'; '.join(row['doubts'])}", file=show)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


class _ShowDefaults(argparse.HelpFormatter):
    """``(default: X)`` after an option's help, where X says something (not None, False or already written)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if (
            default is None
            or default is False
            or default == argparse.SUPPRESS
            or not action.option_strings
            or "default" in text
        ):
            return text
        return f"{text} (default: {default})".lstrip()


class _Parser(argparse.ArgumentParser):
    """Every parser of the command line, sub-commands included (argparse makes them of the root's class), shows
    each option's default in its ``--help``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _ShowDefaults)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="elman", description="Recurrent neural networks from first principles.")
    parser.add_argument("--version", action="version", version=f"elman {elman.__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of a failure instead of its one-line message (also ELMAN_DEBUG=1)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = commands.add_parser("bench", help="time elman.RNN against torch.nn.RNN (train step and inference)")
    bench.add_argument("--quick", action="store_true", help="20 runs per cell instead of 50")
    bench.add_argument("--threads", type=int, default=2, help="threads for each engine (default 2)")
    bench.add_argument("--json", action="store_true", help="print the rows as JSON")
    bench.add_argument("--no-torch", action="store_true", help="time elman alone")
    bench.add_argument("--lm", action="store_true", help="tokens/s of the character language model's training step")
    bench.set_defaults(run=_bench)
    data_commands.register(commands)
    train = commands.add_parser("train", help="train a model").add_subparsers(
        dest="task", metavar="TASK", required=True
    )
    task_commands.add_task_parsers(train)
    train_commands.add_lm_parser(train)
    train_commands.add_sample_parser(commands)
    embeddings_commands.register(commands)
    claims_commands.register(commands)
    task_commands.register(commands)
    chapter_commands.register(commands)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    debug = args.debug or os.environ.get("ELMAN_DEBUG", "") not in ("", "0")
    try:
        return args.run(args)
    except ElmanError as err:
        if debug:
            raise
        print(f"elman: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # the reader went away (``elman sample ... | head``): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush fails quietly
        return 0
    except OSError as err:  # the file system refused (a name too long, no permission, a full disk): say which file
        if debug:
            raise
        where = f": {err.filename}" if err.filename else ""
        print(f"elman: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if debug:
            raise
        print("elman: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
