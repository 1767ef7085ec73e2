"""The failures a user can cause and mend, as one family of exceptions.

Every expected failure (a value out of range, a file that is missing or damaged, data that cannot be found, a run
directory in the wrong state) raises an :class:`ElmanError` whose message says what went wrong and what to do.
The ``elman`` command prints that message on one or two lines and exits with :attr:`ElmanError.exit_code`;
``--debug`` (or ``ELMAN_DEBUG=1``) shows the traceback instead. Each subclass also derives from the built-in
exception that names its kind (``ValueError``, ``FileNotFoundError``, …), so code that catches those still works.

    >>> issubclass(InvalidInput, ValueError) and issubclass(InvalidInput, ElmanError)
    True
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "ElmanError",
    "Interrupted",
    "InvalidIndex",
    "InvalidInput",
    "InvalidState",
    "InvalidType",
    "MissingFile",
    "RunError",
]


class ElmanError(Exception):
    """An expected failure: its message is a sentence for the user, not a traceback."""

    exit_code = 2


class InvalidInput(ElmanError, ValueError):
    """A value the caller gave is outside what is accepted; the message says what was expected and what came."""


class InvalidIndex(InvalidInput, IndexError):
    """An index outside the range it must lie in: a token id, a class target, a time step."""


class InvalidState(ElmanError, RuntimeError):
    """A call out of order (a backward before its forward) or on values it cannot handle (a non-finite norm)."""


class InvalidType(ElmanError, TypeError):
    """A value of the wrong type (elman never casts silently)."""


class MissingFile(ElmanError, FileNotFoundError):
    """A file or directory the command needs is not there."""


class CheckpointError(ElmanError, ValueError):
    """A weights or checkpoint file is truncated, corrupted, hostile or of another kind."""


class RunError(ElmanError, ValueError):
    """A run directory is in the wrong state for the command: another task's run, an unfinished one, or a
    finished one that a new run would overwrite."""


class Interrupted(ElmanError):
    """The user pressed Ctrl-C; what was saved, and how to continue, is in the message."""

    exit_code = 130
