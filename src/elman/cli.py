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

    with_torch = False if args.no_torch else None
    if not args.no_torch and not bench.torch_available():
        print("torch is not installed: timing elman alone (pip install torch==2.13.0 for the comparison)",
              file=sys.stderr)
    if args.lm:
        if not bench.torch_available():
            print("elman bench --lm compares with torch, which is not installed", file=sys.stderr)
            return 2
        row = bench.run_lm(quick=args.quick, threads=args.threads)
        if args.json:
            print(json.dumps(row, indent=2))
        else:
            print(f"language-model training step, {row['config']}, medians of {row['reps']} warm updates, "
                  f"{args.threads} threads, float32:")
            print(f"  elman {row['elman_ms']:8.1f} ms  {row['elman_tokens_per_s']:9.0f} tokens/s")
            print(f"  torch {row['torch_ms']:8.1f} ms  {row['torch_tokens_per_s']:9.0f} tokens/s")
            verdict = "met" if row["speedup"] >= bench.LM_TARGET else "missed"
            print(f"  elman/torch tokens per second: {row['speedup']:.2f}x (target ≥ {bench.LM_TARGET}: {verdict})")
        return 0
    rows = bench.run(quick=args.quick, threads=args.threads, with_torch=with_torch)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"elman {elman.__version__}: medians of {rows[0]['reps']} warm runs per cell, {args.threads} threads, "
              "float32; train = forward + full BPTT (dx included)")
        print(bench.format_table(rows))
    return 0


class _ShowDefaults(argparse.HelpFormatter):
    """``(default: X)`` after an option's help, where X says something (not None, False or already written)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or not action.option_strings or "default" in text:
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
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure instead of its one-line message (also ELMAN_DEBUG=1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = commands.add_parser("bench", help="time elman.RNN against torch.nn.RNN (train step and inference)")
    bench.add_argument("--quick", action="store_true", help="20 runs per cell instead of 50")
    bench.add_argument("--threads", type=int, default=2, help="threads for each engine (default 2)")
    bench.add_argument("--json", action="store_true", help="print the rows as JSON")
    bench.add_argument("--no-torch", action="store_true", help="time elman alone")
    bench.add_argument("--lm", action="store_true", help="tokens/s of the character language model's training step")
    bench.set_defaults(run=_bench)
    data_commands.register(commands)
    train_commands.register(commands)
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
    except KeyboardInterrupt:
        if debug:
            raise
        print("elman: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (``elman sample ... | head``): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush fails quietly
        return 0


if __name__ == "__main__":
    sys.exit(main())
