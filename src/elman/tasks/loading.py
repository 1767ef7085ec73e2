"""A task's data as it is read: a file that is not UTF-8 text, or a split with nothing in it, stops the run with one
line naming where the data came from, instead of a decoding traceback or a division by zero many steps later."""

from __future__ import annotations

from contextlib import contextmanager

from elman.errors import InvalidInput


def where(dataset: str, source=None) -> str:
    """How a message names the data: the file or folder given, else the registered dataset."""
    return f"{source} (given as the {dataset} data)" if source is not None else f"the {dataset} data"


@contextmanager
def reading(dataset: str, source=None):
    """Around the loading of ``dataset`` (from ``source`` when given): invalid UTF-8 becomes InvalidInput."""
    try:
        yield
    except UnicodeDecodeError as err:
        mend = ("save it as UTF-8" if source is not None else
                f"check it with `elman data verify {dataset}` and fetch it again with `elman data fetch {dataset}`")
        raise InvalidInput(f"{where(dataset, source)} is not UTF-8 text ({err.reason} at byte {err.start}): "
                           f"{mend}") from None


def require_rows(dataset: str, splits: dict, source=None) -> None:
    """InvalidInput when a split of ``splits`` (name -> a sized collection) is empty."""
    empty = [name for name, rows in splits.items() if len(rows) == 0]
    if empty:
        raise InvalidInput(f"{where(dataset, source)} has no examples in the {' and '.join(empty)} split(s); "
                           f"expected a non-empty file for every split")
