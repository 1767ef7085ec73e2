"""Step 3 in a real browser: every control reaches the library, and the page shows the library's numbers."""

import re

import pytest

from chapter_browser import screenshot
from chapter_page_checks import open_step, raw_notation
from elman.chapter.models import WEIGHTS
from elman.chapter.steps.hidden_state import agreement, reading

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    return float(page.get_attribute(f'[data-key="{key}"]', "data-value"))


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_text_units_position_and_play(page, server_url):
    page.goto(f"{server_url}/#step=3&seed=0")
    page.wait_for_selector('body[data-ready="3"]')
    default = reading("the cat sat on the", 24, 10)
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(default["predictions"][-1][0]["word"])
    for i, p in enumerate(default["predictions"][-1]):
        assert page.inner_text(f'[data-key="hs-word-{i}"]') == p["word"]
        assert value(page, f"hs-p-{i}") == pytest.approx(p["p"], rel=1e-9)
    assert value(page, "hs-hidden") == 128
    shown = [page.inner_text(f'[data-key="hs-word-{i}"]') for i in range(10)]  # real words only, and said so
    assert "<unk>" not in shown and all(re.search(r"[a-z0-9]", w) for w in shown)
    removed = default["removed"][-1]
    assert value(page, "hs-removed") == pytest.approx(removed["total"], rel=1e-9)
    assert value(page, "hs-removed-unk") == pytest.approx(removed["unk"], rel=1e-9)
    assert value(page, "hs-kept") == pytest.approx(1 - removed["total"], rel=1e-9)
    assert value(page, "hs-shown") == pytest.approx(sum(p["p"] for p in default["predictions"][-1]), rel=1e-9)
    expect(page.locator('[data-key="hs-removed"]')).to_contain_text("Real words only")
    assert value(page, "hs-look-rank") == default["look"]["after"][-1]["rank"]  # where "mat" ranks

    text = "the old man walked to the river and sat on the"
    page.fill("#hs-text", text)
    page.wait_for_selector('[data-key="hs-token-11"]')
    expected = reading(text, 24, 10)
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(expected["predictions"][-1][0]["word"])
    assert value(page, "hs-p-0") == pytest.approx(expected["predictions"][-1][0]["p"], rel=1e-9)
    assert value(page, "hs-norm") == pytest.approx(expected["state_norms"][-1], rel=1e-9)
    assert value(page, "hs-change") == pytest.approx(expected["changes"][-1], rel=1e-9)

    page.fill("#hs-units", "8")  # 8 rows of 11 cells in the heat map
    expect(page.locator("#hs-map rect")).to_have_count(8 * 11)
    assert "units=8" in page.url

    page.fill("#hs-pos", "3")  # the predictions after "the old man"
    after3 = reading(text, 8, 10)["predictions"][2]
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(after3[0]["word"])
    assert value(page, "hs-p-1") == pytest.approx(after3[1]["p"], rel=1e-9)
    assert value(page, "hs-norm") == pytest.approx(expected["state_norms"][2], rel=1e-9)
    assert "pos=3" in page.url

    page.reload()  # the hash restores text, units and position
    page.wait_for_selector('body[data-ready="3"]')
    assert page.input_value("#hs-text") == text and page.input_value("#hs-units") == "8"
    expect(page.locator("#hs-pos-label")).to_have_text("3 of 11")

    page.click("#hs-play")  # walks the position from 1 to T
    expect(page.locator("#hs-pos-label")).to_have_text("11 of 11", timeout=20_000)
    screenshot(page, "step-3-hidden-state")

    page.fill("#hs-text", "the zorblax sat on the")
    expect(page.locator('[data-key="hs-unknown"]')).to_have_attribute("data-value", "zorblax")
    page.click("#hs-cat")
    expect(page.locator('[data-key="hs-unknown"]')).to_have_attribute("data-value", "")
    assert page.input_value("#hs-text") == "the cat sat on the"


