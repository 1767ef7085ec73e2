"""The page shell in a real browser, on all eight steps at 1400×900 and at a phone's 390×844: nothing wider than
the window, no visible text under 12 px (HTML or SVG), a clean console, axe-core without serious or critical
findings, every control reachable by Tab; Back and Forward move between steps and bring their settings back;
the code tab shows highlighted core lines that wrap, with the full source a click away.

Each (step, width) is opened once and measured once (``measured``); each check is its own test, so a check that
a step does not pass yet is marked on that pair alone (``KNOWN``, strict: it fails as soon as the step passes,
and the mark must go).
"""

import pytest

from chapter_browser import console_problems, screenshot, watched_tab
from chapter_page_checks import axe_violations, overflow, small_text, unreachable_controls
from elman.chapter.steps import STEPS

expect = pytest.importorskip("playwright.sync_api").expect

SIZES = {"wide": (1400, 900), "phone": (390, 844)}
STEP_NUMBERS = range(1, len(STEPS) + 1)

# (check, step, size) → what fails there, for the helper who restyles that step. Found by this file's own run.
KNOWN = {}


def cases(check: str):
    return [
        pytest.param(
            n,
            size,
            id=f"step{n}-{size}",
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[check, n, size])] if (check, n, size) in KNOWN else [],
        )
        for n in STEP_NUMBERS
        for size in SIZES
    ]


@pytest.fixture(scope="module")
def measured(browser, server_url):
    """measured(step, size) → {overflow, small_text, axe, unreachable, console}, each page measured once."""
    results = {}

    def measure(number: int, size: str) -> dict:
        if (number, size) not in results:
            tab = watched_tab(browser, *SIZES[size])
            try:
                tab.goto(f"{server_url}/#step={number}&seed=0")
                tab.wait_for_selector(f'body[data-ready="{number}"]')
                tab.evaluate("() => document.fonts.ready.then(() => true)")
                tab.wait_for_timeout(800)  # the widget's first transition settles
                screenshot(tab, f"shell-step-{number}-{size}")
                results[number, size] = {
                    "overflow": overflow(tab),
                    "small_text": small_text(tab),
                    "axe": axe_violations(tab, server_url),
                    "unreachable": unreachable_controls(tab),
                    "console": console_problems(tab),
                }
            finally:
                tab.context.close()
        return results[number, size]

    return measure


@pytest.mark.parametrize("number,size", cases("overflow"))
def test_nothing_is_wider_than_the_window(measured, number, size):
    assert measured(number, size)["overflow"] <= 0


@pytest.mark.parametrize("number,size", cases("small_text"))
def test_no_visible_text_is_smaller_than_12px(measured, number, size):
    assert measured(number, size)["small_text"] == []


@pytest.mark.parametrize("number,size", cases("console"))
def test_the_console_stays_clean(measured, number, size):
    assert measured(number, size)["console"] == []


@pytest.mark.parametrize("number,size", cases("axe"))
def test_axe_finds_nothing_serious(measured, number, size):
    assert measured(number, size)["axe"] == []


@pytest.mark.parametrize("number,size", cases("keyboard"))
def test_tab_reaches_every_control(measured, number, size):
    assert measured(number, size)["unreachable"] == []


@pytest.mark.parametrize("size", SIZES)
def test_the_dark_theme_follows_the_system_and_stays_axe_clean(tab_at, server_url, size):
    tab = tab_at(*SIZES[size], color_scheme="dark")
    tab.goto(f"{server_url}/#step=1&seed=0")
    ready(tab, 1)
    paper = tab.evaluate("() => getComputedStyle(document.body).backgroundColor")
    light = [int(v) for v in paper[paper.index("(") + 1 : -1].split(",")[:3]]
    assert sum(light) < 3 * 60  # a dark page
    assert axe_violations(tab, server_url) == []


# ---- the checks themselves: each finds what it looks for ----


