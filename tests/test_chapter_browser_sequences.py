"""Step 1 in a real browser: typed sentences reach the library and its numbers are what the page shows."""

import pytest

from chapter_browser import screenshot
from elman.chapter.steps.sequences import compare

expect = pytest.importorskip("playwright.sync_api").expect


def test_typing_a_sentence_updates_the_numbers_from_the_library(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=4")
    page.wait_for_selector('body[data-ready="1"]')
    page.fill("#seq-a", "not good at all")
    page.fill("#seq-b", "good not at all")
    expected = compare("not good at all", "good not at all", 4)
    expect(page.locator('[data-key="rnn-cosine"]')).to_have_attribute("data-value", repr(expected["rnn"]["cosine"]))
    assert float(page.get_attribute('[data-key="bow-cosine"]', "data-value")) == pytest.approx(1.0)
    assert "b=good+not+at+all" in page.url
    page.click("#seq-longer")
    page.wait_for_selector('[data-key="ff-b"].bad')
    assert "refused" in page.inner_text('[data-key="ff-b"]')
    screenshot(page, "step-1-sequences")