SVG_TEXT_PX = """(selector) => [...document.querySelectorAll(selector)].map((t) => {
  const m = t.getScreenCTM();
  return Math.round(parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) * 10) / 10;
})"""


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_map_keeps_12px_labels_a_colour_bar_and_outlines_the_chosen_word(page, server_url):
    open_step(page, server_url, 3)
    expect(page.locator("#hs-map svg.fig")).to_have_count(1)
    assert set(page.evaluate(SVG_TEXT_PX, "#hs-map svg text")) == {12.0}  # were 30 px at 5 words
    bar = page.locator("#hs-map .colorbar")  # the diverging scale, fixed at ±1
    expect(bar.locator(".katex")).to_have_count(1)
    ends = ("#hs-map .colorbar > .num >> nth=0", "#hs-map .colorbar > .num >> nth=1")
    assert [page.inner_text(n) for n in ends] == ["−1.000", "1.000"]

    column = page.locator("#hs-map path.hs-column")  # the chosen word's column
    for position, j in (("5", 4), ("2", 1)):
        page.fill("#hs-pos", position)
        cell_x = page.evaluate(
            "(j) => Number(document.querySelectorAll('#hs-map svg.fig rect')[j].getAttribute('x'))", j
        )
        expect(column).to_have_attribute("transform", re.compile(rf"translate\({cell_x - 0.5:g}(\.0+)?,0\)"))
        expect(page.locator("#hs-map svg text.hs-now")).to_have_count(1)  # its word, marked on the map
        expect(page.locator("#hs-map svg text.hs-now")).to_have_text(["the", "cat"][j == 1])
    expect(page.locator('[data-key="hs-token-2"]')).to_have_class(re.compile(r"\bis-now\b"))
    veil = page.locator("#hs-map path.hs-veil")  # the words not read yet, veiled
    expect(veil).to_have_attribute("d", re.compile(r"^M"))
    page.fill("#hs-pos", "5")
    expect(veil).to_have_attribute("d", "")

    page.fill("#hs-text", " ".join(["the cat sat on the mat and"] * 4))  # 28 words: same size, it scrolls
    page.wait_for_selector('[data-key="hs-token-28"]')
    assert set(page.evaluate(SVG_TEXT_PX, "#hs-map svg text")) == {12.0}
    assert page.inner_text("#hs-map .colorbar > .num >> nth=1") == "1.000"


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_symbols_are_typeset_and_the_formula_links_to_the_widget(page, server_url):
    open_step(page, server_url, 3)
    expect(page.locator("#hs-memory svg.fig")).to_have_count(1)
    assert raw_notation(page) == []  # no raw h_{t−1} in the legend
    items = page.locator("#hs-memory .fig-legend-item")
    expect(items).to_have_count(2)
    for k in range(2):
        expect(items.nth(k).locator(".katex").first).to_be_attached()
    expect(page.locator("#hs-memory .axis-label.axis-x .katex")).to_have_count(1)  # "word t"
    page.hover('#tab-formula [data-term="y"]')  # formula → widget
    expect(page.locator("#hs-predictions")).to_have_class(re.compile(r"\bterm-active\b"))
    page.hover("#hs-tokens")  # widget → formula
    expect(page.locator('#tab-formula [data-term="x"]')).to_have_class(re.compile(r"\bterm-active\b"))


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_map_groups_units_and_shows_the_change_on_request(page, server_url):
    open_step(page, server_url, 3)
    default = reading("the cat sat on the", 24, 10)
    expect(page.locator("#hs-map-key")).to_contain_text("grouped by the word")
    groups = len(set(default["peak"]))
    expect(page.locator("#hs-map path.hs-groups")).to_have_attribute(
        "d", re.compile(rf"^(M[^M]+){{{groups - 1}}}$")
    )  # one line between two groups
    first_row = [page.get_attribute(f"#hs-map svg.fig rect >> nth={j}", "fill") for j in range(5)]
    page.select_option("#hs-show", "change")
    expect(page.locator("#hs-map figcaption")).to_contain_text("What each word writes")
    assert "show=change" in page.url
    change = reading("the cat sat on the", 24, 10, show="change")
    assert change["units"] == default["units"]
    expect(page.locator("#hs-map .colorbar > .num >> nth=1")).to_have_text("2.000")
    assert [page.get_attribute(f"#hs-map svg.fig rect >> nth={j}", "fill") for j in range(5)] != first_row


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_agreement_probe_plots_the_library_numbers(page, server_url):
    open_step(page, server_url, 3)
    expect(page.locator("#hs-agree-chart svg.fig")).to_have_count(1)
    expect(page.locator("#hs-units-widget .hu-widget")).to_have_count(1)  # the character model's units, mounted
    expect(page.locator("#hs-units-widget #hu-passage span").first).to_be_attached()
    r = agreement()
    n = len(r["distance"]) - 1
    for key, v in (
        ("hs-agree-s0", r["singular"]["share"][0]),
        ("hs-agree-p0", r["plural"]["share"][0]),
        ("hs-agree-sN", r["singular"]["share"][n]),
        ("hs-agree-pN", r["plural"]["share"][n]),
        ("hs-agree-g0", r["gap"][0]),
        ("hs-agree-gN", r["gap"][n]),
    ):
        assert value(page, key) == pytest.approx(v, rel=1e-9), key
    expect(page.locator("#hs-agree-verdict")).to_have_attribute("data-kind", "lost")  # the headline, at the defaults
    expect(page.locator("#hs-agree-verdict")).to_contain_text("forgotten")
    expect(page.locator("#hs-agree-chart .fig-legend-item")).to_have_count(2)
    expect(page.locator("#hs-agree-words .hs-token")).to_have_count(n + 2)  # the subject, each token, the verb
    assert page.input_value("#hs-pair") == "all"  # the mean over the pairs, each listed
    expect(page.locator("#hs-agree-pairs tr")).to_have_count(len(r["pairs"]) + 1)
    assert value(page, "hs-pair-g0-0") == pytest.approx(r["pairs"][0]["gap"][0], rel=1e-9)

    page.select_option("#hs-pair", "man/men")
    men = agreement("man/men")
    expect(page.locator('[data-key="hs-agree-p0"]')).to_have_attribute("data-value", str(men["plural"]["share"][0]))
    assert "pair=man%2Fmen" in page.url or "pair=man/men" in page.url

    page.fill("#hs-filler", "")  # nothing in between: no verdict yet
    expect(page.locator("#hs-agree-verdict")).to_have_attribute("data-kind", "none")
    page.fill("#hs-filler", "near the old house")
    near = agreement("man/men", "near the old house")
    expect(page.locator('[data-key="hs-agree-gN"]')).to_have_attribute("data-value", str(near["gap"][-1]))
    page.fill("#hs-filler", "w " * 39)  # too long: one plain sentence
    expect(page.locator("#hs-agree-chart .error")).to_contain_text("expected at most 38 words")
    page.click("#hs-filler-reset")
    expect(page.locator('[data-key="hs-agree-g0"]')).to_have_attribute("data-value", str(r["gap"][0]))
    answered = [m for m in page.console if "status of 400" in m[1]]  # Chromium logs the refused request
    assert len(answered) == 1
    page.console[:] = [m for m in page.console if m not in answered]