def test_the_checks_catch_small_text_overflow_and_a_control_tab_skips(tab_at, server_url):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step=8&seed=0")
    tab.wait_for_selector('body[data-ready="8"]')
    assert small_text(tab) == [] and overflow(tab) <= 0 and unreachable_controls(tab) == []
    tab.evaluate("""() => {
      const w = document.getElementById("widget");
      const p = document.createElement("p"); p.style.fontSize = "10px"; p.textContent = "tiny words"; w.append(p);
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", "0 0 1000 100"); svg.setAttribute("width", "300");
      const t = document.createElementNS(ns, "text"); t.setAttribute("y", "50"); t.setAttribute("font-size", "14");
      t.textContent = "shrunk"; svg.append(t); w.append(svg);
      const b = document.createElement("button"); b.textContent = "skipped"; b.tabIndex = -1; w.append(b);
      const wide = document.createElement("div"); wide.style.width = "2000px"; wide.textContent = "wide";
      document.body.append(wide);
    }""")
    found = {(item["text"], round(item["px"])) for item in small_text(tab)}
    assert found == {("tiny words", 10), ("shrunk", 4)}  # 14 px × 300/1000
    assert overflow(tab) > 0
    assert unreachable_controls(tab) == ["button “skipped”"]


def test_axe_reports_a_control_without_a_name(tab_at, server_url):
    tab = tab_at(1400, 900)
    tab.goto(f"{server_url}/#step=8&seed=0")
    tab.wait_for_selector('body[data-ready="8"]')
    tab.evaluate("""() => { const s = document.createElement("select"); s.id = "nameless";
      s.append(new Option("a")); document.getElementById("widget").append(s); }""")
    assert [v["id"] for v in axe_violations(tab, server_url)] == ["select-name"]


# ---- history: each step is an entry; settings and the seed rewrite the entry they belong to ----


def ready(tab, number: int) -> None:
    tab.wait_for_selector(f'body[data-ready="{number}"]')
    expect(tab.locator("#counter")).to_have_text(f"Step {number} / 8")


def history_length(tab) -> int:
    return tab.evaluate("() => history.length")


@pytest.mark.parametrize("size", SIZES)
def test_back_and_forward_move_between_steps_with_their_settings(tab_at, server_url, size):
    tab = tab_at(*SIZES[size])
    tab.goto(f"{server_url}/#step=1&seed=4&a=good+not&b=not+good")
    ready(tab, 1)
    start = history_length(tab)
    tab.fill("#seq-a", "good not at all")
    tab.locator("#seq-a").press("Tab")  # a setting rewrites the entry: no new one
    tab.wait_for_url("**a=good+not+at+all**")
    assert history_length(tab) == start
    tab.click("#next")
    ready(tab, 2)
    tab.keyboard.press("ArrowRight")
    ready(tab, 3)
    tab.click('#flow button[data-step="5"]')
    ready(tab, 5)
    assert history_length(tab) == start + 3
    tab.fill("#seed", "9")  # the seed rewrites the entry too
    tab.locator("#seed").press("Enter")
    tab.wait_for_url("**seed=9**")
    ready(tab, 5)
    assert history_length(tab) == start + 3
    for number in (3, 2, 1):
        tab.go_back()
        ready(tab, number)
    assert "step=1" in tab.url and "seed=4" in tab.url
    expect(tab.locator("#seed")).to_have_value("4")
    expect(tab.locator("#seq-a")).to_have_value("good not at all")  # the step's settings came back
    expect(tab.locator("#seq-b")).to_have_value("not good")
    for number in (2, 3, 5):
        tab.go_forward()
        ready(tab, number)
    expect(tab.locator("#seed")).to_have_value("9")
    assert tab.title().startswith("5. ")


def test_a_link_to_a_step_is_an_entry_back_returns_from(page, server_url):
    page.goto(f"{server_url}/#step=8&seed=2")
    ready(page, 8)
    page.click("#recap li:nth-child(4) a")
    ready(page, 4)
    page.go_back()
    ready(page, 8)
    expect(page.locator("#recap li")).to_have_count(7)


def test_an_old_address_still_opens_its_step_and_settings(page, server_url):
    page.goto(f"{server_url}/#seed=3&step=1&b=the+cat")
    ready(page, 1)
    expect(page.locator("#seq-b")).to_have_value("the cat")
    expect(page.locator("#seed")).to_have_value("3")


# ---- the masthead, the layout, the code tab ----


