"""Step 6 in a real browser: every control of the four task panels and of the gradient map reaches the library,
the numbers on the page are the library's, and the settings survive in the URL."""

import re

import pytest

from chapter_browser import screenshot
from elman.chapter.steps import tasks

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key: str) -> float:
    return float(page.get_attribute(f'[data-key="{key}"]', "data-value"))


def open_step(page, server_url, hash_rest=""):
    page.goto(f"{server_url}/#step=6&seed=3{hash_rest}")
    page.wait_for_selector('body[data-ready="6"]')


def test_sentiment_panel_shows_the_classifier_on_the_sentence_and_its_reverse(page, server_url):
    open_step(page, server_url)
    page.fill("#task-sent-text", "the movie was not good")
    expected = tasks.sentiment("the movie was not good")
    expect(page.locator('[data-key="sent-rnn"]')).to_have_attribute("data-value", repr(expected["rnn"]["p_positive"]))
    assert value(page, "sent-rnn-rev") == pytest.approx(expected["rnn"]["p_positive_reversed"], rel=1e-9)
    assert value(page, "sent-bow") == pytest.approx(expected["bow"]["p_positive"], rel=1e-9)
    assert value(page, "sent-bow-rev") == pytest.approx(value(page, "sent-bow"), rel=1e-5)
    assert value(page, "sent-acc") == pytest.approx(expected["model"]["test_accuracy"], rel=1e-9)
    page.click("#task-sent-reverse")
    expect(page.locator("#task-sent-text")).to_have_value("good not was movie the")
    flipped = tasks.sentiment("good not was movie the")
    expect(page.locator('[data-key="sent-rnn"]')).to_have_attribute("data-value", repr(flipped["rnn"]["p_positive"]))
    page.select_option("#task-sent-example", "great , not good")
    probe = tasks.sentiment("great , not good")
    expect(page.locator('[data-key="sent-rnn"]')).to_have_attribute("data-value", repr(probe["rnn"]["p_positive"]))
    expect(page).to_have_url(re.compile(r"sent=great"))
    page.fill("#task-sent-text", "the movie was qwertyuiop")
    expect(page.locator('[data-key="sent-unknown"]')).to_contain_text("qwertyuiop")
    screenshot(page, "step-6-tasks-sentiment")


def test_names_panel_draws_the_generators_names_for_the_page_seed(page, server_url):
    open_step(page, server_url)
    page.click("#task-shape-gen")
    page.select_option("#task-names-lang", "German")
    page.fill("#task-names-count", "5")
    page.fill("#task-names-temp", "0.5")
    expected = tasks.names("German", 5, 0.5, 3)["names"]
    expect(page.locator("#task-names-list li")).to_have_count(5)
    expect(page.locator("#task-names-list li")).to_have_text(expected)
    assert value(page, "names-nll") == pytest.approx(tasks.names("German", 5, 0.5, 3)["model"]["test_nll_per_char"])
    for part in ("lang=German", "count=5", "temp=0.5", "shape=gen"):
        expect(page).to_have_url(re.compile(re.escape(part)))
    screenshot(page, "step-6-tasks-names")
    # the settings come back from the URL
    page.goto(page.url)
    page.wait_for_selector('body[data-ready="6"]')
    expect(page.locator("#task-names-lang")).to_have_value("German")
    expect(page.locator("#task-names-count")).to_have_value("5")
    expect(page.locator("#task-names-list li")).to_have_text(expected)


def test_pos_panel_puts_a_tag_under_each_word(page, server_url):
    open_step(page, server_url, "&shape=tag")
    text = "She quickly read the long book ."
    page.fill("#task-pos-text", text)
    expected = tasks.tag(text)
    for i, t in enumerate(expected["tags"]):
        expect(page.locator(f'[data-key="pos-tag-{i}"]')).to_have_text(t)
    assert value(page, "pos-acc") == pytest.approx(expected["model"]["test_accuracy"], rel=1e-9)
    screenshot(page, "step-6-tasks-pos")


def test_translation_panel_translates_or_says_it_is_not_shipped(page, server_url):
    open_step(page, server_url)
    page.click("#task-shape-mt")
    page.fill("#task-mt-text", "ein hund läuft im schnee .")
    page.fill("#task-mt-beam", "3")
    expected = tasks.translate("ein hund läuft im schnee .", 3)
    expect(page).to_have_url(re.compile(r"beam=3"))
    if not expected["shipped"]:
        expect(page.locator("#task-mt-missing")).to_contain_text("python -m elman.chapter.models translate")
    else:
        expect(page.locator('[data-key="mt-translation"]')).to_have_text(expected["translation"] or "(nothing)")
        assert value(page, "mt-bleu") == pytest.approx(expected["model"]["test_bleu"], rel=1e-9)
    expect(page).to_have_url(re.compile(r"shape=mt.*beam=3|beam=3.*shape=mt"))
    screenshot(page, "step-6-tasks-translate")


def test_gradient_map_follows_layers_and_steps(page, server_url):
    open_step(page, server_url)
    expected = tasks.gradients(3, 30, 3)
    expect(page.locator('[data-key="grad-top-last"]')).to_have_attribute("data-value", repr(expected["top_last"]))
    expect(page.locator("#task-grad-out svg rect")).to_have_count(3 * 30)
    page.fill("#task-grad-layers", "5")
    page.fill("#task-grad-steps", "40")
    expected = tasks.gradients(5, 40, 3)
    expect(page.locator("#task-grad-out svg rect")).to_have_count(5 * 40)
    assert value(page, "grad-bottom-first") == pytest.approx(expected["bottom_first"], rel=1e-9)
    assert value(page, "grad-time-ratio") == pytest.approx(expected["time_ratio"], rel=1e-9)
    assert value(page, "grad-depth-ratio") == pytest.approx(expected["depth_ratio"], rel=1e-9)
    assert value(page, "grad-top-first") == pytest.approx(expected["top_first"], rel=1e-9)
    assert value(page, "grad-bottom-last") == pytest.approx(expected["bottom_last"], rel=1e-9)
    expect(page).to_have_url(re.compile(r"layers=5.*steps=40"))
    screenshot(page, "step-6-tasks-gradients")


