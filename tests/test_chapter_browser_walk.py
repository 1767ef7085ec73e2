"""The player in a real browser: all eight steps by keyboard and by clicks, play/pause, the hash, the seed,
a phone-width layout, and a screenshot of every step; the console must stay clean throughout."""

import pytest

from chapter_browser import screenshot
from elman.chapter.steps import STEPS
from elman.chapter.steps.summary import TIMELINE

expect = pytest.importorskip("playwright.sync_api").expect


def ready(page, number: int) -> None:
    page.wait_for_selector(f'body[data-ready="{number}"]')
    expect(page.locator("#counter")).to_have_text(f"Step {number} / 8")
    expect(page.locator("#title")).to_have_text(STEPS[number - 1].title)
    expect(page.locator(f'#flow button[data-step="{number}"]')).to_have_attribute("aria-current", "step")


def test_walk_all_steps_with_the_keyboard_and_screenshot_each(page, server_url):
    page.goto(f"{server_url}/")
    ready(page, 1)
    screenshot(page, "step-1")
    for number in range(2, 9):
        page.keyboard.press("ArrowRight")
        ready(page, number)
        assert f"step={number}" in page.url
        page.wait_for_timeout(300)  # let the widget's first drawing settle before the picture
        screenshot(page, f"step-{number}")
    page.keyboard.press("ArrowRight")  # past the end: stays on the last step
    ready(page, 8)
    for number in range(7, 0, -1):
        page.keyboard.press("ArrowLeft")
        ready(page, number)


def test_every_steps_formula_is_typeset_without_a_katex_error(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=0")
    for number in range(1, 9):
        page.click(f'#flow button[data-step="{number}"]')
        ready(page, number)
        formula = page.locator("#tab-formula")
        expect(formula.locator(".katex").first).to_be_attached()
        # invalid TeX renders as a .katex-error; an unknown command as its own name in KaTeX's error colour
        errors = formula.locator('.katex-error, [style*="color:#cc0000"], [style*="color: rgb(204, 0, 0)"]')
        assert errors.count() == 0, f"step {number}: {errors.first.inner_text()}"


def test_walk_all_steps_with_clicks(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=0")
    ready(page, 1)
    for number in (3, 8, 2, 7, 4, 6, 5, 1):
        page.click(f'#flow button[data-step="{number}"]')
        ready(page, number)
    page.click("#next")
    ready(page, 2)
    page.click("#prev")
    ready(page, 1)


def test_play_advances_and_space_pauses(page, server_url):
    page.goto(f"{server_url}/?dwell=200#step=7&seed=0")
    ready(page, 7)
    page.keyboard.press("Space")
    expect(page.locator("body")).to_have_attribute("data-playing", "true")
    ready(page, 8)  # played through step 7's animation and moved on
    expect(page.locator("body")).to_have_attribute("data-playing", "false", timeout=30_000)  # stops at the end
    page.click("#play")
    expect(page.locator("body")).to_have_attribute("data-playing", "true")
    page.keyboard.press("Space")
    expect(page.locator("body")).to_have_attribute("data-playing", "false")
    expect(page.locator("#play")).to_have_attribute("aria-label", "Play")


def test_the_hash_restores_step_seed_and_settings_on_reload(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=5&a=good+not&b=not+good")
    ready(page, 1)
    expect(page.locator("#seed")).to_have_value("5")
    expect(page.locator("#seq-a")).to_have_value("good not")
    page.fill("#seed", "9")
    page.locator("#seed").press("Enter")
    page.wait_for_url("**seed=9**")
    ready(page, 1)
    page.reload()
    ready(page, 1)
    expect(page.locator("#seed")).to_have_value("9")
    expect(page.locator("#seq-b")).to_have_value("not good")


def test_a_bad_seed_is_refused_and_the_old_one_kept(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=3")
    ready(page, 1)
    page.fill("#seed", "-4")
    page.locator("#seed").press("Enter")
    expect(page.locator("#seed")).to_have_value("3")
    assert "seed=3" in page.url


def test_space_in_a_text_field_types_a_space(page, server_url):
    page.goto(f"{server_url}/#step=1&seed=0")
    ready(page, 1)
    page.fill("#seq-a", "the")
    page.locator("#seq-a").press("Space")
    expect(page.locator("#seq-a")).to_have_value("the ")
    expect(page.locator("body")).not_to_have_attribute("data-playing", "true")


def test_phone_width_has_no_sideways_scroll(browser, server_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        for number in range(1, 9):
            tab.goto(f"{server_url}/#step={number}&seed=0")
            tab.wait_for_selector(f'body[data-ready="{number}"]')
            width = tab.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 391, f"step {number} is {width}px wide on a 390px screen"
        screenshot(tab, "phone-step-8")
    finally:
        context.close()


def test_the_summary_links_back_to_every_step(page, server_url):
    page.goto(f"{server_url}/#step=8&seed=2")
    ready(page, 8)
    expect(page.locator("#recap li")).to_have_count(7)
    expect(page.locator("#timeline li")).to_have_count(len(TIMELINE))
    page.click("#recap li:nth-child(5) a")
    ready(page, 5)
    assert "seed=2" in page.url


def test_the_code_tab_shows_the_library_source_beside_pytorch(page, server_url):
    page.goto(f"{server_url}/#step=2&seed=0")
    ready(page, 2)
    expect(page.locator("#tab-code")).to_be_hidden()
    page.click('.tabs button[data-tab="code"]')
    expect(page.locator("#tab-code")).to_be_visible()
    expect(page.locator("#tab-formula")).to_be_hidden()
    expect(page.locator("#code-elman")).to_contain_text("def rnn_step_forward")
    expect(page.locator("#code-elman")).to_contain_text("elman.nn.rnn_step.rnn_step_forward")
    expect(page.locator("#code-torch")).to_contain_text("nn.RNN")
    screenshot(page, "step-2-code")


def test_play_runs_every_steps_animation_through_to_the_end(page, server_url):
    page.goto(f"{server_url}/?dwell=100#step=1&seed=0")
    ready(page, 1)
    page.keyboard.press("Space")
    for number in range(2, 9):  # each step's own animation runs first: allow it time on a slow machine
        page.wait_for_selector(f'body[data-ready="{number}"]', timeout=60_000)
    expect(page.locator("body")).to_have_attribute("data-playing", "false", timeout=60_000)
    assert "step=8" in page.url
