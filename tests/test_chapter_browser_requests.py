"""The chapter's request helpers (js/requests.js) in a real browser: the newest request wins even when an older
one answers last, a superseded fetch is aborted, so is one whose step is left, and a debounced call runs once,
after the last one, or never when cancelled."""

import time

import pytest

from elman.chapter.steps.sequences import compare

expect = pytest.importorskip("playwright.sync_api").expect

COMPARE = "**/api/sequences/compare?*"


def open_step_1(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=4")
    page.wait_for_selector('body[data-ready="1"]')


def hold_first(page, word):
    """Hold every compare request whose sentence A contains ``word`` (they wait in the list returned); let the
    others through."""
    held = []

    def handle(route):
        if f"a={word}" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    page.route(COMPARE, handle)
    return held


def release(routes):
    """Let held requests answer now; one the page aborted meanwhile can no longer be answered, which is fine."""
    for route in routes:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 - Playwright's error for a request the page already cancelled
            pass


def cosine(page):
    return page.get_attribute('[data-key="rnn-cosine"]', "data-value")


def test_an_older_answer_arriving_last_never_replaces_the_newer_one(page, server_url):
    open_step_1(page, server_url)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    held = hold_first(page, "slow")
    with page.expect_request(lambda r: "a=slow" in r.url):
        page.fill("#seq-a", "slow dog bit the man")
    page.fill("#seq-a", "fast dog bit the man")  # asked after the first, answered before it
    newer = compare("fast dog bit the man", "the man bit the dog", 4)["rnn"]["cosine"]
    expect(page.locator('[data-key="rnn-cosine"]')).to_have_attribute("data-value", repr(newer))
    release(held)
    time.sleep(0.5)  # room for the older answer to land, were it awaited
    assert cosine(page) == repr(newer)
    assert page.locator("#seq-out [role=alert]").count() == 0
    assert "a=fast+dog" in page.url
    assert any("a=slow" in url for url in failed), failed  # the superseded fetch was aborted, not left running


def test_leaving_the_step_aborts_its_request_in_flight(page, server_url):
    open_step_1(page, server_url)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    held = hold_first(page, "late")
    with page.expect_request(lambda r: "a=late" in r.url):
        page.fill("#seq-a", "late dog bit the man")
    page.goto(f"{server_url}/#step=2&seed=4")
    page.wait_for_selector('body[data-ready="2"]')
    assert any("a=late" in url for url in failed), failed  # unmount cancelled it: the server's answer is not awaited
    release(held)


HELPERS = """async () => {
  const { debounce, latest } = await import('/static/js/requests.js');
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const answer = (value, ms) => (signal) => new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(value), ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('superseded', 'AbortError')); });
  });
  let alive = true;
  const ask = latest({ alive: () => alive });
  const shown = [], failed = [];
  const show = (r) => { shown.push(r); }, fail = (e) => { failed.push(e.message); };
  await Promise.all([ask(answer('old', 80), show, fail), ask(answer('new', 5), show, fail)]);
  const afterCancel = ask(answer('cancelled', 5), show, fail);
  ask.cancel();
  await afterCancel;
  alive = false;
  await ask(answer('gone', 5), show, fail);
  alive = true;
  await ask(() => Promise.reject(new Error('refused')), show, fail);
  let runs = 0;
  const later = debounce(() => { runs += 1; }, 30);
  later(); later(); later();
  await pause(80);
  const once = runs;
  later(); later.cancel();
  await pause(80);
  return { shown, failed, once, afterCancel: runs };
}"""


def test_the_helpers_keep_only_the_newest_answer_and_one_call_per_pause(page, server_url):
    open_step_1(page, server_url)
    got = page.evaluate(HELPERS)
    assert got["shown"] == ["new"]  # "old" answered last but was superseded; cancelled and gone: nothing
    assert got["failed"] == ["refused"]  # a real error of the newest request is handed on, an abort is not
    assert got["once"] == 1 and got["afterCancel"] == 1
