"""js/scroll.js in a real browser: a box that scrolls sideways is a named tab stop while it scrolls and none once it
fits, whether a widget named it (keyboardScroll) or the page found it (keepScrollablesFocusable)."""

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

MARKED = """() => Object.fromEntries([...document.querySelectorAll('#widget [data-scroll-focus]')].map((e) =>
  [e.getAttribute('aria-label'), [e.getAttribute('role'), e.tabIndex, e.scrollWidth > e.clientWidth]]))"""


def test_scroll_boxes_are_named_tab_stops_only_while_they_scroll(tab_at, server_url):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step=7&seed=0")
    tab.wait_for_selector('body[data-ready="7"]')
    found = "Cosine similarity cos\u2061(u,v): one-hot against dense (scrolls sideways)"  # typeset heading, read once
    expect(tab.locator(f'#widget [aria-label="{found}"]')).to_have_count(1)
    tab.goto(f"{server_url}/#step=4&seed=0")
    tab.wait_for_selector('body[data-ready="4"]')
    named = "weight gradients table (scrolls sideways)"  # named by its widget
    expect(tab.locator(f'#widget [aria-label="{named}"]')).to_have_count(1)
    marked = tab.evaluate(MARKED)
    assert marked and all(v == ["group", 0, True] for v in marked.values()), marked
    tab.set_viewport_size({"width": 1400, "height": 900})  # now everything fits
    expect(tab.locator("#widget [data-scroll-focus]")).to_have_count(0)
    assert tab.locator("#bptt-out .figure-scroll").get_attribute("tabindex") is None
    assert tab.locator("#bptt-out .figure-scroll").get_attribute("role") is None
