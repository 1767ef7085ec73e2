"""A task's training options: checked where the library receives them (the command line, the chapter and a
script then get the same one-line message), the --quick smoke settings, and the flags every task shares.

``check_options(options, kinds)`` checks each named option against a kind: ``"count"`` (an integer >= 1),
``"natural"`` (an integer >= 0), ``"positive"`` (a finite number > 0), ``"non-negative"``, ``"fraction"``
([0, 1)), ``"rate"`` ((0, 1]), or ``one_of(choices)``; a kind ending in ``?`` also accepts None.

    >>> check_options({"hidden": 0}, {"hidden": "count"})
    Traceback (most recent call last):
    ...
    elman.errors.InvalidInput: --hidden: expected an integer >= 1, got 0

A task writes each option's kind once, on its command-line ``Option``; ``kinds_of(OPTIONS)`` reads them back::

    check_options(values, kinds_of(OPTIONS))
"""

from __future__ import annotations

import math
import os

import numpy as np

from elman.arguments import Options, flag, read_options
from elman.errors import InvalidInput

# arguments that steer a call (start or continue, what it prints), not what it trains: not saved with the run
CONTROLS = ("resume", "force", "progress", "verbose")


def _integer(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


KINDS = {
    "count": ("an integer >= 1", lambda v: _integer(v) and v >= 1),
    "natural": ("an integer >= 0", lambda v: _integer(v) and v >= 0),
    "positive": ("a finite number > 0", lambda v: _number(v) and v > 0),
    "non-negative": ("a finite number >= 0", lambda v: _number(v) and v >= 0),
    "fraction": ("a number in [0, 1)", lambda v: _number(v) and 0 <= v < 1),
    "rate": ("a number in (0, 1]", lambda v: _number(v) and 0 < v <= 1),
}


def one_of(choices) -> tuple[str, object]:
    """The kind of an option that must be one of ``choices``."""
    choices = tuple(choices)
    return f"one of {', '.join(map(str, choices))}", lambda v: v in choices


def kinds_of(options: Options) -> dict:
    """The kind of each option that has one, in the options' order: its ``kind``, else one of its ``choices``.
    Options with neither (the booleans) are not checked."""
    kinds = {}
    for name, (_, opt) in options.items():
        kind = opt.kind if opt.kind is not None or opt.choices is None else one_of(opt.choices)
        if isinstance(kind, str) and kind.rstrip("?") not in KINDS:
            # a misspelt kind would otherwise pass unnoticed until a value reached it
            raise TypeError(
                f"option {flag(name)} has the kind {kind!r}: expected one of {', '.join(KINDS)} (? for None)"
            )
        if kind is not None:
            kinds[name] = kind
    return kinds


def check_options(options: dict, kinds: dict) -> None:
    """Raise InvalidInput for the first option in ``kinds`` whose value is not of its kind."""
    for name, kind in kinds.items():
        value = options[name]
        optional = isinstance(kind, str) and kind.endswith("?")
        if optional and value is None:
            continue
        what, ok = KINDS[kind.rstrip("?")] if isinstance(kind, str) else kind
        if not ok(value):
            raise InvalidInput(f"{flag(name)}: expected {what}, got {value!r}")


def options_of(train, values: dict) -> dict:
    """The options of a call of ``train`` (a task's train_* function) among ``values`` (its ``locals()``):
    every keyword-only argument but the run controls, paths as strings (they are saved in config.json)."""
    import inspect

    names = [
        name
        for name, p in inspect.signature(train).parameters.items()
        if p.kind is p.KEYWORD_ONLY and name not in CONTROLS
    ]
    return {name: os.fspath(values[name]) if isinstance(values[name], os.PathLike) else values[name] for name in names}


def train_with(train, options: Options, args):
    """``train(args.out, ...)`` with the parsed ``options`` and the run controls every task command gives
    (--resume, --force, --progress): how each ``run_<task>`` calls its ``train_<task>``."""
    return train(args.out, **read_options(args, options), resume=args.resume, force=args.force, progress=args.progress)


def apply_quick(args, settings: dict) -> None:
    """``--quick``: a smoke run of seconds, with ``settings`` in place of the parsed options (a tiny model, a
    slice of the data, one epoch). Without the flag the options stay as parsed."""
    if getattr(args, "quick", False):
        for name, value in settings.items():
            setattr(args, name, value)


def add_common_arguments(parser, default_out: str) -> None:
    """--quick, --out / --resume / --force and --progress: the same for every task's train command."""
    from elman.train.rundir import add_run_arguments

    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run of seconds: a tiny model on a slice of the data (overrides sizes and epochs)",
    )
    add_run_arguments(parser, default_out)
    parser.add_argument("--progress", action="store_true", help="show a progress bar for each epoch")