def test_play_walks_through_the_four_shapes(page, server_url):
    page.goto(f"{server_url}/?dwell=100#step=6&seed=3")
    page.wait_for_selector('body[data-ready="6"]')
    page.click("#play")
    for key in ("gen", "tag", "mt"):
        expect(page.locator(f'#task-panel [data-shape="{key}"]')).to_be_visible(timeout=10_000)
    page.click("#play")


# ---- the drawn shapes, their flow, and the gradient map's legend ----

SHAPE_BOXES = {"one": {"x": 4, "h": 4, "y": 1}, "gen": {"x": 1, "h": 4, "y": 4},
               "tag": {"x": 4, "h": 4, "y": 4}, "mt": {"x": 3, "h": 7, "y": 3}}   # mt: 3 encoder, c, 3 decoder states

BOXES = """(svg) => {
  const roleColour = (name) => {          // the theme's colour for a role, as the browser computes it
    const probe = document.createElement("span");
    probe.style.color = `var(--c-${name})`;
    document.body.append(probe);
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  };
  const count = {};
  for (const g of svg.querySelectorAll("g.dg-box")) {
    const stroke = getComputedStyle(g.querySelector("rect")).stroke;
    const term = g.dataset.term;
    count[term] = (count[term] ?? 0) + 1;
    if (stroke !== roleColour(term)) return `a ${term} box drawn in ${stroke}`;
  }
  const arrows = [...svg.querySelectorAll("g.dg-arrow path")];
  if (!arrows.every((p) => /^url\\(#/.test(p.getAttribute("marker-end") ?? ""))) return "an arrow without an arrowhead";
  return { count, arrows: arrows.length, labels: [...svg.querySelectorAll("foreignObject .katex")].length };
}"""


@pytest.mark.parametrize("key", SHAPE_BOXES)
def test_each_shape_is_a_box_diagram_in_the_palette_roles(page, server_url, key):
    open_step(page, server_url, f"&shape={key}")
    svg = page.locator(f"#task-panel svg#task-diagram-{key}")
    expect(svg).to_be_visible()
    drawn = svg.evaluate(BOXES)
    assert isinstance(drawn, dict), drawn
    assert drawn["count"] == SHAPE_BOXES[key]
    assert drawn["arrows"] >= sum(SHAPE_BOXES[key].values()) - 1          # every box is joined to the next
    assert drawn["labels"] == sum(SHAPE_BOXES[key].values())              # every box has a typeset label
    assert svg.get_attribute("width") and svg.get_attribute("viewBox") is None   # fixed pixel size


FLOW_DOTS = """() => { window.__dots = 0;
  new MutationObserver((records) => { for (const r of records) for (const n of r.addedNodes)
    if (n.classList?.contains("flow-dot")) window.__dots++; })
    .observe(document.getElementById("task-panel"), { subtree: true, childList: true }); }"""


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_playing_sends_values_along_the_edges_unless_motion_is_reduced(tab_at, server_url, motion):
    tab = tab_at(1400, 900, reduced_motion=motion)
    tab.goto(f"{server_url}/?dwell=100#step=6&seed=3")
    tab.wait_for_selector('body[data-ready="6"]')
    tab.evaluate(FLOW_DOTS)
    tab.click("#play")
    expect(tab.locator('#task-panel [data-shape="gen"]')).to_be_visible(timeout=10_000)
    tab.click("#play")
    dots = tab.evaluate("() => window.__dots")
    assert dots > 0 if motion == "no-preference" else dots == 0


def test_the_gradient_map_has_a_fixed_colour_legend_with_12px_labels(page, server_url):
    open_step(page, server_url)
    legend = page.locator("#task-grad-out .task-colorbar")
    expect(legend).to_be_visible()
    ticks = legend.locator(".task-ramp-ticks > span")
    first = ticks.all_inner_texts()
    assert first == ["10−12", "10−8", "10−4", "100"]
    sizes = ticks.evaluate_all("(spans) => spans.flatMap((s) => [s, ...s.querySelectorAll('sup')])"
                               ".map((e) => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 12
    expect(legend.locator(".katex")).to_have_count(1)                     # the legend's label is typeset
    tip = page.locator("#task-grad-out svg rect title").first.text_content()
    assert tip.startswith("layer 3, t = 0: ")                             # the norm itself, not its log
    page.fill("#task-grad-layers", "6")
    page.fill("#task-grad-steps", "60")
    expect(page.locator("#task-grad-out svg rect")).to_have_count(6 * 60)
    assert page.locator("#task-grad-out .task-ramp-ticks > span").all_inner_texts() == first   # same scale


def test_a_formula_term_lights_its_boxes_and_back(page, server_url):
    open_step(page, server_url, "&shape=tag")
    page.locator('#tab-formula [data-term="y"]').first.hover()
    expect(page.locator('#task-diagram-tag g.dg-box[data-term="y"].term-active')).to_have_count(4)
    expect(page.locator('#task-diagram-tag g.dg-box[data-term="x"].term-active')).to_have_count(0)
    page.locator('#task-diagram-tag g.dg-box[data-term="h"]').first.hover()
    expect(page.locator('#tab-formula [data-term="h"].term-active').first).to_be_visible()
    expect(page.locator('#tab-formula [data-term="y"].term-active')).to_have_count(0)
