"""``dirs``: an empty ELMAN_DATA_DIR and ELMAN_CACHE_DIR for one test; import the fixture into a test module."""

import pytest


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """A fake ELMAN_DATA_DIR and ELMAN_CACHE_DIR, both empty: (data dir, cache dir)."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    monkeypatch.setenv("ELMAN_DATA_DIR", str(data))
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(cache))
    return data, cache