BOX = "(node) => { const r = node.getBoundingClientRect(); return [r.left, r.right]; }"
INSIDE = """(node) => { const card = node.closest(".card"), s = getComputedStyle(card);
  const r = card.getBoundingClientRect();
  return [r.left + parseFloat(s.paddingLeft), r.right - parseFloat(s.paddingRight)]; }"""


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_on_a_phone_the_colour_bar_fits_inside_its_card(tab_at, server_url):
    page = tab_at(390, 844)
    open_step(page, server_url, 3)
    left, right = page.locator("#hs-map").evaluate(INSIDE)  # the card scrolls sideways, so it clips what sticks out
    for part in ("#hs-map .colorbar", "#hs-map .colorbar > .num >> nth=0", "#hs-map .colorbar > .num >> nth=1"):
        a, b = page.locator(part).evaluate(BOX)
        assert left - 0.5 <= a and b <= right + 0.5, (part, (a, b), (left, right))  # its "1.000" was cut off
    a, b = page.locator("#hs-map .colorbar .bar").evaluate(BOX)
    assert b - a >= 48  # still a ramp one can read


FILL = "(node) => getComputedStyle(node).fill"
RAMP = "(node) => getComputedStyle(node).backgroundImage"


def rgb(css: str) -> tuple:
    """'rgb(0, 114, 178)' or 'color(srgb 0 0.447 0.698)' → (0, 114, 178)."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)[:3]]
    return tuple(round(n * 255) if css.startswith("color(") else round(n) for n in numbers)


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_the_heat_map_recolours_the_moment_the_theme_changes(tab_at, server_url):
    page = tab_at(1400, 900, color_scheme="light")
    open_step(page, server_url, 3)
    cells = page.locator("#hs-map svg.fig rect")
    light = [rgb(cells.nth(k).evaluate(FILL)) for k in range(5)]
    light_ramp = page.locator("#hs-map .colorbar .bar").evaluate(RAMP)
    page.emulate_media(color_scheme="dark")  # the system switches theme; nothing on the page is touched
    dark = [rgb(cells.nth(k).evaluate(FILL)) for k in range(5)]
    assert dark != light
    assert page.locator("#hs-map .colorbar .bar").evaluate(RAMP) != light_ramp
    fresh = tab_at(1400, 900, color_scheme="dark")  # the same map drawn in the dark theme from the start
    open_step(fresh, server_url, 3)
    drawn = [rgb(fresh.locator("#hs-map svg.fig rect").nth(k).get_attribute("fill")) for k in range(5)]
    for recoloured, painted in zip(dark, drawn):
        assert max(abs(a - b) for a, b in zip(recoloured, painted)) <= 2, (recoloured, painted)
