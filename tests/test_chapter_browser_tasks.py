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
    page.select_option("#task-sent-example", "it is boring and not funny")
    probe = tasks.sentiment("it is boring and not funny")
    expect(page.locator('[data-key="sent-rnn"]')).to_have_attribute("data-value", repr(probe["rnn"]["p_positive"]))
    expect(page).to_have_url(re.compile(r"sent=it"))
    page.fill("#task-sent-text", "the movie was qwertyuiop")
    expect(page.locator('[data-key="sent-unknown"]')).to_contain_text("qwertyuiop")
    screenshot(page, "step-6-tasks-sentiment")


def test_names_panel_draws_the_generators_names_for_the_page_seed(page, server_url):
    open_step(page, server_url)
    page.click("#task-shape-gen")
    page.select_option("#task-names-lang", "German")
    page.fill("#task-names-count", "5")
    page.fill("#task-names-temp", "0.5")
    drawn = tasks.names("German", 5, 0.5, 3)["distinct"]
    expected = [name + (f" ×{k}" if k > 1 else "") for name, k in drawn]
    expect(page.locator("#task-names-list li")).to_have_count(len(drawn))
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

SHAPE_BOXES = {
    "one": {"x": 4, "h": 4, "y": 1},
    "gen": {"x": 1, "h": 4, "y": 4},
    "tag": {"x": 4, "h": 4, "y": 4},
    "mt": {"x": 3, "h": 7, "y": 3},
}  # mt: 3 encoder, c, 3 decoder states

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
    assert drawn["arrows"] >= sum(SHAPE_BOXES[key].values()) - 1  # every box is joined to the next
    assert drawn["labels"] == sum(SHAPE_BOXES[key].values())  # every box has a typeset label
    assert svg.get_attribute("width") and svg.get_attribute("viewBox") is None  # fixed pixel size


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
    sizes = ticks.evaluate_all(
        "(spans) => spans.flatMap((s) => [s, ...s.querySelectorAll('sup')])"
        ".map((e) => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(sizes) >= 12
    expect(legend.locator(".katex")).to_have_count(1)  # the legend's label is typeset
    tip = page.locator("#task-grad-out svg rect title").first.text_content()
    assert tip.startswith("layer 3, t = 0: ")  # the norm itself, not its log
    page.fill("#task-grad-layers", "6")
    page.fill("#task-grad-steps", "60")
    expect(page.locator("#task-grad-out svg rect")).to_have_count(6 * 60)
    assert page.locator("#task-grad-out .task-ramp-ticks > span").all_inner_texts() == first  # same scale


def test_a_formula_term_lights_its_boxes_and_back(page, server_url):
    open_step(page, server_url, "&shape=tag")
    page.locator('#tab-formula [data-term="y"]').first.hover()
    expect(page.locator('#task-diagram-tag g.dg-box[data-term="y"].term-active')).to_have_count(4)
    expect(page.locator('#task-diagram-tag g.dg-box[data-term="x"].term-active')).to_have_count(0)
    page.locator('#task-diagram-tag g.dg-box[data-term="h"]').first.hover()
    expect(page.locator('#tab-formula [data-term="h"].term-active').first).to_be_visible()
    expect(page.locator('#tab-formula [data-term="y"].term-active')).to_have_count(0)


# ---- the probes, the tie, unknown words, greedy names, plain errors, live words in the diagrams ----

EMPTY = "Expected a sentence of at least one word, got none."


def test_the_probes_and_the_tie_are_shown_at_the_defaults_with_live_labels(page, server_url):
    open_step(page, server_url)  # no control touched
    r = tasks.probes()
    expect(page.locator("#task-probes .task-verdict")).to_have_count(2 * r["total"])
    for i, row in enumerate(r["probes"]):
        for model in ("rnn", "bow"):
            badge = page.locator(f'[data-key="probe-{i}-{model}"]')
            expect(badge).to_have_attribute("data-passed", str(row[model]["passed"]).lower())
            expect(badge).to_have_text("✓ passed" if row[model]["passed"] else "✗ failed")
        assert value(page, f"probe-{i}-rnn-b") == pytest.approx(row["rnn"]["p_b"], rel=1e-9)
    assert value(page, "probes-rnn-passed") == r["rnn_passed"] and value(page, "probes-bow-passed") == r["bow_passed"]
    expect(page.locator("#task-probes")).to_contain_text("should read positive but gets 0.17")  # a failure, shown
    assert value(page, "tie-rnn") == r["sst2"]["rnn_accuracy"] and value(page, "tie-bow") == r["sst2"]["bow_accuracy"]
    expect(page.locator("#task-tie")).to_contain_text("a tie")
    assert value(page, "tie-contrast-rnn") == pytest.approx(r["split"]["contrast"]["rnn_accuracy"], rel=1e-12)
    expect(page.locator("#task-tie-why")).to_contain_text("points ahead")
    # a probe's sentence goes into the box and is classified
    page.get_by_role("button", name="the movie was not bad", exact=True).click()
    expect(page.locator("#task-sent-text")).to_have_value("the movie was not bad")
    expect(page.locator('[data-key="sent-rnn"]')).to_have_attribute(
        "data-value", repr(tasks.sentiment("the movie was not bad")["rnn"]["p_positive"])
    )


def test_the_diagram_carries_the_live_words_and_answer(page, server_url):
    open_step(page, server_url)
    page.fill("#task-sent-text", "a dull and lifeless film")
    r = tasks.sentiment("a dull and lifeless film")
    svg = page.locator("#task-diagram-one")
    expect(svg.locator('[data-live="x3"]')).to_have_text("film")
    expect(svg.locator('[data-live="x0"]')).to_have_text("a")
    expect(svg.locator('[data-live="x2"]')).to_have_text("and")
    expect(svg.locator('[data-live="y0"]')).to_have_text(f"P(+) {r['rnn']['p_positive']:.2f}")  # 0.00, not 9.9 × 10⁻⁵


def test_unknown_german_words_are_marked_in_the_input_and_the_translation_flagged(page, server_url):
    open_step(page, server_url, "&shape=mt")
    expected = tasks.translate("ich habe keine ahnung .", 1)
    if not expected["shipped"]:
        pytest.skip("the translation model is not shipped")
    page.fill("#task-mt-text", "ich habe keine ahnung .")
    unknown = [t for t, k in zip(expected["tokens"], expected["known"]) if not k]
    expect(page.locator("#task-mt-input .task-unk")).to_have_count(len(unknown))
    expect(page.locator('#task-mt-input [data-known="true"]')).to_have_count(len(expected["tokens"]) - len(unknown))
    expect(page.locator("#task-mt-warning")).to_contain_text("Do not trust this translation")
    expect(page.locator("#task-mt-warning")).to_contain_text(f"{len(unknown)} of the {len(expected['tokens'])} words")
    expect(page.locator('[data-key="mt-translation"]')).to_have_attribute("data-trusted", "false")
    page.fill("#task-mt-text", "ein kleines mädchen spielt im wasser .")
    expect(page.locator("#task-mt-input .task-chip")).to_have_count(7)
    expect(page.locator("#task-mt-input .task-unk")).to_have_count(0)
    expect(page.locator("#task-mt-warning")).to_have_count(0)
    expect(page.locator('[data-key="mt-translation"]')).to_have_attribute("data-trusted", "true")
    page.fill("#task-mt-text", "")  # refused: no stale marks
    expect(page.locator("#task-panel .error")).to_have_text(EMPTY)
    expect(page.locator("#task-mt-input .task-chip")).to_have_count(0)
    forget_refusals(page, 1)


def test_temperature_zero_is_named_greedy_and_the_identical_names_collapse(page, server_url):
    open_step(page, server_url, "&shape=gen")
    page.fill("#task-names-temp", "0")
    expect(page.locator("#task-names-mode")).to_contain_text("Greedy (always the most likely letter)")
    expect(page.locator("output[for=task-names-temp]")).to_have_text("greedy")
    name = tasks.names("Italian", 8, 0.0, 3)["names"][0]
    expect(page.locator("#task-names-list li")).to_have_count(1)
    expect(page.locator("#task-names-list li")).to_have_text(f"{name} ×8")
    page.fill("#task-names-temp", "0.8")
    expect(page.locator("#task-names-mode")).to_contain_text("Sampled")
    expect(page.locator("#task-names-list li")).to_have_count(len(tasks.names("Italian", 8, 0.8, 3)["distinct"]))


@pytest.mark.parametrize(
    "box, shape, limit", [("#task-sent-text", "one", 40), ("#task-pos-text", "tag", 40), ("#task-mt-text", "mt", 20)]
)
def test_an_empty_or_overlong_sentence_gets_one_plain_sentence(page, server_url, box, shape, limit):
    open_step(page, server_url, f"&shape={shape}")
    error = page.locator("#task-panel .error")
    page.fill(box, "   ")
    expect(error).to_have_text(EMPTY)
    page.fill(box, "ja " * 45)
    expect(error).to_have_text(f"Expected a sentence of at most {limit} words, got 45.")
    for raw in ("String should", "Input should", "text:"):
        assert raw not in error.inner_text()
    forget_refusals(page, 2)


def forget_refusals(page, count: int):
    """Chromium logs each refused request (a 400) as a console error: those the test asked for are expected."""
    refused = [m for m in page.console if "status of 400" in m[1]]
    assert len(refused) == count, page.console
    page.console[:] = [m for m in page.console if m not in refused]


def test_slider_values_stay_beside_their_sliders_on_a_phone(tab_at, server_url):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step=6&seed=3&shape=gen&temp=0")
    tab.wait_for_selector('body[data-ready="6"]')
    for key in ("task-names-count", "task-names-temp", "task-grad-layers", "task-grad-steps"):
        slider, shown = tab.locator(f"#{key}").bounding_box(), tab.locator(f"output[for={key}]").bounding_box()
        assert abs((slider["y"] + slider["height"] / 2) - (shown["y"] + shown["height"] / 2)) < 8, key
        assert shown["x"] > slider["x"] + slider["width"] - 2 and shown["x"] + shown["width"] <= 390, key
