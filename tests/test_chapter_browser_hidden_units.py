"""Step 3's readable hidden state in a real browser: the passage coloured by one unit of the character model,
the measured correlations beside it, the unit chooser and the editable text; no overflow at a phone's width,
no text under 12 px, axe clean, every control reachable by keyboard.

The widget is mounted by step 3 (hidden_state.js calls ``mountUnits``, hidden_state.py includes
``hidden_units.router``). Until both are there, the test serves the chapter itself with the router added and
step 3's module wrapped to mount the widget below the step's own, exactly as the mount will, so the widget is
tested either way.
"""

from pathlib import Path

import numpy as np
import pytest

from chapter_browser import free_port, screenshot, serving
from chapter_page_checks import axe_violations, overflow, small_text, unreachable_controls
from elman.chapter.models import WEIGHTS
from elman.chapter.steps import hidden_units

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.skipif(not (WEIGHTS / "char_lm.json").is_file(), reason="char_lm is not built")

STEPS = Path(hidden_units.__file__).parent
STATIC = STEPS.parent / "static"
MOUNTED = (
    "mountUnits" in (STATIC / "js/steps/hidden_state.js").read_text()
    and "hidden_units" in (STEPS / "hidden_state.py").read_text()
)

WRAPPED_STEP = """import { mount as mountStep } from "./hidden_state.js?step";
import { mountUnits } from "./hidden_units.js";
export async function mount(root, ctx) {
  const step = await mountStep(root, ctx);
  const box = document.createElement("div");
  root.append(box);
  const units = await mountUnits(box, ctx);
  return { ...step, unmount() { step?.unmount?.(); units.unmount(); } };
}
"""


@pytest.fixture(scope="module")
def units_url(server_url):
    """The chapter's address with the widget on step 3: the shared server once mounted, else one of our own."""
    if MOUNTED:
        yield server_url
        return
    from elman.chapter.app import create_app

    app = create_app()
    app.include_router(hidden_units.router, prefix="/api/hidden_state")
    port = free_port()
    with serving(app, port, log_level="warning"):
        yield f"http://127.0.0.1:{port}"


def open_step(tab, url):
    if not MOUNTED:
        css = '@import url("hidden_units.css");\n' + (STATIC / "css/steps/hidden_state.css").read_text()
        tab.route(
            lambda u: u.endswith("/static/js/steps/hidden_state.js"),
            lambda route: route.fulfill(body=WRAPPED_STEP, content_type="text/javascript"),
        )
        tab.route(
            lambda u: u.endswith("/static/css/steps/hidden_state.css"),
            lambda route: route.fulfill(body=css, content_type="text/css"),
        )
    tab.goto(f"{url}/#step=3&seed=0")
    tab.wait_for_selector('body[data-ready="3"]', state="attached")
    tab.wait_for_selector("#hu-passage .hu-c")


def values(tab):
    return [float(v) for v in tab.eval_on_selector_all("#hu-passage .hu-c", "els => els.map((e) => e.dataset.v)")]


def test_the_passage_is_coloured_by_the_measured_unit_and_follows_the_controls(page, units_url):
    open_step(page, units_url)
    expected = hidden_units.units()
    top = max(expected["units"], key=lambda u: abs(u["r"]))
    assert page.get_attribute("#hu-passage", "data-unit") == str(top["unit"])  # the strongest, at once
    assert values(page) == pytest.approx(top["values"], abs=1e-9)
    assert float(page.get_attribute('[data-key="hu-r"]', "data-value")) == pytest.approx(top["r"])
    assert float(page.get_attribute('[data-key="hu-r-text"]', "data-value")) == pytest.approx(top["r_text"])
    assert page.input_value("#hu-text") == expected["text"]
    # a unit's colour follows its sign: orange above zero, blue below
    colours = page.eval_on_selector_all(
        "#hu-passage .hu-c", "els => els.map((e) => getComputedStyle(e).backgroundColor)"
    )
    high, low = int(np.argmax(top["values"])), int(np.argmin(top["values"]))
    r_hi, _, b_hi = map(int, colours[high][4:-1].split(","))
    r_lo, _, b_lo = map(int, colours[low][4:-1].split(","))
    assert r_hi > b_hi and b_lo > r_lo
    summary = page.text_content("#hu-summary")
    assert f"Unit {top['unit']} over {len(expected['chars'])} characters" in summary and "Correlation with" in summary
    rows = page.locator("#hu-table tr")
    expect(rows).to_have_count(1 + len(expected["units"]))

    other = next(u for u in expected["units"] if u["feature"] == "vowel")  # the table's buttons choose
    page.click('.hu-pick[data-feature="vowel"]')
    expect(page.locator("#hu-passage")).to_have_attribute("data-unit", str(other["unit"]))
    assert values(page) == pytest.approx(other["values"], abs=1e-9)

    page.select_option("#hu-unit", "any")  # any unit by number
    page.fill("#hu-number", "42")
    expect(page.locator("#hu-passage")).to_have_attribute("data-unit", "42")
    assert values(page) == pytest.approx(hidden_units.units(unit=42)["unit"]["values"], abs=1e-9)

    text = "ROMEO:\nBut soft, what light through yonder window breaks?"
    page.fill("#hu-text", text)
    expect(page.locator("#hu-passage .hu-c")).to_have_count(len(text))
    assert values(page) == pytest.approx(hidden_units.units(text, 42)["unit"]["values"], abs=1e-9)
    assert "hu_unit=any" in page.url and "hu_n=42" in page.url

    page.fill("#hu-text", "caf\u00e9")  # a plain sentence, no crash
    expect(page.locator("#hu-head .error")).to_contain_text("the model has never seen")
    refused = [m for m in page.console if "status of 400" in m[1]]  # Chromium logs the refused request
    assert len(refused) == 1
    page.console.remove(refused[0])
    page.click("#hu-reset")
    expect(page.locator("#hu-passage .hu-c")).to_have_count(len(expected["chars"]))


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_the_widget_fits_reads_and_is_reachable(tab_at, units_url, width, height):
    tab = tab_at(width, height)
    open_step(tab, units_url)
    assert overflow(tab) <= 0
    assert small_text(tab, within=".hu-widget") == []
    assert axe_violations(tab, units_url, context=".hu-widget") == []
    unreachable = [c for c in unreachable_controls(tab) if "hu-" in c]
    assert unreachable == [], unreachable
    if width < 860:  # a finger's size, as the shell test asks of every step
        tab.select_option("#hu-unit", "any")
        expect(tab.locator("#hu-number")).to_be_visible()
        too_small = tab.eval_on_selector_all(
            ".hu-widget :is(button, input, select, textarea)",
            """els => els
          .filter((el) => el.checkVisibility()).map((el) => [el, el.getBoundingClientRect()])
          .filter(([el, r]) => r.height < 43.5 || (el.tagName === "BUTTON" && r.width < 43.5))
          .map(([el, r]) => `${el.tagName} ${el.id} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        )
        assert too_small == []
        tab.select_option("#hu-unit", "speaker")
    tab.locator(".hu-widget").scroll_into_view_if_needed()
    screenshot(tab, f"step3-units-{width}x{height}")
