"""Command-line options generated from where their defaults live: a config dataclass's fields or a function's
keyword arguments. The command line writes no default of its own, so the library and the CLI cannot disagree.

A dataclass field carries its option in its metadata; a function's options are a dict beside it::

    @dataclass
    class TrainConfig:
        bptt: int = field(default=100, metadata=option("k1: new tokens per update"))

    add_options(parser, dataclass_options(TrainConfig))          # --bptt, type int, default 100
    TrainConfig(**read_options(args, dataclass_options(TrainConfig)))

    add_options(parser, signature_options(train_pos, POS_OPTIONS))  # defaults from train_pos's signature

An option's value is stored under the parameter's name (``args.batch_size`` for ``--batch``). A default of True
gives ``--name/--no-name``, False a plain flag; ``off`` is a command-line value that stands for None
(``--clip 0``: no clipping).

An option's ``kind`` names the values the library accepts (``"count"``, ``"positive?"``, ...; ``choices`` alone
means one of them). Only the name is kept here: ``elman.tasks.options.check_options`` gives it its meaning, where
the library receives the value, so a script is refused with the same message as the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import Any

_UNSET = object()


@dataclasses.dataclass(frozen=True)
class Option:
    help: str
    flag: str | None = None  # the name on the command line, when it is not the parameter's
    type: Callable | None = None  # the type of a parameter whose default is None
    choices: Sequence | None = None
    off: Any = _UNSET  # a command-line value that stands for None
    metavar: str | None = None
    # the values the library accepts: a name check_options knows ("count", "rate?", ...) or a pair (what, ok)
    kind: str | tuple[str, Callable] | None = None

    def name_of(self, parameter: str) -> str:
        return flag(self.flag or parameter)


def flag(name: str) -> str:
    """The command-line spelling of a parameter's name: ``max_minutes`` → ``--max-minutes``."""
    return "--" + name.replace("_", "-")


def option(help: str, **kwargs) -> dict:
    """A dataclass field's metadata that makes it a command-line option."""
    return {"option": Option(help, **kwargs)}


# parameter name -> (its default, its Option), in the order the options are listed
Options = dict[str, tuple[Any, Option]]


def dataclass_options(cls, only: Sequence[str] | None = None) -> Options:
    """The options of ``cls``'s fields that carry one (``only``: these fields, in this order)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if "option" in f.metadata}
    names = list(fields) if only is None else list(only)
    missing = [name for name in names if name not in fields]
    if missing:
        raise TypeError(f"{cls.__name__} has no option for {missing}")
    return {name: (fields[name].default, fields[name].metadata["option"]) for name in names}


def signature_options(func: Callable, options: dict[str, Option]) -> Options:
    """``options`` with the defaults of ``func``'s parameters of the same names."""
    parameters = inspect.signature(func).parameters
    missing = [name for name in options if name not in parameters or parameters[name].default is inspect._empty]
    if missing:
        raise TypeError(f"{getattr(func, '__qualname__', func)} has no parameter with a default for {missing}")
    return {name: (parameters[name].default, opt) for name, opt in options.items()}


def add_options(parser: argparse.ArgumentParser, options: Options) -> None:
    for name, (default, opt) in options.items():
        help_ = opt.help if opt.off is _UNSET else f"{opt.help} ({opt.off}: none)"
        kwargs = dict(dest=name, default=default, help=help_)
        if isinstance(default, bool):
            action = argparse.BooleanOptionalAction if default else "store_true"
            parser.add_argument(opt.name_of(name), action=action, **kwargs)
            continue
        kind = opt.type or (type(default) if default is not None else None)
        if kind is None:
            raise TypeError(f"option {opt.name_of(name)} has a default of None and no type")
        if opt.choices is not None:
            kwargs["choices"] = tuple(opt.choices)
        if opt.metavar is not None or opt.choices is None:  # argparse lists the choices when there is no metavar
            kwargs["metavar"] = opt.metavar or (opt.flag or name).upper()
        parser.add_argument(opt.name_of(name), type=kind, **kwargs)


def read_options(args: argparse.Namespace, options: Options) -> dict:
    """The parsed values of ``options`` by parameter name, ``off`` read as None."""
    values = {}
    for name, (_, opt) in options.items():
        value = getattr(args, name)
        values[name] = None if opt.off is not _UNSET and value == opt.off else value
    return values
