"""The chapter's visual modules in a real browser: palette, charts (Observable Plot), diagrams, motion, term
linking and typeset labels, rendered into the live page (tests/chapter_foundation_gallery.js) at a desktop and a
phone width. Asserts what a reader sees: text never under 12 px, wide figures scroll instead of shrinking, fixed
log domains with 10ⁿ ticks, arrowheads, terms lit together both ways, no motion under reduced motion, axe clean."""

import re
from pathlib import Path

import pytest

from chapter_browser import screenshot

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

HERE = Path(__file__).parent
GALLERY = (HERE / "chapter_foundation_gallery.js").read_text()
AXE = (HERE / "vendor" / "axe-core" / "axe.min.js").read_text()
ACTIVE = re.compile(r"\bterm-active\b")
WIDTHS = {"desktop": (1400, 900), "phone": (390, 844)}

# Every visible text (HTML or SVG; not KaTeX's zero-width struts) under a root, with its rendered size in px
# (SVG text scaled by its CTM).
TEXT_SIZES = """(selector) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.replace(/\u200b/g, '').trim()
        || el.closest('.visually-hidden, title, style, .katex-mathml')) continue;
    if (!el.getClientRects().length) continue;
    let scale = 1;
    if (el instanceof SVGElement && el.getScreenCTM()) { const m = el.getScreenCTM(); scale = Math.hypot(m.a, m.b); }
    out.push([node.textContent.trim().slice(0, 24), parseFloat(getComputedStyle(el).fontSize) * scale]);
  }
  return out;
}"""


