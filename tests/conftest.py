"""Fixtures shared across test files: the chapter's API client and its real-browser page, and empty data folders.

Tests never use the network: ELMAN_OFFLINE=1 makes the data layer refuse every download (a test that serves
files from a local HTTP server lifts it for itself), and subprocesses inherit it.
"""

import os

os.environ.setdefault("ELMAN_OFFLINE", "1")

from chapter_browser import browser, page, server_url, tab_at  # noqa: F401
from chapter_client import client  # noqa: F401
from data_dirs import dirs  # noqa: F401
