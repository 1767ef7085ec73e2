"""Real-browser fixtures for the chapter: the app served by uvicorn in a thread, Debian's Chromium driven by
Playwright, and every console message and page error collected so a test can assert there were none.

The fixtures reach every test through tests/conftest.py: take ``page`` and ``server_url`` as arguments;
``page.goto(server_url + "/#step=5&seed=0")``, then ``page.wait_for_selector('body[data-ready="5"]')``.
Wait with ``playwright.sync_api.expect`` or selectors, not ``wait_for_function`` with a string: the page's
Content-Security-Policy forbids evaluating strings, and the tests keep it on. ``page.console`` lists
(type, text) of every message; the fixture fails the test on an error or a warning.
``tab_at(width, height)`` opens a fresh tab of another size (a phone's 390×844, say) under the same contract.
Screenshots go to ``$ELMAN_SCREENSHOTS`` (default ``.pytest_cache/chapter-screenshots``).
"""

import contextlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ELMAN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ELMAN_SCREENSHOTS", ".pytest_cache/chapter-screenshots"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app, port: int, **options):
    """``app`` served by uvicorn on 127.0.0.1:``port`` in a thread: started before the block, stopped after."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the chapter server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="session")
def server_url():
    pytest.importorskip("uvicorn")
    from elman.chapter.app import create_app

    port = free_port()
    with serving(create_app(), port, log_level="warning"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set ELMAN_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def watched_tab(browser, width: int = 1280, height: int = 800, **options):
    """A new tab in a context of its own whose console messages and page errors collect in ``tab.console``."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.console = []
    tab.on("console", lambda message: tab.console.append((message.type, message.text)))
    tab.on("pageerror", lambda error: tab.console.append(("pageerror", str(error))))
    return tab


def console_problems(tab) -> list:
    return [m for m in tab.console if m[0] in ("error", "warning", "pageerror")]


@pytest.fixture()
def page(browser, server_url):
    tab = watched_tab(browser)
    yield tab
    problems = console_problems(tab)
    tab.context.close()
    assert not problems, f"the browser console reported: {problems}"


@pytest.fixture()
def tab_at(browser, server_url):
    """tab_at(width, height, **context_options) → a watched tab of that size; all must end with a clean console."""
    tabs = []

    def open_tab(width: int, height: int, **options):
        tabs.append(watched_tab(browser, width, height, **options))
        return tabs[-1]

    yield open_tab
    problems = [p for tab in tabs for p in console_problems(tab)]
    for tab in tabs:
        tab.context.close()
    assert not problems, f"the browser console reported: {problems}"


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.evaluate("() => window.scrollTo(0, 0)")  # the sticky header then sits at the top of the picture
    tab.screenshot(path=str(path), full_page=True)
    return path
