"""Steps 1 and 2 drawn in the chapter's visual system, in a real browser: Step 2's rolled-up cell and unrolled
chain (arrowheads, weights on the edges and not in the cell, h_t beside the lines, b_y apart from W_hy, text that
keeps its size however long the input), values flowing when the learner steps (and not under reduced motion), the
formula's terms lighting up the drawing and back; Step 1's fixed input slots and final-state strips."""

import pytest

from chapter_page_checks import overflow, small_text
from elman.chapter.steps.recurrence import unroll
from elman.chapter.steps.sequences import compare

expect = pytest.importorskip("playwright.sync_api").expect


def open_step(tab, server_url, number, extra=""):
    tab.goto(f"{server_url}/#step={number}&seed=0{extra}")
    tab.wait_for_selector(f'body[data-ready="{number}"]')


def boxes(tab, selector):
    return tab.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].map((n) => {
      const r = n.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })""",
        selector,
    )


def overlaps(a, b):
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


def test_the_chain_has_arrowheads_and_its_labels_sit_beside_the_lines(page, server_url):
    open_step(page, server_url, 2, "&text=hello")
    copies = page.locator("#rec-unrolled g[data-step]")
    expect(copies).to_have_count(5)
    for k in range(1, 6):
        copy = page.locator(f'#rec-unrolled g[data-step="{k}"]')
        edges = copy.locator(":scope > .dg-arrow > path")
        assert edges.count() == 3  # h in, x in, y out
        for i in range(3):
            assert (edges.nth(i).get_attribute("marker-end") or "").startswith("url(#")
        cell = boxes(page, f'#rec-unrolled g[data-step="{k}"] .rec-cell > rect')[0]
        labels = boxes(page, f'#rec-unrolled g[data-step="{k}"] .dg-arrow foreignObject .tex-label')
        assert labels and not any(overlaps(cell, lab) for lab in labels)  # W_xh, W_hh, W_hy outside the cell
        lines = boxes(page, f'#rec-unrolled g[data-step="{k}"] .dg-arrow > path')
        if k > 1:  # h_{k-1} beside its edge, not on it
            name = boxes(page, f'#rec-unrolled g[data-step="{k}"] > foreignObject[data-term="h"] .tex-label')[0]
            assert not any(overlaps(name, line) for line in lines)
    y_label = page.locator('#rec-unrolled g[data-step="1"] .dg-arrow[data-term="W_hy"]')
    expect(y_label).to_contain_text("b")  # b_y rides on the y edge …
    by = page.locator('[data-matrix="rec-by"]')  # … and has its own card, not a row of W_hy
    assert by.locator("xpath=ancestor::*[contains(@class,'rec-weight')][1]").get_attribute("data-term") == "b_y"
    assert page.locator('.rec-weight[data-term="W_hy"] [data-matrix]').count() == 1
    loop = page.locator('#rec-rolled .dg-arrow[data-term="W_hh"] > path')  # the rolled cell's loop, with its head
    assert loop.get_attribute("marker-end").startswith("url(#")
    expect(page.locator('#rec-rolled [data-term="W_hh"]')).to_contain_text("h")


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["wide", "phone"])
def test_a_twelve_step_input_keeps_the_text_size_and_scrolls_in_its_box(tab_at, server_url, size):
    tab = tab_at(*size)
    open_step(tab, server_url, 2, "&text=hello+world!")
    expect(tab.locator("#rec-unrolled g[data-step]")).to_have_count(12)
    assert small_text(tab, within="#widget") == []
    assert overflow(tab) <= 0
    scroller = tab.locator("#rec-diagram .figure-scroll")
    widths = scroller.evaluate("(b) => [b.scrollWidth, b.clientWidth]")
    assert widths[0] > widths[1]  # wider than its column: it scrolls
    expect(scroller).to_have_attribute("tabindex", "0")
    assert tab.locator("#rec-unrolled").get_attribute("width") == str(int(widths[0]))  # its own pixel size


def test_stepping_sends_the_values_along_the_edges(page, server_url):
    open_step(page, server_url, 2, "&text=cat")
    page.click("#rec-next")
    dots = page.locator('#rec-unrolled g[data-step="2"] circle.flow-dot')
    expect(dots.first).to_be_attached()  # x_2 and h_1 on their way into the cell
    expect(page.locator("#rec-rolled circle.flow-dot").first).to_be_attached()
    expect(page.locator("#rec-unrolled circle.flow-dot")).to_have_count(0, timeout=5_000)  # and gone when arrived
    expected = unroll("cat", "chars", 0)["steps"][1]
    got = [float(page.get_attribute(f'[data-key="rec-h-{i}"]', "data-value")) for i in range(4)]
    assert got == pytest.approx(expected["h"], rel=1e-12)
    expect(page.locator('#rec-unrolled g[data-step="2"]')).to_have_class("rec-copy current")
    expect(page.locator('#rec-unrolled g[data-step="3"]')).to_have_class("rec-copy future")


def test_under_reduced_motion_nothing_travels_and_play_still_steps(tab_at, server_url):
    tab = tab_at(1400, 900, reduced_motion="reduce")
    open_step(tab, server_url, 2, "&text=cat")
    tab.evaluate("""() => { window.__dots = 0; new MutationObserver((records) => { for (const r of records)
      for (const n of r.addedNodes) if (n.classList?.contains("flow-dot")) window.__dots++; })
      .observe(document.getElementById("widget"), { subtree: true, childList: true }); }""")
    tab.click("#rec-play")
    expect(tab.locator("#rec-t-label")).to_have_text("t = 3 of 3", timeout=10_000)
    expect(tab.locator("#rec-play")).to_have_text("play", timeout=10_000)
    assert tab.evaluate("() => window.__dots") == 0
    expected = unroll("cat", "chars", 0)["steps"][2]
    assert tab.locator('[data-key="rec-y-0"]').inner_text() == f"{expected['y'][0]:.3f}".replace("-", "−")


def test_the_formula_and_the_drawing_light_each_other_up(page, server_url):
    open_step(page, server_url, 2)
    page.hover('#tab-formula [data-term="W_hh"] >> nth=0')
    lit = page.locator("#widget .term-active")
    expect(lit.first).to_be_attached()
    terms = set(lit.evaluate_all("(ns) => ns.map((n) => n.dataset.term)"))
    assert terms == {"W_hh"}
    assert page.locator('#rec-unrolled .dg-arrow.term-active[data-term="W_hh"]').count() == 5  # every copy's edge
    expect(page.locator('.rec-weight[data-term="W_hh"]')).to_have_class("card rec-weight term-active")
    page.mouse.move(0, 0)
    page.hover('.rec-weight[data-term="W_xh"] h4')
    expect(page.locator('#tab-formula [data-term="W_xh"]').first).to_have_class("enclosing term-active")


def test_step_one_draws_the_fixed_input_and_the_two_final_states(page, server_url):
    open_step(page, server_url, 1)
    page.fill("#seq-a", "the dog bit the man")
    page.fill("#seq-b", "the dog bit the man today")
    page.wait_for_selector('[data-key="ff-b"].bad')
    expected = compare("the dog bit the man", "the dog bit the man today", 0)
    ff = page.locator("#seq-slots")
    expect(ff.locator(".seq-misfit")).to_have_count(1)  # "today" has no slot
    expect(ff.locator(".seq-misfit")).to_contain_text("today")
    expect(ff.locator('.dg-box[data-term="x"]')).to_have_count(10)  # five slots filled, twice
    expect(ff).to_contain_text(f"= {expected['feedforward']['input_size']}")
    strips = page.locator(".seq-rnn .seq-strip")
    expect(strips).to_have_count(2)
    assert strips.first.locator("rect").count() == expected["rnn"]["hidden_size"]
    expect(page.locator(".seq-ff .seq-strip")).to_have_count(1)  # only A has an output: B does not fit
    expect(page.locator(".seq-panel .colorbar")).to_have_count(2)  # the outputs' and the states' ramps
    assert page.locator(".seq-panel .katex").count() >= 4  # v, h_T and the two cosines typeset
    page.hover('#tab-formula [data-term="x"] >> nth=0')
    expect(ff.locator('.dg-box[data-term="x"].term-active')).to_have_count(10)
