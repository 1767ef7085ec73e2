"""``needs_data(NAME, ...)``: skip a test, with the reason, when a registered dataset has no local copy;
``needs_data_dir``: skip a test of the data folder itself when ELMAN_DATA_DIR is not set; ``missing_data`` for a
test that runs either way and checks what the code does without the data."""

import os

import pytest

from elman.data.registry import get
from elman.data.sources import locate


def missing_data(*names: str) -> list[str]:
    """The registered datasets among ``names`` with a file that has no local copy (data folder or cache)."""
    return [name for name in names if any(locate(name, f.name)[1] is None for f in get(name).files)]


def needs_data(*names: str):
    missing = missing_data(*names)
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} in ELMAN_DATA_DIR or the cache")


needs_data_dir = pytest.mark.skipif(not os.environ.get("ELMAN_DATA_DIR"), reason="ELMAN_DATA_DIR is not set")
