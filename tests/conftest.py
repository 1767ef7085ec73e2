"""Fixtures shared across test files: the chapter's API client and its real-browser page."""

from chapter_browser import browser, page, server_url  # noqa: F401
from chapter_client import client  # noqa: F401
