"""Step 2 in a real browser: every control moves, and the numbers on the page are the library's."""

import pytest

from chapter_browser import screenshot
from elman.chapter.steps.recurrence import unroll

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    raw = page.get_attribute(f'[data-key="{key}"]', "data-value")
    return None if raw == "null" else float(raw)


def check_step(page, expected, t):
    step = expected["steps"][t - 1]
    for key, field in (
        ("rec-x", "x"),
        ("rec-hprev", "h_prev"),
        ("rec-wx", "Wx"),
        ("rec-wh", "Wh"),
        ("rec-b", "b"),
        ("rec-z", "z"),
        ("rec-h", "h"),
        ("rec-y", "y"),
    ):
        got = [value(page, f"{key}-{i}") for i in range(len(step[field]))]
        assert got == pytest.approx(step[field], rel=1e-9), key
    rnn = [value(page, f"rec-rnn-h-{i}") for i in range(4)]
    assert rnn == pytest.approx(expected["rnn"]["output"][t - 1], rel=1e-9, abs=1e-12)
    assert rnn == pytest.approx(step["h"], rel=1e-9, abs=1e-12)


def test_recurrence_steps_through_the_unrolled_network(page, server_url):
    page.goto(f"{server_url}/#step=2&seed=4")
    page.wait_for_selector('body[data-ready="2"]')
    page.fill("#rec-text", "cat")
    expect(page.locator("#rec-t-label")).to_have_text("t = 1 of 3")
    expected = unroll("cat", "chars", 4)
    check_step(page, expected, 1)
    for i in range(4):
        for j in range(4):
            assert value(page, f"rec-Whh-{i}-{j}") == pytest.approx(expected["weights"]["W_hh"][i][j], rel=1e-9)
    assert value(page, "rec-params") == expected["parameters"]["shared"]
    assert page.locator("#rec-unrolled g[data-step]").count() == 3

    page.click("#rec-next")
    expect(page.locator("#rec-t-label")).to_have_text("t = 2 of 3")
    check_step(page, expected, 2)
    page.focus("#rec-t")
    page.keyboard.press("End")
    expect(page.locator("#rec-t-label")).to_have_text("t = 3 of 3")
    check_step(page, expected, 3)
    assert "t=3" in page.url and "text=cat" in page.url
    page.click("#rec-prev")
    expect(page.locator("#rec-t-label")).to_have_text("t = 2 of 3")
    page.click('#rec-unrolled g[data-step="1"]')
    expect(page.locator("#rec-t-label")).to_have_text("t = 1 of 3")
    screenshot(page, "step-2-recurrence")

    page.select_option("#rec-mode", "numbers")
    expect(page.locator("#rec-t-label")).to_have_text("t = 1 of 6")
    assert page.input_value("#rec-text") == "1, 0, 0, 0, 0, 0"
    page.fill("#rec-text", "1 0 0")
    expect(page.locator("#rec-t-label")).to_have_text("t = 1 of 3")
    numbers = unroll("1 0 0", "numbers", 4)
    check_step(page, numbers, 1)
    page.click("#rec-play")
    expect(page.locator("#rec-t-label")).to_have_text("t = 3 of 3", timeout=10_000)
    expect(page.locator("#rec-play")).to_have_text("play", timeout=10_000)
    check_step(page, numbers, 3)
    assert "mode=numbers" in page.url

    page.fill("#rec-text", "1 2 x")
    expect(page.locator("#rec-status [role=alert]")).to_contain_text("expected numbers separated by commas")
    # the refused request is the one console entry this test expects (Chromium logs every 400 it receives)
    refused = [m for m in page.console if "400 (Bad Request)" in m[1]]
    assert len(refused) == 1
    page.console.remove(refused[0])


def test_a_shared_recurrence_view_comes_back_from_the_hash(page, server_url):
    page.goto(f"{server_url}/#step=2&seed=1&mode=chars&text=dog&t=2")
    page.wait_for_selector('body[data-ready="2"]')
    expect(page.locator("#rec-t-label")).to_have_text("t = 2 of 3")
    check_step(page, unroll("dog", "chars", 1), 2)
