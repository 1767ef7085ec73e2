"""A task's data as it is read: a split with nothing in it stops the run with one line naming where the data came
from, instead of a division by zero many steps later. (A file that is not UTF-8 text is refused where it is
decoded, by ``elman.data.textfiles``.)"""

from __future__ import annotations

from elman.errors import InvalidInput


def require_rows(dataset: str, splits: dict, source=None) -> None:
    """InvalidInput when a split of ``splits`` (name -> a sized collection) is empty; ``source``: the file or
    folder the data was read from, when not the registered ``dataset``."""
    empty = [name for name, rows in splits.items() if len(rows) == 0]
    if empty:
        where = f"{source} (given as the {dataset} data)" if source is not None else f"the {dataset} data"
        raise InvalidInput(
            f"{where} has no examples in the {' and '.join(empty)} split(s); expected a non-empty file for every split"
        )