@pytest.mark.parametrize("size", SIZES)
def test_the_masthead_names_the_chapter_and_its_level(tab_at, server_url, size):
    tab = tab_at(*SIZES[size])
    tab.goto(f"{server_url}/#step=1&seed=0")
    ready(tab, 1)
    expect(tab.locator("h1")).to_have_text("Ch 6 — Recurrent Neural Networks")
    expect(tab.locator(".level")).to_have_text("High Level")
    body_font = tab.evaluate("() => getComputedStyle(document.querySelector('#explanation p')).fontFamily")
    assert body_font.startswith('"Source Serif 4"')
    assert tab.evaluate("() => document.fonts.check('17px \"Source Serif 4\"')")
    columns = tab.evaluate("() => getComputedStyle(document.getElementById('step')).gridTemplateColumns.split(' ')")
    assert len(columns) == (2 if size == "wide" else 1)
    per_line = tab.evaluate("""() => {                 // characters per line of the longest paragraph
      const p = [...document.querySelectorAll("#explanation p")]
        .sort((a, b) => b.textContent.length - a.textContent.length)[0];
      const lines = p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight);
      return p.textContent.length / Math.round(lines);
    }""")
    assert 50 <= per_line <= 75 if size == "wide" else per_line >= 30


@pytest.mark.parametrize("number", [c.values[0] for c in cases("touch") if c.values[1] == "phone"])
def test_on_a_phone_every_control_is_at_least_44px(tab_at, server_url, number):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step={number}&seed=0")
    ready(tab, number)
    too_small = tab.evaluate("""() => [...document.querySelectorAll(
        "button, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, summary")]
      .filter((el) => el.checkVisibility())
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([el, r]) => r.height < 43.5 || (el.tagName === "BUTTON" && r.width < 43.5))
      .map(([el, r]) => `${el.tagName.toLowerCase()}#${el.id} “${el.textContent.trim().slice(0, 20)}” `
                        + `${Math.round(r.width)}×${Math.round(r.height)}`)""")
    assert too_small == []


def test_on_a_phone_the_player_stays_in_view_and_wide_formulas_scroll_in_their_box(tab_at, server_url):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step=2&seed=0")
    ready(tab, 2)
    tab.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    box = tab.locator("#play").bounding_box()
    assert 844 - 70 < box["y"] < 844
    block = tab.locator("#tab-formula .katex-display").first
    sizes = block.evaluate("(b) => [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX]")
    assert sizes[0] > sizes[1] and sizes[2] == "auto"  # the formula is wider than the box: it scrolls
    expect(block).to_have_attribute("tabindex", "0")  # and the keyboard can scroll it
    assert overflow(tab) <= 0


@pytest.mark.parametrize("number,size", [(n, s) for n in STEP_NUMBERS for s in SIZES], ids=lambda v: str(v))
def test_the_code_tab_wraps_highlighted_core_lines_beside_pytorch(tab_at, server_url, number, size):
    tab = tab_at(*SIZES[size])
    tab.goto(f"{server_url}/#step={number}&seed=0")
    ready(tab, number)
    tab.click('.tabs button[data-tab="code"]')
    code = tab.locator("#tab-code")
    expect(code).to_be_visible()
    expect(code.locator("pre.code .token.keyword").first).to_be_visible()  # highlighted
    excerpt = code.locator(".source > pre.code").first
    expect(excerpt).to_contain_text("def ")
    assert '"""' not in excerpt.inner_text()  # no docstring
    wrapped = tab.evaluate("""() => [...document.querySelectorAll("#tab-code pre.code")]
      .filter((p) => p.checkVisibility()).every((p) => p.scrollWidth <= p.clientWidth + 1)""")
    assert wrapped
    torch_top = code.locator("#code-torch").bounding_box()
    elman_top = excerpt.bounding_box()
    if size == "wide":
        assert abs(torch_top["y"] - elman_top["y"]) < 40 and torch_top["x"] > elman_top["x"]  # beside
    else:
        assert torch_top["y"] > elman_top["y"] + elman_top["height"]  # under
    full = code.locator(".source details").first
    full.locator("summary").click()
    expect(full.locator("pre.code")).to_be_visible()  # the whole source
    assert full.locator("pre.code .line").count() > excerpt.locator(".line").count()
    assert overflow(tab) <= 0 and small_text(tab, within="#tab-code") == []
    if number == 2:
        screenshot(tab, f"shell-code-step-2-{size}")