def open_gallery(page, server_url, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(server_url + "/#step=8&seed=0")
    page.wait_for_selector('body[data-ready="8"]')
    return page.evaluate(GALLERY)


@pytest.mark.parametrize("width", WIDTHS)
def test_gallery_text_never_shrinks_and_wide_figures_scroll(page, server_url, width):
    result = open_gallery(page, server_url, WIDTHS[width])
    sizes = page.evaluate(TEXT_SIZES, "#widget")
    assert len(sizes) > 60, sizes
    small = [s for s in sizes if s[1] < 12 - 0.01]
    assert not small, f"text under 12 px: {small}"
    # every chart SVG keeps its intrinsic pixel width (no viewBox shrinking), at both widths
    widths = page.evaluate("""() => [...document.querySelectorAll('#widget svg.fig')].map((s) =>
      [s.getAttribute('width'), s.getBoundingClientRect().width])""")
    assert len(widths) == 4
    for attr, rendered in widths:
        assert abs(float(attr) - rendered) < 0.5
    # the heat map is wider than a phone: its own box scrolls, the page does not
    heat = page.evaluate("""() => { const b = document.querySelector('#g-heat .figure-scroll');
      return [b.scrollWidth, b.clientWidth, b.getAttribute('tabindex')]; }""")
    page_overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if width == "phone":
        assert heat[0] > heat[1] and heat[2] == "0", heat  # scrolls, and is reachable by keyboard
    assert page_overflow <= 0
    assert result["numbers"] == ["1.00 × 10⁻¹³", "0.250", "−3.50 × 10⁶", "1.00 × 10¹²⁴", "1.0 × 10⁻¹³", "−2.50 × 10−7"]
    expect(page.locator("#g-numbers sup.exponent")).to_have_text("−7")
    screenshot(page, f"foundation-gallery-{width}")


def test_line_chart_keeps_its_log_domain_with_power_ticks(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    ticks = page.locator("#g-line svg text").all_text_contents()
    for power in ["100", "10−2", "10−8", "10−16"]:  # 17 powers thinned to every second one
        assert power in ticks
    assert not [t for t in ticks if "e-" in t or "e+" in t]
    # 10 and a raised exponent in ordinary digits, both at 12 px or more
    raised = page.evaluate("""() => [...document.querySelectorAll('#g-line tspan.exponent')].map((t) =>
      [t.getAttribute('dy'), parseFloat(getComputedStyle(t).fontSize)])""")
    assert len(raised) == 9 and all(dy == "-0.5em" and px >= 12 for dy, px in raised)
    # the same domain with other data gives the same ticks: settings can be compared
    again = page.evaluate("""async () => { const c = await import('/static/js/charts.js');
      const f = await c.lineChart({ series: [{ label: 'a', x: [1, 2, 3], y: [1e-3, 1e-2, 1e-4] }],
        x: { domain: [1, 60] }, y: { type: 'log', domain: [1e-16, 1] } });
      document.querySelector('#g-line').append(f);
      return [...f.querySelectorAll('svg text')].map((t) => t.textContent); }""")
    powers = lambda texts: [t for t in texts if t.startswith("10−") or t == "100"]  # noqa: E731
    assert powers(again) == powers(ticks)
    # typeset axis titles and legend, a text alternative and a hidden table
    expect(page.locator("#g-line .axis-label.axis-y .katex")).to_have_count(1)
    expect(page.locator("#g-line .fig-legend .katex")).to_have_count(2)
    label = page.locator("#g-line svg").first.get_attribute("aria-label")
    assert "log scale" in label and "2 lines" in label
    expect(page.locator("#g-line figure").first.locator(".visually-hidden table tbody tr")).to_have_count(2)
    # the series carry their role colour from the palette and their term
    stroke = page.evaluate("""() => [getComputedStyle(document.documentElement).getPropertyValue('--c-grad').trim(),
      document.querySelector('#g-line g[data-term="grad"] g[stroke]').getAttribute('stroke')]""")
    assert stroke[0] == stroke[1]


def test_heat_map_has_one_cell_per_value_and_a_colour_bar(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    expect(page.locator("#g-heat svg rect")).to_have_count(8 * 17)
    expect(page.locator("#g-heat .colorbar .bar")).to_have_count(1)
    expect(page.locator("#g-heat .colorbar")).to_contain_text("−1.000")
    texts = page.locator("#g-heat svg text").all_text_contents()
    assert "h[7]" in texts and "slept" in texts
    assert "largest" in page.locator("#g-heat svg").first.get_attribute("aria-label")


def test_diagram_arrows_have_heads_and_labels_beside_lines(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    heads = page.evaluate("""() => [...document.querySelectorAll('#g-diagram path[marker-end]')].map((p) =>
      !!document.querySelector(p.getAttribute('marker-end').slice(4, -1)))""")
    assert heads == [True, True, True, True]
    expect(page.locator("#g-diagram .dg-arrow.backward path[stroke-dasharray]")).to_have_count(1)
    # no arrow label covers its own line: the line's midpoint lies outside the label's box
    clear = page.evaluate("""() => [...document.querySelectorAll('#g-diagram .dg-arrow')].map((g) => {
      const p = g.querySelector('path'), L = p.getTotalLength(), m = p.getPointAtLength(L / 2);
      const label = g.querySelector('foreignObject .tex-label').getBoundingClientRect();
      const svg = p.ownerSVGElement.getBoundingClientRect();
      const x = svg.left + m.x, y = svg.top + m.y;
      return !(x >= label.left && x <= label.right && y >= label.top && y <= label.bottom); })""")
    assert clear == [True, True, True]
    expect(page.locator("#g-diagram .dg-loop path")).to_have_count(1)


def test_terms_light_up_together_both_ways(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    formula_h = page.locator('#g-formula [data-term="h"]')
    chip = page.locator("#g-chip-h")
    chip.hover()
    expect(formula_h).to_have_class(ACTIVE)  # widget → formula
    expect(page.locator('#g-diagram [data-term="h"]')).to_have_class(ACTIVE)
    page.mouse.move(0, 0)
    expect(chip).not_to_have_class(ACTIVE)
    page.locator('#g-formula [data-term="W_hh"]').hover()
    expect(page.locator('#g-diagram g[data-term="W_hh"]')).to_have_class(ACTIVE)  # formula → widget
    expect(chip).not_to_have_class(ACTIVE)
    chip.focus()  # keyboard too
    expect(formula_h).to_have_class(ACTIVE)


def test_flow_animation_moves_a_dot_and_reduced_motion_stops_it(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    moved = page.evaluate("""async () => { const { motion, paths } = window.__gallery;
      const run = motion.flowAlong(paths.a1, { ms: 200 });
      const during = document.querySelectorAll('#g-diagram .flow-dot').length;
      await run;
      await motion.flowChain([paths.a1, paths.a2], { direction: 'backward', ms: 50 });
      return [during, document.querySelectorAll('#g-diagram .flow-dot').length]; }""")
    assert moved == [1, 0]
    page.emulate_media(reduced_motion="reduce")
    still = page.evaluate("""async () => { const { motion, paths } = window.__gallery;
      const run = motion.flowAlong(paths.back, { direction: 'backward' });
      const during = document.querySelectorAll('#g-diagram .flow-dot').length;
      await run;
      const n = document.createElement('span'); n.dataset.value = '0';
      await motion.tweenNumber(n, 2.5);
      return [during, motion.duration('--dur-flow'), n.textContent, n.dataset.value]; }""")
    assert still == [0, 0, "2.500", "2.5"]


def test_palette_follows_the_colour_scheme(page, server_url):
    open_gallery(page, server_url, WIDTHS["desktop"])
    light = page.evaluate("() => [window.__gallery.palette.role('x'), window.__gallery.palette.ramp('diverging')]")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("() => [window.__gallery.palette.role('x'), window.__gallery.palette.ramp('diverging')]")
    assert light[0] == "#0072b2" and dark[0] == "#56b4e9"
    assert len(light[1]) == 3 and light[1] != dark[1]
    screenshot(page, "foundation-gallery-dark")


@pytest.mark.parametrize("width", WIDTHS)
def test_gallery_is_axe_clean(page, server_url, width):
    open_gallery(page, server_url, WIDTHS[width])
    page.evaluate(AXE)
    violations = page.evaluate("""async () => (await axe.run('#widget', { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => [v.id, v.nodes.map((n) => n.target.join(' ')).slice(0, 3)])""")
    assert not violations, violations
