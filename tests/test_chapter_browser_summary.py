"""Step 8 in a real browser: the recap in the palette's roles with a live thumbnail per step (asked for only as it
scrolls into view), the claims with their commands and a run here, the timeline drawn on a year axis (across a
wide panel, down a phone's) with no label over another, and the formula's terms lighting the recap."""

import re

import pytest

from chapter_browser import screenshot
from elman.chapter.steps import STEPS
from elman.chapter.steps.sequences import DEFAULT_A, DEFAULT_B, compare
from elman.chapter.steps.summary import TIMELINE
from elman.chapter.steps.summary_claims import CLAIMS, RUN_HERE, command

expect = pytest.importorskip("playwright.sync_api").expect

ACTIVE = re.compile(r"\bterm-active\b")
BOXES = """() => [...document.querySelectorAll('#timeline li')].map((li) => {
  const r = li.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
MARKS = """() => [...document.querySelectorAll('.sum-tl-axis circle')].map((c) => {
  const r = c.getBoundingClientRect();
  return [Number(c.dataset.year), (r.left + r.right) / 2, (r.top + r.bottom) / 2]; })"""


def overlapping(boxes):
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i)
        if min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]) > 0
        and min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]) > 0
    ]


@pytest.mark.parametrize("width,height,direction", [(1400, 900, "across"), (390, 844, "down")])
def test_the_timeline_is_drawn_on_a_year_axis_without_overlaps(tab_at, server_url, width, height, direction):
    tab = tab_at(width, height)
    tab.goto(f"{server_url}/#step=8&seed=0")
    tab.wait_for_selector('body[data-ready="8"]')
    tab.evaluate("() => document.fonts.ready.then(() => true)")
    assert tab.locator(f".sum-tl-{direction}").count() == 1
    items = tab.locator("#timeline li")
    expect(items).to_have_count(len(TIMELINE))
    assert [int(t) for t in tab.locator("#timeline .sum-tl-year").all_inner_texts()] == [y for y, _, _ in TIMELINE]
    boxes = tab.evaluate(BOXES)
    assert overlapping(boxes) == []
    # every event has a mark on the axis, placed in the order of its year along the axis's direction
    marks = tab.evaluate(MARKS)
    assert len(marks) == len(TIMELINE)
    assert sorted(m[0] for m in marks) == [y for y, _, _ in TIMELINE]
    along = [m[1] if direction == "across" else m[2] for m in sorted(marks)]
    assert along == sorted(along) and along[0] < along[-1]
    # years on the axis, as text of at least 12 px; the events' text too
    ticks = tab.evaluate("""() => [...document.querySelectorAll('.sum-tl-axis text')].map((t) => [t.textContent,
      parseFloat(getComputedStyle(t).fontSize)])""")
    assert {"1995", "2000", "2005"} <= {t for t, _ in ticks} and all(px >= 12 for _, px in ticks)
    assert (
        min(
            tab.evaluate("""() => [...document.querySelectorAll('#timeline li, #timeline li *')].map((e) =>
      parseFloat(getComputedStyle(e).fontSize))""")
        )
        >= 12
    )
    # nothing sticks out of the card
    card = tab.evaluate(
        "() => { const r = document.querySelector('.sum-tl').getBoundingClientRect(); return [r.left, r.right]; }"
    )
    assert all(card[0] - 1 <= b[0] and b[2] <= card[1] + 1 for b in boxes)
    screenshot(tab, f"step-8-summary-{direction}")


def test_the_recap_wears_each_steps_colour_and_links_to_the_formula(page, server_url):
    page.goto(f"{server_url}/#step=8&seed=0")
    page.wait_for_selector('body[data-ready="8"]')
    items = page.locator("#recap li")
    expect(items).to_have_count(len(STEPS) - 1)
    roles = [re.search(r"sum-role-(\w+)", items.nth(k).get_attribute("class")).group(1) for k in range(len(STEPS) - 1)]
    assert roles == ["x", "h", "h", "grad", "w", "y", "x"]
    # the left rule is the role's colour from the palette
    colour = page.evaluate("""() => { const li = document.querySelector('#recap li.sum-role-grad');
      const s = document.createElement('span'); s.style.color = 'var(--c-grad)'; document.body.append(s);
      const want = getComputedStyle(s).color; s.remove(); return [getComputedStyle(li).borderLeftColor, want]; }""")
    assert colour[0] == colour[1]
    assert page.locator("#recap .sum-symbol .katex").count() == len(STEPS) - 1
    page.hover('#tab-formula [data-term="W_hh"]')
    expect(page.locator('#recap [data-term="W_hh"]')).to_have_class(ACTIVE)
    page.hover('#recap [data-term="grad"]')
    expect(page.locator('#tab-formula [data-term="grad"]').first).to_have_class(ACTIVE)


def test_play_brings_the_events_in_one_by_one(page, server_url):
    page.goto(f"{server_url}/?dwell=60000#step=8&seed=0")
    page.wait_for_selector('body[data-ready="8"]')
    page.click("#play")
    page.wait_for_function("() => getComputedStyle(document.querySelector('#timeline li:last-child')).opacity === '0'")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#timeline li')].every((li) => getComputedStyle(li).opacity === '1')",
        timeout=15_000,
    )
    page.click("#play")


def test_the_thumbnails_load_as_they_scroll_in_and_draw_the_steps_numbers(tab_at, server_url):
    tab = tab_at(390, 844)  # a phone: the cards run far below the fold
    tab.goto(f"{server_url}/#step=8&seed=5")
    tab.wait_for_selector('body[data-ready="8"]')
    cards = tab.locator("#recap > li")
    expect(cards).to_have_count(len(STEPS) - 1)
    assert cards.last.get_attribute("data-state") == "waiting"  # below the fold: not asked for yet
    for k in range(len(STEPS) - 1):
        cards.nth(k).scroll_into_view_if_needed()
        expect(cards.nth(k)).to_have_attribute("data-state", "ready", timeout=20_000)
        expect(cards.nth(k).locator("svg.sum-thumb")).to_have_count(1)
        assert cards.nth(k).locator(".sum-thumb-caption").inner_text().strip()
    r = compare(DEFAULT_A, DEFAULT_B, 5)
    bars = tab.locator('#recap li[data-step="sequences"] svg.sum-thumb rect')
    assert [float(v) for v in bars.evaluate_all("(ns) => ns.map((n) => n.dataset.value)")] == [
        r["bag_of_words"]["cosine"],
        r["feedforward"]["cosine"],
        r["rnn"]["cosine"],
    ]
    assert (
        tab.evaluate("""() => Math.min(...[...document.querySelectorAll('#recap svg.sum-thumb text')].map((t) =>
      parseFloat(getComputedStyle(t).fontSize)))""")
        >= 12
    )


def test_each_claim_shows_its_command_and_the_quick_ones_run_here(page, server_url):
    page.goto(f"{server_url}/#step=8&seed=0")
    page.wait_for_selector('body[data-ready="8"]')
    rows = page.locator("#claims > li")
    expect(rows).to_have_count(len(CLAIMS))
    for k, (number, name, _, _) in enumerate(CLAIMS):
        row = rows.nth(k)
        assert row.get_attribute("data-experiment") == name and row.get_attribute("data-claim") == str(number)
        assert row.locator("code.sum-cmd").inner_text() == command(name)
        assert row.locator("button.sum-run").count() == (name in RUN_HERE)
    assert page.locator("#claims [data-verdict]").count() == 0  # no verdict before a run
    page.click("#sum-run-clipping")
    verdict = page.locator('#claims li[data-experiment="clipping"] [data-verdict]')
    expect(verdict).to_be_attached(timeout=20_000)
    from elman.analysis.claims import run_experiment

    lab = run_experiment("clipping", quick=True, seed=0)
    assert verdict.get_attribute("data-verdict") == lab.verdict
    expect(page.locator('#claims li[data-experiment="clipping"] pre.sum-lab-output')).to_have_text(lab.measured)
    page.click('#claims li[data-experiment="clipping"] a.sum-claim-step')
    page.wait_for_selector('body[data-ready="5"]')
